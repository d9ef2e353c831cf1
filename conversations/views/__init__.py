"""The inbox screen (one page, three panes as partials) and the agent actions behind it."""

from conversations.views.actions import (  # noqa: F401
    comment_action,
    conversation_block,
    conversation_follow,
    conversation_label,
    conversation_mute,
    conversation_order,
    conversation_rating,
    conversation_read,
    conversation_send,
    conversation_status,
    conversation_unread,
    customer_note,
    message_retry,
    sound_toggle,
)
from conversations.views.pages import (  # noqa: F401
    conversation_composer,
    conversation_header,
    conversation_message,
    conversation_row,
    conversation_timeline,
    customer_pane,
    inbox,
    inbox_counts,
    inbox_list,
    my_customers,
)
from conversations.views.settings import (  # noqa: F401
    blocked_customers,
    customer_unblock,
    label_settings,
    label_update,
    labels_copy,
    quick_reply_create,
    quick_reply_settings,
    quick_reply_update,
)
