"""Inbox: accent-insensitive search indexes, filter indexes, follow and mute.

`inbox_unaccent` and `inbox_customer_search` are IMMUTABLE SQL wrappers so GIN trigram
indexes can be built on them; btree_gin lets the same index lead with the workspace.
"""

import django.contrib.postgres.indexes
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.contrib.postgres.operations import (
    BtreeGinExtension,
    TrigramExtension,
    UnaccentExtension,
)
from django.db import migrations, models

import conversations.models

SEARCH_FUNCTIONS = """
CREATE OR REPLACE FUNCTION inbox_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;

CREATE OR REPLACE FUNCTION inbox_customer_search(text, varchar[], varchar[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT public.inbox_unaccent(
        coalesce($1, '') || ' ' || array_to_string(coalesce($2, '{}'), ' ')
        || ' ' || array_to_string(coalesce($3, '{}'), ' ')
    ) $$;
"""

DROP_SEARCH_FUNCTIONS = """
DROP FUNCTION IF EXISTS inbox_customer_search(text, varchar[], varchar[]);
DROP FUNCTION IF EXISTS inbox_unaccent(text);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("conversations", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        UnaccentExtension(),
        TrigramExtension(),
        BtreeGinExtension(),
        migrations.RunSQL(SEARCH_FUNCTIONS, DROP_SEARCH_FUNCTIONS),
        migrations.CreateModel(
            name="ConversationFollow",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("conversation", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="conversations.conversation")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("workspace", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.workspace")),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("user", "conversation"), name="conversation_follow_once"),
                ],
            },
        ),
        migrations.CreateModel(
            name="ConversationMute",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("conversation", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="conversations.conversation")),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("workspace", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.workspace")),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("user", "conversation"), name="conversation_mute_once"),
                ],
            },
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(condition=models.Q(("unread_count__gt", 0)), fields=["workspace", "-last_message_at", "-id"], name="conv_ws_unread"),
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(condition=models.Q(("last_message_direction", "in")), fields=["workspace", "-last_message_at", "-id"], name="conv_ws_unanswered"),
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(fields=["workspace", "outcome", "-last_message_at", "-id"], name="conv_ws_outcome"),
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(condition=models.Q(("rating__isnull", False)), fields=["workspace", "rating", "-last_message_at", "-id"], name="conv_ws_rating"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=django.contrib.postgres.indexes.GinIndex(models.F("workspace"), django.contrib.postgres.indexes.OpClass(conversations.models.CustomerSearchDocument(), name="gin_trgm_ops"), name="customer_search_trgm"),
        ),
        migrations.AddIndex(
            model_name="message",
            index=django.contrib.postgres.indexes.GinIndex(models.F("workspace"), django.contrib.postgres.indexes.OpClass(conversations.models.Unaccented("text"), name="gin_trgm_ops"), name="message_text_trgm"),
        ),
    ]
