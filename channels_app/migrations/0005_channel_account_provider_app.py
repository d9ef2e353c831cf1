"""Channel accounts record the provider app they were connected under; the existing Meta ones
were all connected under the one app configured so far (META_APP_ID)."""

from django.conf import settings
from django.db import migrations, models


def existing_meta_channels_belong_to_the_configured_app(apps, schema_editor):
    app_id = str(settings.META_APP_ID or "")
    if not app_id:
        return
    ChannelAccount = apps.get_model("channels_app", "ChannelAccount")
    ChannelAccount.objects.filter(kind__in=["facebook", "instagram"], provider_app_id="").update(
        provider_app_id=app_id
    )


class Migration(migrations.Migration):
    dependencies = [
        ("channels_app", "0004_webhook_event_lean"),
    ]

    operations = [
        migrations.AddField(
            model_name="channelaccount",
            name="provider_app_id",
            field=models.CharField(blank=True, max_length=64, verbose_name="provider app"),
        ),
        migrations.RunPython(
            existing_meta_channels_belong_to_the_configured_app, migrations.RunPython.noop
        ),
    ]
