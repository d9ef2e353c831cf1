"""Handled facts learn the conversation's previous handled day (by anyone, by the same agent)
and whether they are its first of the day; order facts carry every (agent, day) their
conversation was handled; both carry the conversation's labels. The daily rollups gain the
counts built on them, and labels get a daily rollup of their own. Facts already written get
the same values from SQL, and every day that has facts is queued for the rollup worker
(beat drains the queue within a minute)."""

import django.contrib.postgres.fields
from django.db import migrations, models

FILL_HANDLED = """
UPDATE reports_reportfact AS f SET first = x.first, prev_day = x.prev_day,
       prev_day_agent = x.prev_day_agent
FROM (
    SELECT id,
           row_number() OVER same_day = 1 AS first,
           max(day) OVER (PARTITION BY conversation_id ORDER BY day
                          RANGE BETWEEN UNBOUNDED PRECEDING AND '1 day' PRECEDING) AS prev_day,
           lag(day) OVER (PARTITION BY conversation_id, agent_id ORDER BY day) AS prev_day_agent
    FROM reports_reportfact WHERE kind = 'handled'
    WINDOW same_day AS (PARTITION BY conversation_id, day ORDER BY occurred_at, id)
) AS x
WHERE f.id = x.id
"""
FILL_ORDERS = """
UPDATE reports_reportfact AS f
SET handled_agents = coalesce(x.agents, '{}'), handled_days = coalesce(x.days, '{}')
FROM reports_reportfact AS o LEFT JOIN (
    SELECT conversation_id, array_agg(agent_id ORDER BY day, agent_id) AS agents,
           array_agg(day ORDER BY day, agent_id) AS days
    FROM reports_reportfact WHERE kind = 'handled' GROUP BY 1
) AS x ON x.conversation_id = o.conversation_id
WHERE o.kind = 'order' AND f.id = o.id
"""
FILL_LABELS = """
UPDATE reports_reportfact AS f SET labels = coalesce(x.labels, '{}')
FROM reports_reportfact AS o LEFT JOIN (
    SELECT conversation_id, array_agg(DISTINCT label_id ORDER BY label_id) AS labels
    FROM conversations_conversationlabel GROUP BY 1
) AS x ON x.conversation_id = o.conversation_id
WHERE o.kind IN ('handled', 'order') AND f.id = o.id
"""
QUEUE_DAYS = """
INSERT INTO reports_pendingday (workspace_id, day)
SELECT DISTINCT workspace_id, day FROM reports_reportfact
ON CONFLICT (workspace_id, day) DO NOTHING
"""


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0002_fact_covering_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='DailyLabelRollup',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('workspace_id', models.BigIntegerField()),
                ('day', models.DateField()),
                ('label_id', models.BigIntegerField()),
                ('channel_account_id', models.BigIntegerField(default=0)),
                ('uses', models.IntegerField(default=0)),
                ('handled_new', models.IntegerField(default=0)),
            ],
        ),
        migrations.RemoveIndex(
            model_name='reportfact',
            name='report_fact_order_day',
        ),
        migrations.AddField(
            model_name='dailyrollup',
            name='handled_day',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='dailyrollup',
            name='handled_new',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='dailyrollup',
            name='handled_new_agent',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='reportfact',
            name='handled_agents',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.BigIntegerField(), null=True, size=None),
        ),
        migrations.AddField(
            model_name='reportfact',
            name='handled_days',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.DateField(), null=True, size=None),
        ),
        migrations.AddField(
            model_name='reportfact',
            name='labels',
            field=django.contrib.postgres.fields.ArrayField(base_field=models.BigIntegerField(), null=True, size=None),
        ),
        migrations.AddField(
            model_name='reportfact',
            name='prev_day',
            field=models.DateField(null=True),
        ),
        migrations.AddField(
            model_name='reportfact',
            name='prev_day_agent',
            field=models.DateField(null=True),
        ),
        migrations.RunSQL(FILL_HANDLED, migrations.RunSQL.noop),
        migrations.RunSQL(FILL_ORDERS, migrations.RunSQL.noop),
        migrations.RunSQL(FILL_LABELS, migrations.RunSQL.noop),
        migrations.RunSQL(QUEUE_DAYS, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name='reportfact',
            index=models.Index(condition=models.Q(('kind', 'handled'), ('prev_day__isnull', False)), fields=['workspace_id', 'day'], include=('prev_day', 'prev_day_agent', 'first', 'agent_id', 'channel_account_id', 'labels'), name='report_fact_handled_repeat'),
        ),
        migrations.AddIndex(
            model_name='reportfact',
            index=models.Index(condition=models.Q(('kind', 'order')), fields=['workspace_id', 'day'], include=('conversation_id', 'agent_id', 'channel_account_id', 'detail', 'value', 'handled_agents', 'handled_days'), name='report_fact_order_handled'),
        ),
        migrations.AddConstraint(
            model_name='dailylabelrollup',
            constraint=models.UniqueConstraint(fields=('workspace_id', 'day', 'label_id', 'channel_account_id'), name='report_label_daily_key'),
        ),
    ]
