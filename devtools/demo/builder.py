"""The hand-shaped demo: ~300 conversations of a Vietnamese fashion shop over ten days.

Everything is planned in memory from one seeded random generator, then written with a few
bulk_creates. Times are relative to `now`, so the demo always looks like last week.

System events and notes carry the same `meta` vocabulary the services write (assignment
reasons, label_added, order_created, closed, archived, handoff), so the timeline renders them
like real ones.
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
from django.db import transaction

from accounts.models import User
from channels_app.models import ChannelAccount
from conversations import policies
from conversations.models import (
    Contact,
    Conversation,
    ConversationLabel,
    Customer,
    CustomerNote,
    Message,
    Order,
)
from devtools.demo import content, pictures
from devtools.demo.dialogues import Chat, Persona, Turn, chat_compose, order_total, phone_typed
from devtools.demo.timeline import conversation_summary, owner_history
from devtools.demo.workspace import DemoSetup, SeedResult
from routing.models import AssignmentChange

DAYS = 10
ORDER_STATUSES = ["closed"] * 6 + ["received"] * 3 + ["returned"] * 2
OUTCOME_OF_ORDER = {"closed": "ordered", "received": "received", "returned": "returned"}
ASSIGN_REASONS = ["claimed"] * 6 + ["auto_assigned"] * 3 + ["admin_assigned"] * 2
RELEASE_MINUTES = 15
START_TRIES = 30
PHOTO_HOSTS = {
    "facebook": "https://scontent.xx.fbcdn.net/v/t1.15752-9/",
    "zalo": "https://photo-stal.zadn.vn/",
    "shopee": "https://cf.shopee.vn/file/",
}
MID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@dataclass
class _Conversation:
    """One conversation being planned, before it becomes rows."""

    customer: "_Customer"
    account: ChannelAccount
    contact: Contact
    agent: User  # who will handle it
    status: str = "open"
    chat: Chat | None = None
    row: Conversation | None = None
    messages: list[Message] = field(default_factory=list)
    labels: list[ConversationLabel] = field(default_factory=list)
    order: Order | None = None
    order_event: Message | None = None
    comment: Message | None = None  # the customer's comment it started from
    private_reply: Message | None = None  # the shop's Messenger answer to that comment
    last_inbox_in: datetime | None = None
    post: tuple[str, str, str] = ("", "", "")  # (post id, caption, product) of its comments


@dataclass
class _Customer:
    persona: Persona
    row: Customer
    contacts: dict[int, Contact] = field(default_factory=dict)  # channel account id -> contact
    conversations: list[_Conversation] = field(default_factory=list)


class _Builder:
    def __init__(self, setup: DemoSetup, now: datetime, seed: int):
        self.setup = setup
        self.workspace = setup.workspace
        self.now = now.replace(microsecond=0)
        self.rng = random.Random(seed)
        self.zone = ZoneInfo(setup.workspace.time_zone)
        self.used_ids: set[tuple[int, str]] = set()
        self.pictures: list[str] | None = None
        self.posts = {
            account.pk: [
                (str(self.rng.randrange(10**15, 10**16)), caption, product)
                for caption, product in self.rng.sample(content.POSTS, 4)
            ]
            for account in setup.accounts
            if account.kind == "facebook"
        }
        self.short = {user.pk: content.short_name(user.full_name) for user in setup.users}

    # --- who writes, where, about what ------------------------------------------------

    def plan(self, total: int) -> list[_Customer]:
        """Customers for `total` conversations: ~15 % come back once, ~3 % twice."""
        threes = round(total * 0.027)
        twos = round(total * 0.15)
        sizes = [1] * (total - 3 * threes - 2 * twos) + [2] * twos + [3] * threes
        self.rng.shuffle(sizes)
        return [self._customer(size) for size in sizes]

    def _persona(self) -> Persona:
        rng = self.rng
        female = rng.random() < content.FEMALE_SHARE
        family = rng.choice(content.FAMILY_NAMES)
        middle = rng.choice(content.FEMALE_MIDDLE if female else content.MALE_MIDDLE)
        given = rng.choice(content.FEMALE_GIVEN if female else content.MALE_GIVEN)
        if female:
            you = "chị" if rng.random() < 0.75 else "bạn"
        else:
            you = "anh" if rng.random() < 0.85 else "bạn"
        return Persona(
            name=f"{family} {middle} {given}",
            given=given,
            you=you,
            phone_typed=phone_typed(rng),
            address=f"số {rng.randint(2, 199)} {rng.choice(content.ADDRESSES)}",
            city=rng.choice(content.CITIES),
        )

    def _customer(self, size: int) -> _Customer:
        rng = self.rng
        persona = self._persona()
        customer = _Customer(persona, Customer(workspace=self.workspace, name=persona.name))
        accounts = self.setup.accounts
        account = rng.choices(accounts, weights=content.CHANNEL_WEIGHTS)[0]
        for index in range(size):
            if index and rng.random() < 0.55:  # comes back on another channel
                account = rng.choice([a for a in accounts if a.pk != account.pk])
            contact = customer.contacts.get(account.pk) or self._contact(customer, account)
            customer.contacts[account.pk] = contact
            conv = _Conversation(customer, account, contact, agent=self._pick_agent())
            if account.kind == "facebook":
                conv.post = rng.choice(self.posts[account.pk])
            customer.conversations.append(conv)

        for index, conv in enumerate(customer.conversations):
            later = customer.conversations[index + 1 :]
            if any(other.contact is conv.contact for other in later):
                conv.status = "archived"  # frees the contact for its newer conversation
            elif later:
                conv.status = rng.choice(["closed", "closed", "archived"])
            else:
                conv.status = rng.choices(["open", "closed", "archived"], [45, 42, 13])[0]
            kind = conv.account.kind
            order_status = rng.choice(ORDER_STATUSES)
            if size > 2:
                order_status = "closed"  # a delivery days later would not fit its window
            from_comment = kind == "facebook" and rng.random() < 0.3
            conv.chat = chat_compose(
                rng=rng,
                channel=kind,
                persona=persona,
                agent=self.short[conv.agent.pk],
                sells=kind in ("facebook", "zalo") and rng.random() < 0.42,
                order_status=order_status,
                from_comment=from_comment,
                unanswered=conv.status == "open" and rng.random() < 0.5,
                product_name=conv.post[2] if from_comment else "",
            )
        return customer

    def _pick_agent(self) -> User:
        agents = self.setup.agents
        weights = [4, 3, 3, 2, 2, 2, 2, 2][: len(agents)]
        return self.rng.choices(agents, weights=weights)[0]

    def _contact(self, customer: _Customer, account: ChannelAccount) -> Contact:
        rng, persona = self.rng, customer.persona
        family, *_, given = persona.name.split()
        folded = content.ascii_fold(persona.name).replace(" ", "")
        display = persona.name
        if account.kind == "facebook":
            external_id = str(rng.randrange(10**15, 10**16))  # page-scoped id (PSID)
            nickname = rng.choice(content.NICKNAMES)
            display = rng.choices([persona.name, f"{given} {family}", nickname], [4, 4, 2])[0]
        elif account.kind == "zalo":
            external_id = str(rng.randrange(10**18, 10**19))
        elif account.kind == "shopee":
            external_id = str(rng.randrange(10**8, 10**10))
            separator = rng.choice(["_", ".", ""])
            display = f"{content.ascii_fold(given)}{separator}{folded[:4]}{rng.randint(90, 2005)}"
        else:
            domain = rng.choice(["gmail.com", "gmail.com", "yahoo.com", "outlook.com"])
            external_id = f"{folded}{rng.randint(80, 2005)}@{domain}"
            customer.row.emails = [*customer.row.emails, external_id]
        return Contact(
            workspace=self.workspace,
            customer=customer.row,
            channel_account=account,
            external_id=external_id,
            display_name=display,
        )

    # --- when ---------------------------------------------------------------------------

    def _offsets(self, chat: Chat) -> list[float]:
        """Seconds from the first message to each turn."""
        rng, at, offsets, previous = self.rng, 0.0, [], None
        for turn in chat.turns:
            if previous is not None:
                if turn.pause_days:
                    at += turn.pause_days * 86400
                elif turn.who == previous.who:
                    at += rng.uniform(15, 240)
                elif turn.who == "agent":  # usually minutes, sometimes an hour or more
                    at += rng.choice([rng.uniform(40, 600)] * 4 + [rng.uniform(600, 5400)])
                else:
                    at += rng.uniform(60, 2400)
            offsets.append(at)
            previous = turn
        return offsets

    def _start(self, lo: datetime, hi: datetime) -> datetime:
        """A start in [lo, hi], favouring the busy local hours.

        Always draws the same amount of randomness, whatever the hours turn out to be, so
        the rest of the demo (texts, statuses, people) does not depend on when it is built.
        """
        draws = [(self.rng.random(), self.rng.random()) for _ in range(START_TRIES)]
        if hi <= lo:
            return hi.replace(microsecond=0)
        span = (hi - lo).total_seconds()
        peak = max(content.HOUR_WEIGHTS)
        at = lo
        for where, accept in draws:
            at = lo + timedelta(seconds=where * span)
            if accept * peak < content.HOUR_WEIGHTS[at.astimezone(self.zone).hour]:
                break
        return at.replace(microsecond=0)

    def place(self, customer: _Customer) -> None:
        """Give each of the customer's conversations its own slice of the ten days."""
        count = len(customer.conversations)
        window = timedelta(days=DAYS) / count
        begin = self.now - timedelta(days=DAYS)
        for index, conv in enumerate(customer.conversations):
            offsets = self._offsets(conv.chat)
            # Room after the last turn for the claim, release, close and archive events.
            room = timedelta(minutes=25 if conv.status == "open" else 100)
            duration = timedelta(seconds=offsets[-1]) + room
            lo = begin + window * index
            hi = min(begin + window * (index + 1), self.now) - duration
            if conv.status == "open":
                lo = max(lo, self.now - timedelta(days=2) - duration)
            elif conv.status == "archived" and index == count - 1:
                hi = min(hi, self.now - timedelta(days=2) - duration)
            conv.row = Conversation(
                workspace=self.workspace,
                channel_account=conv.account,
                contact=conv.contact,
                customer=customer.row,
                status=conv.status,
            )
            self._write(conv, self._start(lo, hi), offsets)
            self._finish(conv)

    # --- the timeline -----------------------------------------------------------------

    def _write(self, conv: _Conversation, start: datetime, offsets: list[float]) -> None:
        rng, chat = self.rng, conv.chat
        times = [start + timedelta(seconds=round(s)) for s in offsets]
        agent_turns = [i for i, turn in enumerate(chat.turns) if turn.who == "agent"]
        owner = conv.agent
        if agent_turns:  # claimed (or assigned) before the first answer: claim first
            first = agent_turns[0]
            before = times[first - 1]
            self._assign(conv, owner, before + (times[first] - before) * rng.uniform(0.2, 0.8))
        elif conv.status == "open" and rng.random() < 0.35:
            claim_at = times[-1] + timedelta(minutes=rng.uniform(1, 8))
            if claim_at < self.now:  # claimed, not answered yet: the customer waits on them
                self._assign(conv, owner, claim_at)

        handoff = None  # (turn index, new owner): hand-off before the second answer
        if len(agent_turns) > 1 and (chat.topic == "wholesale" or rng.random() < 0.05):
            others = [a for a in self.setup.agents if a.pk != owner.pk]
            handoff = (
                agent_turns[1],
                self.setup.admins[-1] if chat.topic == "wholesale" else rng.choice(others),
            )

        author = owner
        for index, turn in enumerate(chat.turns):
            at = times[index]
            if handoff and index == handoff[0]:
                self._transfer(conv, author, handoff[1], at - (at - times[index - 1]) / 2)
                author = handoff[1]
            if turn.who == "customer":
                self._customer_says(conv, turn, at, greet=index == 0 and bool(agent_turns))
            else:
                self._shop_says(conv, turn, at, author)

        if conv.order is not None:
            conv.order.status = chat.order_status  # what the follow-up days later settled
        self._labels(conv, times, author)
        if agent_turns and rng.random() < 0.12:
            self._message(conv, times[len(times) // 2] + timedelta(seconds=30), direction="out",
                          kind="note", text=rng.choice(content.NOTES), author=author)  # fmt: skip
        self._delivery_statuses(conv)

    def _customer_says(self, conv: _Conversation, turn: Turn, at: datetime, greet: bool) -> None:
        account = conv.account
        if turn.photo:  # the picture arrives as its own message, just before the words
            name = f"{self.rng.getrandbits(64):016x}.jpg"
            url = PHOTO_HOSTS.get(account.kind, "https://example.invalid/") + name
            if self.pictures is None:  # drawn and stored once, on the first photo
                self.pictures = pictures.stored_pictures(self.workspace.pk)
            stored = self.rng.choice(self.pictures)
            picture = {"type": "image", "url": url, "name": name, "stored_path": stored,
                       "stored_content_type": "image/png"}  # fmt: skip
            self._message(conv, at - timedelta(seconds=8), direction="in", kind="inbox",
                          text="", attachments=[picture],
                          external_id=self._external_id(account, "in"))  # fmt: skip
        if turn.kind == "comment":
            comment_id = self._comment_id(conv)
            post_id, caption, _product = conv.post
            conv.comment = self._message(
                conv, at, direction="in", kind="comment", text=turn.text, external_id=comment_id,
                meta={**self._post_meta(account, post_id, caption), "comment_id": comment_id,
                      "parent_id": "", "is_hidden": False, "liked": False},
            )  # fmt: skip
            return
        message = self._message(conv, at, direction="in", kind="inbox", text=turn.text,
                                external_id=self._external_id(account, "in"))  # fmt: skip
        conv.last_inbox_in = at
        if account.kind == "email":
            message.meta = self._email_meta(conv, message, inbound=True)
        if greet and account.kind in ("facebook", "zalo") and self.rng.random() < 0.3:
            self._message(
                conv, at + timedelta(seconds=2), direction="out", kind="inbox",
                text=content.AUTO_GREETING.format(you=conv.customer.persona.you),
                is_automated=True, author_label=content.AUTO_LABEL,
                external_id=self._external_id(account, "out"),
            )  # fmt: skip

    def _shop_says(self, conv: _Conversation, turn: Turn, at: datetime, author: User) -> None:
        account = conv.account
        message = self._message(conv, at, direction="out", kind=turn.kind, text=turn.text,
                                author=author)  # fmt: skip
        if turn.kind == "comment":  # the public answer under the customer's comment
            post_id, caption, _product = conv.post
            message.external_id = self._comment_id(conv)
            message.reply_to_external_id = conv.comment.external_id
            message.meta = {**self._post_meta(account, post_id, caption),
                            "comment_id": message.external_id,
                            "reply_to_comment": conv.comment.external_id}  # fmt: skip
            return
        message.external_id = self._external_id(account, "out")
        if account.kind == "email":
            message.meta = self._email_meta(conv, message, inbound=False)
        elif conv.comment is not None and conv.private_reply is None:
            message.meta = {"private_reply_to": conv.comment.external_id}
            conv.private_reply = message
        if account.kind == "facebook":
            if conv.last_inbox_in is not None:  # Meta's window: 24 h, then human_agent
                recent = at - conv.last_inbox_in < timedelta(hours=24)
                message.policy_tag = "" if recent else policies.Purpose.HUMAN_AGENT
            if self.rng.random() < 0.04:  # typed in Meta's own Page inbox, came back as echo
                message.author, message.author_label = None, content.PAGE_INBOX_LABEL
        if turn.closes_order:
            self._order(conv, at + timedelta(seconds=20), author)

    # --- system events ----------------------------------------------------------------

    def _message(self, conv: _Conversation, at: datetime, **fields) -> Message:
        message = Message(workspace=self.workspace, channel_account=conv.account, sent_at=at,
                          created_at=at, **fields)  # fmt: skip
        conv.messages.append(message)
        return message

    def _event(self, conv, at: datetime, *, text: str, actor: User | None, event: str, **details):
        meta = {"event": event, **details}
        return self._message(conv, at, direction="out", kind="system", text=text, author=actor,
                             meta=meta)  # fmt: skip

    def _assignment(self, conv, at, *, reason, text, actor, from_user, to_user, **extra):
        """An owner change as routing records it (meta "assignment" with its reason)."""
        self._event(
            conv, at, text=text, actor=actor, event="assignment", reason=reason,
            from_user_id=getattr(from_user, "pk", None), to_user_id=getattr(to_user, "pk", None),
            actor_id=getattr(actor, "pk", None),
            from_name=from_user.display_name if from_user else "",
            to_name=to_user.display_name if to_user else "",
            actor_name=actor.display_name if actor else "", **extra,
        )  # fmt: skip
        conv.row.assignee = to_user
        conv.row.claimed_at = at if to_user else None

    def _assign(self, conv: _Conversation, to_user: User, at: datetime) -> None:
        reason = self.rng.choice(ASSIGN_REASONS)
        name = self.short[to_user.pk]
        if reason == "claimed":
            actor, text = to_user, f"{name} đã tiếp nhận khách hàng này"
        elif reason == "auto_assigned":
            actor, text = None, f"Tự động giao cho {name}"
        else:
            actor = self.setup.admins[-1]
            text = f"{self.short[actor.pk]} đã giao khách hàng này cho {name}"
        self._assignment(conv, at, reason=reason, text=text, actor=actor, from_user=None,
                         to_user=to_user)  # fmt: skip

    def _transfer(self, conv: _Conversation, from_user: User, to_user: User, at: datetime) -> None:
        note = content.HANDOFF_NOTES[{"wholesale": 0, "returns": 2}.get(conv.chat.topic, 1)]
        self._message(conv, at, direction="out", kind="note", text=note, author=from_user,
                      meta={"event": "handoff", "to_user_id": to_user.pk,
                            "to_name": to_user.display_name})  # fmt: skip
        text = f"{self.short[from_user.pk]} đã chuyển khách hàng này cho {self.short[to_user.pk]}"
        self._assignment(conv, at + timedelta(seconds=1), reason="transferred", text=text,
                         actor=from_user, from_user=from_user, to_user=to_user)  # fmt: skip

    def _order(self, conv: _Conversation, at: datetime, author: User) -> None:
        items = conv.chat.items
        conv.order = Order(
            workspace=self.workspace,
            customer=conv.customer.row,
            conversation=conv.row,
            amount_vnd=order_total(items),
            items=items,
            status="closed",
            note="Ship COD" if self.rng.random() < 0.7 else "Khách chuyển khoản trước",
            created_by=author,
            created_at=at,
        )
        actor = author or conv.agent
        conv.order_event = self._event(
            conv, at, text=f"{self.short[actor.pk]} đã chốt đơn {content.money(order_total(items))}",
            actor=actor, event="order_created", actor_name=actor.display_name,
            amount_vnd=conv.order.amount_vnd, status="closed",
        )  # fmt: skip

    def _labels(self, conv: _Conversation, times: list[datetime], author: User) -> None:
        if conv.row.assignee is None:
            return
        rng = self.rng
        early = times[min(1, len(times) - 1)] + timedelta(seconds=40)
        chosen = []  # (label name, when)
        topic_label = content.TOPIC_LABELS.get(conv.chat.topic)
        if topic_label and rng.random() < 0.7:
            chosen.append((topic_label, early))
        if len(conv.customer.conversations) > 1 and rng.random() < 0.3:
            chosen.append(("VIP", early))
        if conv.order is not None:
            chosen.append(("Đã chốt", conv.order.created_at))
            if rng.random() < 0.25:
                cod = "Ship COD" if conv.account.kind == "facebook" else "Chờ chuyển khoản"
                chosen.append((cod, conv.order.created_at))
            if conv.order.status == "returned":
                chosen.append(("Đổi trả", times[-1]))
        available = self.setup.label_set(conv.account)
        for name, when in chosen:
            label = available.get(name)
            if label is None or any(cl.label is label for cl in conv.labels):
                continue
            at = when + timedelta(seconds=rng.randint(5, 90))
            conv.labels.append(ConversationLabel(workspace=self.workspace, conversation=conv.row,
                                                 label=label, added_by=author, added_at=at))  # fmt: skip
            self._event(conv, at, text=f"{self.short[author.pk]} đã gắn nhãn “{name}”",
                        actor=author, event="label_added", actor_name=author.display_name,
                        label=name)  # fmt: skip

    def _finish(self, conv: _Conversation) -> None:
        """Close, archive or release; then the denormalised fields from the messages."""
        row, rng = conv.row, self.rng
        summary = conversation_summary(messages=conv.messages)
        first = min(m.sent_at for m in conv.messages)
        waiting = summary.unanswered_inbound and summary.last_message_direction == "in"
        if conv.status == "open" and waiting and row.assignee is not None and rng.random() < 0.3:
            at = summary.last_message_at + timedelta(minutes=RELEASE_MINUTES)
            if at < self.now:  # anti-steal: no answer in time, back to the pool
                owner = row.assignee
                text = (f"Đã trả khách về hàng chờ: {self.short[owner.pk]} không phản hồi trong "
                        f"{RELEASE_MINUTES} phút")  # fmt: skip
                self._assignment(conv, at, reason="released_by_timer", text=text, actor=None,
                                 from_user=owner, to_user=None, minutes=RELEASE_MINUTES)  # fmt: skip
        if conv.status in ("closed", "archived"):
            if row.assignee is None:
                self._assign(conv, conv.agent, first + timedelta(seconds=30))
            closer = row.assignee
            closed_at = summary.last_message_at + timedelta(minutes=rng.uniform(5, 90))
            row.closed_at = min(closed_at, self.now - timedelta(minutes=2))
            self._event(conv, row.closed_at, text=f"{self.short[closer.pk]} đã kết thúc tư vấn",
                        actor=closer, event="closed", actor_name=closer.display_name)  # fmt: skip
            if conv.status == "archived":
                self._event(conv, row.closed_at + timedelta(seconds=30),
                            text=f"{self.short[closer.pk]} đã lưu trữ hội thoại", actor=closer,
                            event="archived", actor_name=closer.display_name)  # fmt: skip
            if rng.random() < 0.35:
                row.rating = rng.choice([5, 5, 5, 4, 4, 3])

        row.created_at = first
        row.last_message_at = summary.last_message_at
        row.last_message_preview = summary.last_message_preview
        row.last_message_direction = summary.last_message_direction
        row.last_inbound_at = summary.last_inbound_at
        row.last_outbound_at = summary.last_outbound_at
        unread = summary.unanswered_inbound if conv.status == "open" else 0
        row.unread_count = 0 if unread and rng.random() < 0.2 else unread  # some read, unanswered
        row.outcome = OUTCOME_OF_ORDER[conv.order.status] if conv.order else "none"

    # --- provider-shaped details --------------------------------------------------------

    def _unique(self, account: ChannelAccount, make) -> str:
        while True:
            value = make()
            if (account.pk, value) not in self.used_ids:
                self.used_ids.add((account.pk, value))
                return value

    def _external_id(self, account: ChannelAccount, direction: str) -> str:
        rng = self.rng
        if account.kind == "facebook":
            return self._unique(
                account, lambda: "m_" + "".join(rng.choice(MID_ALPHABET) for _ in range(40))
            )
        if account.kind == "zalo":
            return self._unique(account, lambda: f"{rng.getrandbits(128):032x}")
        if account.kind == "shopee":
            return self._unique(account, lambda: str(rng.randrange(10**18, 10**19)))
        host = "shopdemo.vn" if direction == "out" else "mail.gmail.com"
        return self._unique(account, lambda: f"<{rng.getrandbits(96):024x}@{host}>")

    def _comment_id(self, conv: _Conversation) -> str:
        post_id = conv.post[0]
        return self._unique(conv.account, lambda: f"{post_id}_{self.rng.randrange(10**14, 10**15)}")

    def _post_meta(self, account: ChannelAccount, post_id: str, caption: str) -> dict:
        page = account.external_id
        return {
            "post_id": f"{page}_{post_id}",
            "post_url": f"https://www.facebook.com/{page}/posts/{post_id}",
            "post_message": caption,
        }

    def _email_meta(self, conv: _Conversation, message: Message, *, inbound: bool) -> dict:
        thread = [m for m in conv.messages[:-1] if m.kind == "inbox" and m.external_id]
        mailbox, customer = conv.account.external_id, conv.contact.external_id
        meta = {
            "subject": f"Re: {conv.chat.subject}" if thread else conv.chat.subject,
            "from": customer if inbound else mailbox,
            "to": [mailbox if inbound else customer],
        }
        if thread:  # threads like a mail client: In-Reply-To and References
            message.reply_to_external_id = thread[-1].external_id
            meta["in_reply_to"] = thread[-1].external_id
            meta["references"] = [m.external_id for m in thread]
        return meta

    def _delivery_statuses(self, conv: _Conversation) -> None:
        """Read once the customer wrote again; otherwise sent, delivered or read."""
        visible = sorted((m for m in conv.messages if m.kind in ("inbox", "comment")),
                         key=lambda m: m.sent_at)  # fmt: skip
        answered_after = False
        for message in reversed(visible):
            if message.direction == "in":
                answered_after = True
                continue
            message.delivery_attempts = 1
            if message.kind == "comment" or conv.account.kind == "email":
                message.delivery_status = "sent"  # no receipts for comments and e-mail
            elif answered_after:
                message.delivery_status = "read"
            else:
                message.delivery_status = self.rng.choice(["read", "read", "delivered", "sent"])


def phones_found(texts: list[str]) -> list[str]:
    """Vietnamese numbers in the customer's own words, as E.164."""
    found = []
    for text in texts:
        for match in phonenumbers.PhoneNumberMatcher(text, "VN"):
            e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            if e164 not in found:
                found.append(e164)
    return found


@transaction.atomic
def demo_conversations_build(
    *, setup: DemoSetup, now: datetime, conversations: int = 300, seed: int = content.SEED
) -> SeedResult:
    builder = _Builder(setup, now, seed)
    customers = builder.plan(conversations)
    for customer in customers:
        builder.place(customer)

    convs = [conv for customer in customers for conv in customer.conversations]
    for customer in customers:
        ordered = sorted(customer.conversations, key=lambda c: c.row.created_at)
        for index, conv in enumerate(ordered):
            conv.row.is_returning = index > 0  # the customer had written before
        inbound = [m for conv in ordered for m in conv.messages if m.direction == "in"]
        row = customer.row
        row.first_seen_at = row.created_at = min(m.sent_at for m in inbound)
        row.last_seen_at = max(m.sent_at for m in inbound)
        row.phones = phones_found([m.text for m in inbound])
        for contact in customer.contacts.values():
            contact.created_at = min(
                m.sent_at for conv in ordered if conv.contact is contact for m in conv.messages
            )

    Customer.objects.bulk_create([c.row for c in customers])
    Contact.objects.bulk_create([ct for c in customers for ct in c.contacts.values()])
    Conversation.objects.bulk_create([conv.row for conv in convs])
    orders = [conv.order for conv in convs if conv.order]
    Order.objects.bulk_create(orders)
    for conv in convs:
        if conv.order_event is not None:
            conv.order_event.meta["order_id"] = conv.order.pk
        for message in conv.messages:
            message.conversation = conv.row
    messages = [m for conv in convs for m in sorted(conv.messages, key=lambda m: m.sent_at)]
    Message.objects.bulk_create(messages, batch_size=1000)
    answered = [conv for conv in convs if conv.private_reply is not None]
    for conv in answered:  # what comment_reply_private records on the comment
        conv.comment.meta["private_reply_message_id"] = conv.private_reply.pk
    Message.objects.bulk_update([conv.comment for conv in answered], ["meta"])
    ConversationLabel.objects.bulk_create([cl for conv in convs for cl in conv.labels])
    AssignmentChange.objects.bulk_create(owner_history(messages))
    _customer_notes(builder, customers)
    return SeedResult(
        customers=len(customers),
        conversations=len(convs),
        messages=len(messages),
        orders=len(orders),
    )


def _customer_notes(builder: _Builder, customers: list[_Customer]) -> None:
    """A few notes on regulars, written after their first conversation."""
    rng = builder.rng
    regulars = [c for c in customers if len(c.conversations) > 1]
    picked = rng.sample(regulars, k=min(len(regulars), len(content.CUSTOMER_NOTES)))
    CustomerNote.objects.bulk_create(
        CustomerNote(
            workspace=builder.workspace,
            customer=customer.row,
            author=rng.choice(builder.setup.users),
            text=text,
            created_at=min(
                customer.row.first_seen_at + timedelta(hours=rng.uniform(1, 20)), builder.now
            ),  # fmt: skip
        )
        for customer, text in zip(picked, content.CUSTOMER_NOTES, strict=False)
    )
