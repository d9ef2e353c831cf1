"""The heatmap's hourly counts over every channel, filled from the per-channel ones."""

from django.db import migrations, models

FILL = """
INSERT INTO reports_hourlyinboundall (workspace_id, day, hour, messages)
SELECT workspace_id, day, hour, sum(messages) FROM reports_hourlyinbound GROUP BY 1, 2, 3
"""


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0003_handled_previous_days'),
    ]

    operations = [
        migrations.CreateModel(
            name='HourlyInboundAll',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('workspace_id', models.BigIntegerField()),
                ('day', models.DateField()),
                ('hour', models.PositiveSmallIntegerField()),
                ('messages', models.IntegerField(default=0)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('workspace_id', 'day', 'hour'), name='report_hourly_all_key')],
            },
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
