"""Extended statistics on the list's correlated filters (PostgreSQL 14+).

Unread conversations are open ones, and unassigned ones are mostly open: PostgreSQL multiplies
the three selectivities as if independent and, on a 100,000-conversation workspace, expected
~280 "open, unassigned, unread" rows where there are ~3,800. Believing the set small, it sorted
all of it instead of walking the (workspace, -last_message_at) order until a page is full, and
a search inside such a filter probed every conversation's messages (EXPLAIN: 3,762 probed for
51 rows; with these statistics, 445). An MCV list over the three captures the combinations.
"""

from django.db import migrations

CREATE = """
CREATE STATISTICS IF NOT EXISTS conv_inbox_state (mcv, dependencies)
    ON status, assignee_id, (unread_count > 0) FROM conversations_conversation;
ANALYZE conversations_conversation;
"""

DROP = "DROP STATISTICS IF EXISTS conv_inbox_state;"


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0003_search_columns"),
    ]

    operations = [migrations.RunSQL(CREATE, DROP)]
