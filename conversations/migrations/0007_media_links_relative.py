"""Links to our own stored files were saved absolute with SITE_URL (http://127.0.0.1:8000/…), so
they broke when the app ran on another host or port. Rewrite them relative to the page:
profile pictures to `/media/avatars/…`, and attachments sent from the composer gain the
`stored_path` the timeline loads (their provider link stays as it was)."""

import re

from django.conf import settings
from django.db import migrations


def own_media(url: str, folder: str) -> str:
    """The stored name when `url` is an absolute link to one of our files in `folder`."""
    prefix = re.escape(settings.MEDIA_URL)
    match = re.match(rf"^https?://[^/]+{prefix}({folder}/\d+/[^?#]+)", str(url or ""))
    return match.group(1) if match else ""


def relative_links(apps, schema_editor):
    for model_name in ("Customer", "Contact"):
        model = apps.get_model("conversations", model_name)
        rows = model.objects.filter(avatar_url__regex=r"^https?://[^/]+/.*avatars/[0-9]+/")
        for pk, url in rows.values_list("pk", "avatar_url").iterator():
            name = own_media(url, "avatars")
            if name:
                model.objects.filter(pk=pk).update(avatar_url=settings.MEDIA_URL + name)
    message_model = apps.get_model("conversations", "Message")
    rows = message_model.objects.extra(where=["attachments::text LIKE %s"],
                                       params=["%/outbound/%"])  # fmt: skip
    for pk, attachments in rows.values_list("pk", "attachments").iterator():
        changed = False
        for attachment in attachments or []:
            if not isinstance(attachment, dict) or attachment.get("stored_path"):
                continue
            name = own_media(attachment.get("url"), "outbound")
            if name:
                attachment["stored_path"] = name
                changed = True
        if changed:
            message_model.objects.filter(pk=pk).update(attachments=attachments)


class Migration(migrations.Migration):
    dependencies = [("conversations", "0006_message_search_words")]

    operations = [migrations.RunPython(relative_links, migrations.RunPython.noop, elidable=True)]
