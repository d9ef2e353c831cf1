from django.contrib import admin
from django.urls import include, path

from accounts.urls import workspace_urlpatterns as account_pages
from channels_app.urls import workspace_urlpatterns as channel_pages
from conversations.urls import workspace_urlpatterns as inbox_pages

# Everything a workspace owns lives under /w/<ws>/; TenancyMiddleware resolves <ws> to the
# current member's workspace or answers 404.
workspace_pages = [*inbox_pages, *channel_pages, *account_pages]

urlpatterns = [
    path("", include("accounts.urls")),
    path("w/<slug:ws>/", include(workspace_pages)),
    path("admin/", admin.site.urls),
]
