from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from accounts.urls import workspace_urlpatterns as account_pages
from channels_app.urls import webhook_urlpatterns as webhooks
from channels_app.urls import workspace_urlpatterns as channel_pages
from conversations.urls import workspace_urlpatterns as inbox_pages
from inbox_project.health import healthz
from routing.urls import workspace_urlpatterns as routing_pages

# Everything a workspace owns lives under /w/<ws>/; TenancyMiddleware resolves <ws> to the
# current member's workspace or answers 404.
workspace_pages = [*inbox_pages, *channel_pages, *account_pages, *routing_pages]

urlpatterns = [
    path("", include("accounts.urls")),
    path("w/<slug:ws>/", include(workspace_pages)),
    path("admin/", admin.site.urls),
    path("", include(webhooks)),  # /webhooks/<kind>/<uuid>/ (issue 3)
    path("healthz", healthz, name="healthz"),
]

if settings.DEBUG:
    # Uploaded attachments in development; production serves MEDIA_ROOT from the proxy or
    # object storage.
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
