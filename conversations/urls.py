from django.urls import path

from conversations import views

conversation = "c/<int:pk>/"

workspace_urlpatterns = [
    # The page: every URL is shareable (filters in the query string, the open conversation
    # in the path) and reloads to the same state.
    path("", views.inbox, name="inbox"),
    path(conversation, views.inbox, name="conversation"),
    # Partials
    path("list/", views.inbox_list, name="inbox_list"),
    path("list/counts/", views.inbox_counts, name="inbox_counts"),
    path(f"{conversation}row/", views.conversation_row, name="conversation_row"),
    path(f"{conversation}timeline/", views.conversation_timeline, name="conversation_timeline"),
    path(
        f"{conversation}m/<int:message_pk>/",
        views.conversation_message,
        name="conversation_message",
    ),
    path(f"{conversation}header/", views.conversation_header, name="conversation_header"),
    path(f"{conversation}composer/", views.conversation_composer, name="conversation_composer"),
    path(f"{conversation}customer/", views.customer_pane, name="customer_pane"),
    # Actions
    path(f"{conversation}send/", views.conversation_send, name="conversation_send"),
    path(f"{conversation}read/", views.conversation_read, name="conversation_read"),
    path(f"{conversation}unread/", views.conversation_unread, name="conversation_unread"),
    path(f"{conversation}follow/", views.conversation_follow, name="conversation_follow"),
    path(f"{conversation}mute/", views.conversation_mute, name="conversation_mute"),
    path(f"{conversation}status/", views.conversation_status, name="conversation_status"),
    path(f"{conversation}rating/", views.conversation_rating, name="conversation_rating"),
    path(f"{conversation}labels/", views.conversation_label, name="conversation_label"),
    path(f"{conversation}orders/", views.conversation_order, name="conversation_order"),
    path(f"{conversation}customer-notes/", views.customer_note, name="customer_note"),
    path(f"{conversation}block/", views.conversation_block, name="conversation_block"),
    path(
        f"{conversation}m/<int:message_pk>/comment/<slug:action>/",
        views.comment_action,
        name="comment_action",
    ),
    path(f"{conversation}m/<int:message_pk>/retry/", views.message_retry, name="message_retry"),
    path("me/sound/", views.sound_toggle, name="sound_toggle"),
    # Pages next to the inbox
    path("customers/mine/", views.my_customers, name="my_customers"),
    path("customers/blocked/", views.blocked_customers, name="blocked_customers"),
    path("customers/<int:pk>/unblock/", views.customer_unblock, name="customer_unblock"),
    path("labels/", views.label_settings, name="label_settings"),
    path("labels/<int:pk>/", views.label_update, name="label_update"),
    path("labels/copy/", views.labels_copy, name="labels_copy"),
    path("quick-replies/", views.quick_reply_settings, name="quick_reply_settings"),
    path("quick-replies/new/", views.quick_reply_create, name="quick_reply_create"),
    path("quick-replies/<int:pk>/", views.quick_reply_update, name="quick_reply_update"),
]
