from django.urls import path

from channels_app import views

workspace_urlpatterns = [
    path("channels/", views.channel_list, name="channels"),
    path(
        "channels/<int:pk>/subscription/check/",
        views.channel_subscription_check,
        name="channel_subscription_check",
    ),  # fmt: skip
    path("channels/webhooks/failed/", views.webhook_failures, name="webhook_failures"),
    path("channels/webhooks/<int:pk>/replay/", views.webhook_replay, name="webhook_replay"),
]

# Provider webhooks: one address per channel account (ChannelAccount.webhook_key).
webhook_urlpatterns = [
    path("webhooks/<slug:kind>/<uuid:key>/", views.webhook, name="webhook"),
]
