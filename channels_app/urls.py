from django.urls import path

from channels_app import views

workspace_urlpatterns = [
    path("channels/", views.channel_list, name="channels"),
    path(
        "channels/<int:pk>/subscription/check/",
        views.channel_subscription_check,
        name="channel_subscription_check",
    ),  # fmt: skip
    path("channels/connect/<slug:kind>/", views.channel_connect, name="channel_connect"),
    path("channels/<int:pk>/disconnect/", views.channel_disconnect, name="channel_disconnect"),
    path("channels/webhooks/failed/", views.webhook_failures, name="webhook_failures"),
    path("channels/webhooks/<int:pk>/replay/", views.webhook_replay, name="webhook_replay"),
]

# The provider's consent screen sends the admin back here (outside /w/<ws>/: the provider
# knows one address; the workspace is the one the connection was started from).
callback_urlpatterns = [
    path("channels/callback/<slug:kind>/", views.channel_connect_callback,
         name="channel_connect_callback"),
]  # fmt: skip

# Provider webhooks: one address per channel account (ChannelAccount.webhook_key), or one
# address per kind for providers that post every account's events to one URL (Zalo).
webhook_urlpatterns = [
    path("webhooks/<slug:kind>/<uuid:key>/", views.webhook, name="webhook"),
    path("webhooks/<slug:kind>/", views.webhook_shared, name="webhook_shared"),
]
