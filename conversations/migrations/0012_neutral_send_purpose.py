"""A reply's policy record says its neutral send purpose instead of Meta's words.

`Message.policy_tag` was RESPONSE / HUMAN_AGENT / UTILITY:<topic>; it becomes "" (a standard
reply) / human_agent / notification:<topic>, the values conversations.policies writes now, and
the Meta adapter maps them to messaging_type and tag when it sends. The Send API words kept
in `meta` (messaging_type, tag) are dropped: delivery reads the purpose from `policy_tag`, so
a reply saved before this migration (pending or failed, sent again later) still goes out as
it was decided.
"""

from django.db import migrations

FORWARD = [
    """
UPDATE conversations_message SET policy_tag = CASE
    WHEN policy_tag = 'RESPONSE' THEN ''
    WHEN policy_tag = 'HUMAN_AGENT' THEN 'human_agent'
    ELSE 'notification:' || substr(policy_tag, length('UTILITY:') + 1)
END
WHERE policy_tag IN ('RESPONSE', 'HUMAN_AGENT') OR policy_tag LIKE 'UTILITY:%'
""",
    """
UPDATE conversations_message SET meta = meta - 'messaging_type' - 'tag'
WHERE meta ? 'messaging_type' OR meta ? 'tag'
""",
]

BACKWARD = """
UPDATE conversations_message SET policy_tag = CASE
    WHEN policy_tag = 'human_agent' THEN 'HUMAN_AGENT'
    ELSE 'UTILITY:' || substr(policy_tag, length('notification:') + 1)
END
WHERE policy_tag = 'human_agent' OR policy_tag LIKE 'notification:%'
"""


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0011_last_outbound_failed"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
