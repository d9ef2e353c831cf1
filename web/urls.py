from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts.urls import workspace_urlpatterns as account_pages
from audit.urls import workspace_urlpatterns as audit_pages
from automation.urls import workspace_urlpatterns as automation_pages
from channels_app.urls import callback_urlpatterns as channel_callbacks
from channels_app.urls import webhook_urlpatterns as webhooks
from channels_app.urls import workspace_urlpatterns as channel_pages
from conversations.urls import workspace_urlpatterns as inbox_pages
from conversations.views.media import media_file
from inbox_project.health import healthz
from reports.urls import workspace_urlpatterns as report_pages
from routing.urls import workspace_urlpatterns as routing_pages

# Everything a workspace owns lives under /w/<ws>/; TenancyMiddleware resolves <ws> to the
# current member's workspace or answers 404.
workspace_pages = [
    *inbox_pages,
    *channel_pages,
    *account_pages,
    *routing_pages,
    *report_pages,
    *automation_pages,
    *audit_pages,
]

urlpatterns = [
    path("", include("accounts.urls")),
    path("w/<slug:ws>/", include(workspace_pages)),
    path("admin/", admin.site.urls),
    path("", include(webhooks)),  # /webhooks/<kind>/<uuid>/, /webhooks/<kind>/
    path("", include(channel_callbacks)),  # /channels/callback/<kind>/
    path("healthz", healthz, name="healthz"),
]

# Stored files (attachments, media copies, profile pictures), in development and production
# alike: through a view that checks who asks and sets safe headers (conversations/views/media.py).
urlpatterns += [path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", media_file, name="media")]
