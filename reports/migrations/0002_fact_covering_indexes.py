"""Partial covering indexes for the facts the report pages read directly: handled (the
distinct conversations handled and closed), orders (closed with a sale) and labels (the label
table). Each holds one kind's (workspace, day) keys with the columns those queries read and
filter on, so PostgreSQL answers them from the index alone instead of visiting ~100,000
scattered heap rows per 90-day page of a large workspace."""

from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_facts_and_rollups"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="reportfact",
            index=models.Index(
                fields=["workspace_id", "day"],
                include=["conversation_id", "agent_id", "channel_account_id"],
                condition=Q(kind="handled"),
                name="report_fact_handled_day",
            ),
        ),
        migrations.AddIndex(
            model_name="reportfact",
            index=models.Index(
                fields=["workspace_id", "day"],
                include=["conversation_id", "agent_id", "channel_account_id", "detail", "value"],
                condition=Q(kind="order"),
                name="report_fact_order_day",
            ),
        ),
        migrations.AddIndex(
            model_name="reportfact",
            index=models.Index(
                fields=["workspace_id", "day"],
                include=["label_id", "conversation_id", "agent_id", "channel_account_id"],
                condition=Q(kind="label"),
                name="report_fact_label_day",
            ),
        ),
    ]
