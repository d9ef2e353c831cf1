"""Stored search columns: `Customer.search_document` and `Message.search_text`.

Both are PostgreSQL generated columns over the IMMUTABLE wrappers of 0002, so every write path
(ORM, the raw INSERT of inbound messages, COPY) fills them, and the trigram indexes move from
the expressions onto the columns. Why: `inbox_unaccent` calls unaccent, which is only STABLE,
so PostgreSQL cannot inline the wrapper and each call costs ~20 µs; a search paid that per
index recheck and per message probed (EXPLAIN on 1,000,000 messages: most of its time).

Adding a stored column rewrites the table (ACCESS EXCLUSIVE lock for the duration).
"""

import django.contrib.postgres.indexes
from django.db import migrations, models

import conversations.models


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0002_inbox_search_follow_mute"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="customer", name="customer_search_trgm"),
        migrations.RemoveIndex(model_name="message", name="message_text_trgm"),
        migrations.AddField(
            model_name="customer",
            name="search_document",
            field=models.GeneratedField(
                db_persist=True,
                expression=conversations.models.CustomerSearchDocument(),
                output_field=models.TextField(),
            ),
        ),
        migrations.AddField(
            model_name="message",
            name="search_text",
            field=models.GeneratedField(
                db_persist=True,
                expression=conversations.models.Unaccented("text"),
                output_field=models.TextField(),
            ),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=django.contrib.postgres.indexes.GinIndex(
                models.F("workspace"),
                django.contrib.postgres.indexes.OpClass(
                    models.F("search_document"), name="gin_trgm_ops"
                ),
                name="customer_search_trgm",
            ),
        ),
        migrations.AddIndex(
            model_name="message",
            index=django.contrib.postgres.indexes.GinIndex(
                models.F("workspace"),
                django.contrib.postgres.indexes.OpClass(models.F("search_text"), name="gin_trgm_ops"),
                name="message_text_trgm",
            ),
        ),
    ]
