"""The channels a workspace receives customers through, as the inbox sees them.

The channel account model belongs to the provider edge (channels_app), which sits above this
layer: the inbox reaches it through its own schema (every conversation, contact and label
points at one), never by importing it. `ChannelKind` is the shared vocabulary of channel
kinds; the edge's model and its provider registry use the same values.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from conversations.models import Conversation


class ChannelKind(models.TextChoices):
    FACEBOOK = "facebook", _("Facebook fanpage")
    INSTAGRAM = "instagram", _("Instagram")
    ZALO = "zalo", _("Zalo OA")
    SHOPEE = "shopee", _("Shopee")
    EMAIL = "email", _("E-mail")


def channel_accounts_of(*, workspace_id: int) -> models.QuerySet:
    """The workspace's channel accounts (pages, OAs, shops, mailboxes)."""
    model = Conversation._meta.get_field("channel_account").related_model
    return model._default_manager.filter(workspace_id=workspace_id)
