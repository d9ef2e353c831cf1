"""The audit log of sends outside the standard window records the neutral send purpose
(human_agent, notification) like Message.policy_tag, instead of Meta's HUMAN_AGENT / UTILITY."""

from django.db import migrations

FORWARD = """
UPDATE channels_app_policyauditentry SET tag = CASE tag
    WHEN 'HUMAN_AGENT' THEN 'human_agent' WHEN 'UTILITY' THEN 'notification' ELSE tag END
WHERE tag IN ('HUMAN_AGENT', 'UTILITY')
"""
BACKWARD = """
UPDATE channels_app_policyauditentry SET tag = CASE tag
    WHEN 'human_agent' THEN 'HUMAN_AGENT' WHEN 'notification' THEN 'UTILITY' ELSE tag END
WHERE tag IN ('human_agent', 'notification')
"""


class Migration(migrations.Migration):
    dependencies = [
        ("channels_app", "0005_channel_account_provider_app"),
        ("conversations", "0012_neutral_send_purpose"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
