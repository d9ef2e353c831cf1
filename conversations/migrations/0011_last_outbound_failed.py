"""The list row tells a reply that did not go out ("Not sent: …") from one that did ("You: …").

Conversations whose last message is already a failed reply are marked as such.
"""

from django.db import migrations, models

MARK_FAILED = """
UPDATE conversations_conversation c SET last_outbound_failed = true
WHERE c.last_message_direction = 'out' AND EXISTS (
    SELECT 1 FROM conversations_message m
    WHERE m.conversation_id = c.id AND m.direction = 'out' AND m.delivery_status = 'failed'
      AND m.sent_at = c.last_message_at
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0010_customer_unblock_reason"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="last_outbound_failed",
            field=models.BooleanField(db_default=False, default=False),
        ),
        migrations.RunSQL(MARK_FAILED, reverse_sql=migrations.RunSQL.noop),
    ]
