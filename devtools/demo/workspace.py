"""The demo workspace's fixed parts: people, channel accounts, labels and quick replies.

Everything here is get-or-create, so running it again changes nothing. The demo workspace
uses fixed provider ids; any other workspace (a benchmark one) gets ids derived from its slug,
because a page can belong to one workspace only.
"""

import random
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import models, transaction
from django.utils import timezone

from accounts.models import Membership, Role, User, Workspace
from channels_app.models import ChannelAccount
from conversations.models import (
    Contact,
    Conversation,
    ConversationLabel,
    Customer,
    CustomerNote,
    Label,
    Message,
    Order,
    QuickReply,
)
from devtools.demo import content
from devtools.demo.people import DEMO_PASSWORD, DEMO_USERS, DEMO_WORKSPACE_SLUG
from reports.models import (
    DailyLabelRollup,
    DailyRollup,
    HourlyInbound,
    HourlyInboundAll,
    PendingDay,
    ReportFact,
)
from routing.models import AssignmentChange

# (kind, display name, provider id in the demo workspace)
CHANNELS = [
    ("facebook", "Shop Demo - Thời trang nữ", "104857362918374"),
    ("facebook", "Shop Demo Giày & Túi", "109384756201938"),
    ("facebook", "Shop Demo Outlet - Thanh lý", "112093847561029"),
    ("zalo", "Shop Demo Zalo OA", "4318927365019283746"),
    ("shopee", "shopdemo.official", "382910475"),
    ("email", "CSKH Shop demo", "cskh@shopdemo.vn"),
]


@dataclass
class SeedResult:
    customers: int = 0
    conversations: int = 0
    messages: int = 0
    orders: int = 0


@dataclass
class DemoSetup:
    workspace: Workspace
    users: list[User]  # in DEMO_USERS order
    roles: dict[int, str]  # user id -> role
    accounts: list[ChannelAccount]  # in CHANNELS order
    # channel account id (None: the workspace-wide set) -> label name -> label
    labels: dict[int | None, dict[str, Label]] = field(default_factory=dict)

    @property
    def agents(self) -> list[User]:
        return [user for user in self.users if self.roles[user.pk] == Role.AGENT]

    @property
    def admins(self) -> list[User]:
        return [user for user in self.users if self.roles[user.pk] != Role.AGENT]

    def label_set(self, account: ChannelAccount) -> dict[str, Label]:
        return self.labels.get(account.pk) or self.labels[None]


def channel_external_id(*, slug: str, kind: str, demo_id: str) -> str:
    if slug == DEMO_WORKSPACE_SLUG:
        return demo_id
    if kind == "email":
        user, domain = demo_id.split("@")
        return f"{user}+{slug}@{domain}"
    offset = 1 + zlib.crc32(slug.encode()) % 999_983
    return str(int(demo_id) + offset * 1000)


def channel_credentials(*, kind: str, external_id: str) -> dict:
    """Plausible, never real, secrets; seeded by the provider id so reruns agree."""
    rng = random.Random(f"credentials:{kind}:{external_id}")

    def token(
        length: int,
        alphabet: str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    ):
        return "".join(rng.choice(alphabet) for _ in range(length))

    if kind in ("facebook", "instagram"):  # Instagram sends with its linked Page's token
        return {
            "page_access_token": "EAAG" + token(180),
            "app_secret_proof": token(64, "0123456789abcdef"),
        }
    if kind == "zalo":  # the stand-in takes tokens it did not hand out; beat renews them
        expires = timezone.now() + timedelta(hours=25)
        return {"access_token": token(120), "refresh_token": token(120),
                "expires_at": expires.isoformat()}  # fmt: skip
    if kind == "shopee":
        # The partner id and key are the deployment's (SHOPEE_PARTNER_ID / _KEY), not a shop's.
        return {
            "shop_id": int(external_id),
            "access_token": token(32, "0123456789abcdef"),
            "refresh_token": token(32, "0123456789abcdef"),
        }
    return {
        "imap_host": "imap.gmail.com",
        "imap_port": 993,
        "smtp_host": "smtp.gmail.com",
        "smtp_port": 587,
        "username": external_id,
        "password": token(16, "abcdefghijklmnopqrstuvwxyz"),
    }


@transaction.atomic
def demo_workspace_ensure(*, slug: str = DEMO_WORKSPACE_SLUG, name: str = "") -> DemoSetup:
    workspace, _ = Workspace.objects.get_or_create(
        slug=slug,
        defaults={
            "name": name or content.WORKSPACE_NAME,
            "time_zone": content.WORKSPACE_TIME_ZONE,
            "language": "vi",
        },
    )
    users, roles = [], {}
    for email, role, full_name in DEMO_USERS:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, password=DEMO_PASSWORD, full_name=full_name, language="vi"
            )
        membership, _ = Membership.objects.get_or_create(
            workspace=workspace, user=user, defaults={"role": role}
        )
        users.append(user)
        roles[user.pk] = membership.role

    accounts = []
    for kind, display_name, demo_id in CHANNELS:
        external_id = channel_external_id(slug=slug, kind=kind, demo_id=demo_id)
        account = ChannelAccount.objects.filter(kind=kind, external_id=external_id).first()
        if account is None:
            account = ChannelAccount(
                workspace=workspace, kind=kind, external_id=external_id, display_name=display_name
            )
            account.credentials = channel_credentials(kind=kind, external_id=external_id)
            if account.credentials.get("expires_at"):
                account.credentials_expires_at = datetime.fromisoformat(
                    account.credentials["expires_at"]
                )
            account.save()
        elif account.workspace_id != workspace.pk:
            raise ValueError(f"{kind} {external_id} already belongs to another workspace")
        accounts.append(account)

    setup = DemoSetup(workspace=workspace, users=users, roles=roles, accounts=accounts)
    for account in [None, *(a for a in accounts if a.kind == "facebook")]:
        names = content.WORKSPACE_LABELS if account is None else content.PAGE_LABELS
        setup.labels[account.pk if account else None] = {
            label_name: Label.objects.get_or_create(
                workspace=workspace,
                channel_account=account,
                name=label_name,
                deleted_at=None,
                defaults={"color": color},
            )[0]
            for label_name, color in names
        }
    for shortcut, text in content.QUICK_REPLIES:
        QuickReply.objects.get_or_create(
            workspace=workspace, shortcut=shortcut, defaults={"text": text}
        )
    return setup


def _reverse_relations(model) -> list:
    """Every foreign key pointing at `model`, hidden ones (related_name="+") included."""
    return [
        field
        for field in model._meta.get_fields(include_hidden=True)
        if field.auto_created and not field.concrete and (field.one_to_many or field.one_to_one)
    ]


def _delete_set(queryset) -> None:
    """Delete a whole set with a few set-based DELETEs, honouring on_delete of every relation.

    Django's Collector loads each row and deletes 100 ids at a time once any model points
    at the table (a million messages took minutes); this does the same cascade in SQL.
    Deletion signals are not sent: demo rows have no listeners to tell.
    """
    for relation in _reverse_relations(queryset.model):
        field = relation.field
        related = relation.related_model._base_manager.filter(**{f"{field.name}__in": queryset})
        on_delete = field.remote_field.on_delete
        if on_delete is models.CASCADE:
            _delete_set(related)
        elif on_delete is models.SET_NULL:
            related.update(**{field.name: None})
        elif on_delete is not models.DO_NOTHING and related.exists():
            raise ValueError(
                f"{related.model.__name__} rows still point at {queryset.model.__name__}"
            )
    queryset._raw_delete(queryset.db)


@transaction.atomic
def workspace_conversations_delete(*, workspace: Workspace) -> int:
    """Remove a workspace's customers and everything hanging off them (for --reset).

    People, channel accounts, labels and quick replies stay; the reports' facts and rollups
    go with the conversations they describe.
    """
    deleted = Conversation.objects.filter(workspace=workspace).count()
    for model in (Message, ConversationLabel, Order, CustomerNote, AssignmentChange,
                  Conversation, Contact, Customer):  # fmt: skip
        _delete_set(model.objects.filter(workspace=workspace))
    for model in (ReportFact, DailyRollup, DailyLabelRollup, HourlyInbound, HourlyInboundAll,
                  PendingDay):  # fmt: skip
        _delete_set(model.objects.filter(workspace_id=workspace.pk))
    return deleted
