"""Large benchmark data sets, fast: rows are formatted in Python and COPied into PostgreSQL.

Shape: every conversation has exactly `messages_per` messages and its own contact; about one
in seven comes from a returning customer on another channel. Statuses, assignment, unread
counts, labels, orders and phones are mixed like the demo, but text comes from small phrase
pools, and message shapes from a few precomputed patterns, so a million messages cost a few
seconds of Python. Denormalised conversation fields follow `timeline` (visible kinds only).

Conversations spread over the last `days` days (10 by default). Their owner history is
written like routing writes it, so reports have something to count: every assigned
conversation was claimed, a few of them were claimed by another agent first and transferred,
a few unassigned ones were claimed and then taken back by the anti-steal timer, and every
closed or archived one has its closing row.

Ids of customers, contacts and conversations are drawn from their sequences up front, so the
tables can be written in any order inside one transaction (foreign keys are checked at commit).
"""

import bisect
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from tqdm import tqdm

from conversations.models import (
    Contact,
    Conversation,
    ConversationLabel,
    Customer,
    Message,
    Order,
)
from devtools.demo import content
from devtools.demo.copying import CopyTable, copy_array, copy_text, ids_reserve
from devtools.demo.dialogues import order_total
from devtools.demo.workspace import DemoSetup, SeedResult
from routing.models import AssignmentChange

CHUNK = 5000  # conversations per round of COPY statements
DAYS = 10  # default spread; `seed_demo --days` widens it (the reports bench uses 90)
TRANSFERRED_SHARE = 0.06  # of assigned conversations: another agent claimed it first
RELEASED_SHARE = 0.05  # of unassigned ones: claimed, then released by the anti-steal timer
PATTERNS = 97  # message shapes per ending; prime, so they do not beat with other choices
OUTCOMES = {"closed": "ordered", "received": "received", "returned": "returned"}


@dataclass(frozen=True)
class _Pattern:
    directions: tuple[str, ...]
    kinds: tuple[str, ...]
    statuses: tuple[str, ...]  # delivery status of each visible outbound message, else ""
    last_visible: int
    last_in: int
    last_out: int  # -1: the shop never wrote
    trailing_in: int  # customer messages after the shop's last one


def _pattern(rng: random.Random, size: int, ends_in: bool) -> _Pattern:
    directions, kinds = ["in"], ["inbox"]
    last_dir = "in"
    for index in range(1, size):
        roll = rng.random()
        if index < size - 1 and roll < 0.05:
            directions.append("out")
            kinds.append("note")
        elif index < size - 1 and roll < 0.08:
            directions.append("out")
            kinds.append("system")
        else:
            last_dir = ("out" if last_dir == "in" else "in") if rng.random() < 0.75 else last_dir
            directions.append(last_dir)
            kinds.append("inbox")
    if size > 1:
        directions[-1] = "in" if ends_in else "out"
    visible = [i for i in range(size) if kinds[i] == "inbox"]
    ins = [i for i in visible if directions[i] == "in"]
    outs = [i for i in visible if directions[i] == "out"]
    last_out = outs[-1] if outs else -1
    statuses = tuple(
        ("read" if any(j > i for j in ins) else "delivered") if i in outs else ""
        for i in range(size)
    )
    return _Pattern(
        directions=tuple(directions),
        kinds=tuple(kinds),
        statuses=statuses,
        last_visible=visible[-1],
        last_in=ins[-1],
        last_out=last_out,
        trailing_in=sum(1 for i in ins if i > last_out),
    )


class _Clock:
    """Maps u in [0, 1) onto the last `days` days, denser in busy local hours (monotonic)."""

    def __init__(self, now: datetime, zone: ZoneInfo, days: int = DAYS):
        self.start = (now - timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
        self.now = now.timestamp()
        hours = int((now - self.start).total_seconds() // 3600) + 1
        weights = [
            content.HOUR_WEIGHTS[(self.start + timedelta(hours=h)).astimezone(zone).hour]
            for h in range(hours)
        ]
        total = sum(weights)
        self.bounds, running = [], 0.0
        for weight in weights:
            running += weight / total
            self.bounds.append(running)
        self.weights = [w / total for w in weights]
        self.base = self.start.timestamp()

    def at(self, u: float) -> float:
        hour = min(bisect.bisect_right(self.bounds, u), len(self.bounds) - 1)
        inside = (u - (self.bounds[hour] - self.weights[hour])) / self.weights[hour]
        return min(self.base + (hour + inside) * 3600, self.now)


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


class _Generator:
    def __init__(
        self, setup: DemoSetup, messages_per: int, now: datetime, seed: int, days: int = DAYS
    ):
        self.rng = random.Random(seed)
        self.m = messages_per
        self.now = now
        self.clock = _Clock(now, ZoneInfo(setup.workspace.time_zone), days)
        self.accounts = setup.accounts
        self.account_bounds = []
        running = 0
        for weight in content.CHANNEL_WEIGHTS[: len(self.accounts)]:
            running += weight
            self.account_bounds.append(running)
        self.labels = [
            [label.pk for label in setup.label_set(account).values()] for account in self.accounts
        ]
        self.agents = [user.pk for user in setup.agents]
        self.admin = setup.admins[-1].pk
        names = {user.pk: content.short_name(user.full_name) for user in setup.users}
        self.claimed = {pk: copy_text(f"{names[pk]} đã tiếp nhận khách hàng này") for pk in names}
        self.released = copy_text("Hội thoại được trả về hàng chờ vì chưa có phản hồi")
        self.inbound = [copy_text(t) for t in content.BULK_INBOUND]
        self.outbound = [copy_text(t) for t in content.BULK_OUTBOUND]
        self.notes = [copy_text(t) for t in content.BULK_NOTES]
        self.page_inbox = copy_text(content.PAGE_INBOX_LABEL)
        rng = self.rng
        self.people = []
        for _ in range(997):
            female = rng.random() < content.FEMALE_SHARE
            name = " ".join(
                [
                    rng.choice(content.FAMILY_NAMES),
                    rng.choice(content.FEMALE_MIDDLE if female else content.MALE_MIDDLE),
                    rng.choice(content.FEMALE_GIVEN if female else content.MALE_GIVEN),
                ]
            )
            self.people.append((copy_text(name), content.ascii_fold(name).replace(" ", "")))
        self.patterns = {
            ends_in: [_pattern(rng, messages_per, ends_in) for _ in range(PATTERNS)]
            for ends_in in (True, False)
        }
        self.orders = []
        for _ in range(53):
            name, price, _sizes = rng.choice(content.PRODUCTS)
            items = [{"name": name, "quantity": rng.choice([1, 1, 2, 3]), "price_vnd": price}]
            self.orders.append(
                (order_total(items), copy_text(json.dumps(items, ensure_ascii=False)))
            )

        # [id, name, local phones, e-mails, first seen, last seen, ascii name], per new customer
        self.customers: list[list] = []
        self.customer_account: list[int] = []
        self.conv_customer: list[int] = []
        self.counts = {"messages": 0, "orders": 0}

    def account_index(self) -> int:
        roll = self.rng.random() * self.account_bounds[-1]
        return bisect.bisect_right(self.account_bounds, roll)

    def chunk(self, index: int, total: int, conv_ids, contact_ids, customer_ids):
        """Rows of conversations index.. index+len(conv_ids), as lists of COPY lines."""
        rng, rnd, m, now = self.rng, self.rng.random, self.m, self.clock.now
        contacts, conversations, messages, labels, orders, changes = [], [], [], [], [], []
        agents = self.agents
        inbound, outbound, notes = self.inbound, self.outbound, self.notes
        n_in, n_out, n_notes = len(inbound), len(outbound), len(notes)
        recent = now - 2 * 86400
        for offset, conv_id in enumerate(conv_ids):
            position = index + offset
            end = self.clock.at((position + rnd()) / total)
            gaps = [60 + 840 * rnd() for _ in range(m - 1)]
            first = end - sum(gaps)
            times = [first]
            for gap in gaps:
                times.append(times[-1] + gap)
            stamps = [_stamp(t) for t in times]

            # Who: a new customer, or one of this run's earlier customers on another channel.
            returning = position > 50 and rnd() < 0.15
            if returning:
                cust = self.conv_customer[int(position - 1 - rnd() * min(position, 20000))]
                account = self.account_index()
                if account == self.customer_account[cust]:
                    account = (account + 1) % len(self.accounts)
                self.customer_account[cust] = account
            else:
                cust = len(self.customers)
                account = self.account_index()
                name, folded = self.people[cust % len(self.people)]
                phones = []
                if rnd() < 0.35:
                    digits = rng.choice(content.MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}"
                    phones.append(digits)
                self.customers.append([customer_ids[cust], name, phones, [], now, 0.0, folded])
                self.customer_account.append(account)
            self.conv_customer.append(cust)
            record = self.customers[cust]
            acc = self.accounts[account]
            kind = acc.kind

            if kind == "facebook":
                contact_ext, display = str(7_000_000_000_000_000 + conv_id), record[1]
            elif kind == "zalo":
                contact_ext, display = str(3_000_000_000_000_000_000 + conv_id), record[1]
            elif kind == "shopee":
                contact_ext, display = str(100_000_000 + conv_id), f"{record[6]}{conv_id % 997}"
            else:
                contact_ext, display = f"{record[6]}.{conv_id}@gmail.com", record[1]
                record[3].append(contact_ext)
            contacts.append(
                f"{contact_ids[offset]}\t{record[0]}\t{acc.pk}\t{contact_ext}\t{display}\t{stamps[0]}"
            )

            # What state it is in.
            if times[-1] > recent:
                status = "open" if rnd() < 0.6 else ("closed" if rnd() < 0.8 else "archived")
            else:
                status = "open" if rnd() < 0.1 else ("closed" if rnd() < 0.7 else "archived")
            assigned = rnd() < (0.55 if status == "open" else 0.9)
            assignee = agents[int(rnd() * len(agents))] if assigned else None
            # Who held it before, as routing records it (claims precede the 2nd message).
            claimed_at = "\\N"
            if assignee:
                holder = assignee
                if len(agents) > 1 and rnd() < TRANSFERRED_SHARE:
                    others = [pk for pk in agents if pk != assignee]
                    holder = others[int(rnd() * len(others))]
                claimed_at = _stamp(times[0] + 30)
                changes.append(f"{conv_id}\t\\N\t{holder}\t{holder}\tclaimed\t{claimed_at}")
                if holder != assignee:
                    claimed_at = _stamp(times[0] + 45)
                    changes.append(
                        f"{conv_id}\t{holder}\t{assignee}\t{holder}\ttransferred\t{claimed_at}"
                    )
            elif rnd() < RELEASED_SHARE:
                holder = agents[int(rnd() * len(agents))]
                changes.append(
                    f"{conv_id}\t\\N\t{holder}\t{holder}\tclaimed\t{_stamp(times[0] + 30)}"
                )
                changes.append(
                    f"{conv_id}\t{holder}\t\\N\t\\N\treleased_by_timer\t{_stamp(times[0] + 50)}"
                )
            ends_in = status == "open" and rnd() < 0.5
            pattern = self.patterns[ends_in or m == 1][int(rnd() * PATTERNS)]
            record[4] = min(record[4], times[0])  # first and last seen: customer messages
            record[5] = max(record[5], times[pattern.last_in])

            # The messages.
            prefix = {"facebook": "m_", "zalo": "z", "shopee": "s"}.get(kind)
            author = str(assignee) if assignee else "\\N"
            # Unclaimed but answered: typed in the provider's own inbox (an echo, no author).
            out_label = self.page_inbox if kind == "facebook" and not assignee else ""
            policy = ""  # a standard reply
            texts = []
            for j in range(m):
                direction, mkind = pattern.directions[j], pattern.kinds[j]
                if mkind == "inbox":
                    ext = f"{prefix}{conv_id}_{j}" if prefix else f"<{conv_id}.{j}@bench.invalid>"
                    if direction == "in":
                        text = inbound[int(rnd() * n_in)]
                        if j == 0 and record[2] and not returning:
                            text = f"{text} Sđt em {record[2][0]}"
                        line = f"in\tinbox\t{text}\t{ext}\t\\N\t\t{stamps[j]}\t{stamps[j]}\t\t0\t"
                    else:
                        text = outbound[int(rnd() * n_out)]
                        delivery = "sent" if kind == "email" else pattern.statuses[j]
                        line = (
                            f"out\tinbox\t{text}\t{ext}\t{author}\t{out_label}\t{stamps[j]}\t"
                            f"{stamps[j]}\t{delivery}\t1\t{policy}"
                        )
                elif mkind == "note":
                    text = notes[int(rnd() * n_notes)]
                    line = (
                        f"out\tnote\t{text}\t\\N\t{assignee or self.admin}\t\t{stamps[j]}\t"
                        f"{stamps[j]}\t\t0\t"
                    )
                else:
                    text = self.claimed[assignee] if assignee else self.released
                    line = f"out\tsystem\t{text}\t\\N\t{author}\t\t{stamps[j]}\t{stamps[j]}\t\t0\t"
                texts.append(text)
                messages.append(f"{conv_id}\t{acc.pk}\t{line}")
            self.counts["messages"] += m

            # The conversation row, consistent with the messages above.
            unread = pattern.trailing_in if status == "open" and rnd() < 0.8 else 0
            outcome, rating, closed_at = "none", "\\N", "\\N"
            if status != "open":
                closed_at = _stamp(min(times[-1] + 600, now))
                closer = author if assignee else str(self.admin)
                changes.append(f"{conv_id}\t{author}\t{author}\t{closer}\tclosed\t{closed_at}")
                if rnd() < 0.2:
                    rating = str(3 + int(rnd() * 3))
                if assignee and rnd() < 0.15:
                    amount, items = self.orders[int(rnd() * len(self.orders))]
                    state = "closed" if rnd() < 0.6 else ("received" if rnd() < 0.6 else "returned")
                    outcome = OUTCOMES[state]
                    orders.append(
                        f"{record[0]}\t{conv_id}\t{amount}\t{items}\t{state}\t{assignee}\t"
                        f"{stamps[-1]}\t{stamps[-1]}"
                    )
            if rnd() < 0.35:
                choices = self.labels[account]
                for label in {choices[int(rnd() * len(choices))] for _ in range(1 + (rnd() < 0.4))}:
                    labels.append(f"{conv_id}\t{label}\t{author}\t{stamps[0]}")
            last_in = stamps[pattern.last_in]
            last_out = stamps[pattern.last_out] if pattern.last_out >= 0 else "\\N"
            conversations.append(
                f"{conv_id}\t{contact_ids[offset]}\t{record[0]}\t{acc.pk}\t{status}\t{author}\t"
                f"{claimed_at}\t{stamps[pattern.last_visible]}\t"
                f"{texts[pattern.last_visible][:200]}\t{pattern.directions[pattern.last_visible]}\t"
                f"{last_in}\t{last_out}\t{unread}\t{outcome}\t{rating}\t"
                f"{'t' if returning else 'f'}\t{stamps[0]}\t{closed_at}"
            )
        self.counts["orders"] += len(orders)
        return contacts, conversations, messages, labels, orders, changes

    def customer_lines(self):
        for cust_id, name, phones, emails, first, last, _folded in self.customers:
            e164 = copy_array(["+84" + digits[1:] for digits in phones])
            stamp = _stamp(first)
            yield f"{cust_id}\t{name}\t{e164}\t{copy_array(emails)}\t{stamp}\t{_stamp(last)}\t{stamp}"


def bulk_conversations_generate(
    *,
    setup: DemoSetup,
    conversations: int,
    messages_per: int,
    now: datetime,
    seed: int = content.SEED,
    days: int = DAYS,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
) -> SeedResult:
    """`conversations` new conversations of `messages_per` messages each, over the last
    `days` days, in one transaction.

    `log` receives where the time went (Python, COPY per table, commit, ANALYZE).
    """
    ws = {"workspace_id": setup.workspace.pk}
    tables = {
        "contacts": CopyTable(
            Contact,
            [
                "id",
                "customer_id",
                "channel_account_id",
                "external_id",
                "display_name",
                "created_at",
            ],
            ws,
        ),
        "conversations": CopyTable(
            Conversation,
            [
                "id",
                "contact_id",
                "customer_id",
                "channel_account_id",
                "status",
                "assignee_id",
                "claimed_at",
                "last_message_at",
                "last_message_preview",
                "last_message_direction",
                "last_inbound_at",
                "last_outbound_at",
                "unread_count",
                "outcome",
                "rating",
                "is_returning",
                "created_at",
                "closed_at",
            ],  # fmt: skip
            ws,
        ),
        "messages": CopyTable(
            Message,
            [
                "conversation_id",
                "channel_account_id",
                "direction",
                "kind",
                "text",
                "external_id",
                "author_id",
                "author_label",
                "sent_at",
                "created_at",
                "delivery_status",
                "delivery_attempts",
                "policy_tag",
            ],  # fmt: skip
            {**ws, "is_automated": False},
        ),
        "labels": CopyTable(
            ConversationLabel, ["conversation_id", "label_id", "added_by_id", "added_at"], ws
        ),
        "orders": CopyTable(
            Order,
            [
                "customer_id",
                "conversation_id",
                "amount_vnd",
                "items",
                "status",
                "created_by_id",
                "created_at",
                "updated_at",
            ],  # fmt: skip
            {**ws, "note": ""},
        ),
        "changes": CopyTable(
            AssignmentChange,
            ["conversation_id", "from_user_id", "to_user_id", "actor_id", "reason", "created_at"],
            {**ws, "note": ""},
        ),
    }
    customers_table = CopyTable(
        Customer,
        ["id", "name", "phones", "emails", "first_seen_at", "last_seen_at", "created_at"],
        ws,
    )
    spent: Counter[str] = Counter()
    clock = time.monotonic()

    def lap(what: str) -> None:
        nonlocal clock
        now_ = time.monotonic()
        spent[what] += now_ - clock
        clock = now_

    generator = _Generator(setup, messages_per, now, seed, days)
    bar = tqdm(total=conversations, unit="conv", disable=not progress, desc="seed_demo")
    with transaction.atomic():
        conv_ids = ids_reserve(model=Conversation, count=conversations)
        contact_ids = ids_reserve(model=Contact, count=conversations)
        customer_ids = ids_reserve(model=Customer, count=conversations)
        lap("python")
        for start in range(0, conversations, CHUNK):
            stop = min(start + CHUNK, conversations)
            rows = generator.chunk(
                start, conversations, conv_ids[start:stop], contact_ids[start:stop], customer_ids
            )
            lap("python")
            for name, lines in zip(tables, rows, strict=True):
                tables[name].copy(lines)
                lap(f"copy {name}")
            bar.update(stop - start)
        customers_table.copy(generator.customer_lines())
        lap("copy customers")
        bar.set_postfix_str("committing: PostgreSQL checks the foreign keys")
    lap("commit (foreign key checks)")
    bar.close()
    tables = [
        m._meta.db_table
        for m in (
            Customer,
            Contact,
            Conversation,
            Message,
            ConversationLabel,
            Order,
            AssignmentChange,
        )
    ]
    with connection.cursor() as cursor:
        # COPY leaves up to gin_pending_list_limit of unmerged entries in each GIN (search)
        # index, which every search then reads linearly (~8x slower trigram scans measured);
        # autovacuum merges them eventually, so a benchmark would measure a passing state.
        cursor.execute(
            "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
            "WHERE a.amname = 'gin' AND i.indrelid = ANY(%s::regclass[])",
            [tables],
        )
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')
    lap("analyze")
    if log:
        log(", ".join(f"{what} {seconds:.1f}s" for what, seconds in spent.items()))
    return SeedResult(
        customers=len(generator.customers),
        conversations=conversations,
        messages=generator.counts["messages"],
        orders=generator.counts["orders"],
    )
