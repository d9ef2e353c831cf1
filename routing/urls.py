from django.urls import path

from routing import member_views, views

workspace_urlpatterns = [
    path("routing/", views.routing_settings, name="routing_settings"),
    path("routing/capacity/", views.capacity_save, name="routing_capacity"),
    path("routing/lists/default/", views.channel_agents_save, name="routing_default_list"),
    path("routing/lists/<int:pk>/", views.channel_agents_save, name="routing_channel_list"),
    path("routing/presence/", views.presence_update, name="routing_presence"),
    path("routing/presence/ping/", views.presence_ping, name="routing_presence_ping"),
    path("c/<int:pk>/owner/", views.claim_panel, name="routing_panel"),
    path("c/<int:pk>/claim/", views.claim, name="routing_claim"),
    path("c/<int:pk>/release/", views.release, name="routing_release"),
    path("c/<int:pk>/transfer/", views.transfer, name="routing_transfer"),
    path("c/<int:pk>/assign/", views.assign, name="routing_assign"),
    path("c/<int:pk>/unassign/", views.unassign, name="routing_unassign"),
    path("c/<int:pk>/close/", views.close, name="routing_close"),
    path("c/<int:pk>/reopen/", views.reopen, name="routing_reopen"),
    path("members/<int:pk>/remove/", member_views.member_remove, name="member_remove"),
    path("members/<int:pk>/reinstate/", member_views.member_reinstate, name="member_reinstate"),
]
