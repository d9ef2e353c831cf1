"""Customer names and pictures from the provider, off the ingest hot path.

Messenger and Instagram webhooks carry only a PSID / IGSID, so a new customer would show as
"Customer". When ingest creates a contact it calls `contact_profile_fetch_enqueue` on commit;
the task asks the adapter for the profile (Messenger / Instagram User Profile API, see
docs/providers.md) and fills what is still empty:

- `Contact.display_name` and `Customer.name` only when empty: a name an agent typed is never
  overwritten (the UPDATEs are conditional, so a concurrent edit wins);
- `avatar_url` (contact and customer, when empty) with our stored copy of the picture, whose
  provider link expires; the provider link itself when the copy fails.

Then every live conversation of the customer is pushed as `conversation.changed`.

One `ContactProfileFetch` row per contact records the outcome, so nothing is retried forever:
unknown user / no permission / no profile -> `gave_up` (quietly, once); transient errors ->
retried with backoff up to PROFILE_FETCH_MAX_ATTEMPTS, then `failed` (the backfill tries again
a day later); expired token -> the channel is flagged for reconnecting (delivery's path) and the
lookup waits for the backfill after the reconnect. `contact_profiles_backfill` (beat, and
`manage.py profiles_backfill`) queues nameless contacts in small batches.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from channels_app.models import ContactProfileFetch
from channels_app.providers import UnknownProvider, get_adapter, supported_kinds
from channels_app.providers.base import Profile, ProviderError
from channels_app.services import media
from channels_app.services.delivery import channel_account_flag_reconnect
from conversations import events
from conversations.models import Contact, Conversation, ConversationStatus, Customer
from inbox_project.backoff import backoff_seconds
from inbox_project.on_commit import enqueue_on_commit

log = logging.getLogger(__name__)

Status = ContactProfileFetch.Status
LIVE = [ConversationStatus.OPEN, ConversationStatus.CLOSED]
# A lookup marked running for less than this belongs to a task still at work.
RUNNING_FOR = timedelta(minutes=2)
# The backfill tries lookups that failed on transient errors again after this long, and
# re-queues lookups left pending (a lost task) after STALE_AFTER.
RETRY_FAILED_AFTER = timedelta(days=1)
STALE_AFTER = timedelta(hours=1)
AVATAR_MAX_BYTES = 5 * 1024 * 1024
FETCH_TASK = "channels_app.tasks.contact_profile_fetch_task"
BACKOFF_BASE_SECONDS = 10.0
BACKOFF_MAX_SECONDS = 600.0


def profile_kinds() -> list[str]:
    return sorted(k for k in supported_kinds() if get_adapter(k).supports_profiles)


def retry_delay(attempt: int) -> float:
    """10, 20, 40 … seconds, capped at 10 minutes."""
    return backoff_seconds(attempt, base=BACKOFF_BASE_SECONDS, cap=BACKOFF_MAX_SECONDS)


# --- queueing ---------------------------------------------------------------------------------


def contact_profile_fetch_enqueue(
    *, workspace_id: int, contact_id: int, countdown: float | None = None
) -> None:
    """Queue the profile lookup of one contact after the current transaction commits (at
    once when none is open). A broker outage only delays it: the backfill finds the contact."""
    enqueue_on_commit(FETCH_TASK, workspace_id, contact_id, countdown=countdown)


def contact_profiles_backfill(*, batch: int | None = None, now: datetime | None = None) -> int:
    """Queue lookups for a small batch of nameless contacts (the beat job)."""
    rows = contact_profiles_due(batch=batch, now=now)
    for contact_id, workspace_id in rows:
        contact_profile_fetch_enqueue(workspace_id=workspace_id, contact_id=contact_id)
    if rows:
        log.info("queued %d profile lookups", len(rows))
    return len(rows)


def contact_profiles_due(*, batch: int | None = None,
                         now: datetime | None = None) -> list[tuple[int, int]]:  # fmt: skip
    """A small batch of nameless contacts on channels that have profiles: never looked up,
    failed more than a day ago, or left pending for an hour (a lost task). Their lookups are
    marked pending, so the next run does not pick them again. Returns (contact, workspace)."""
    now = now or timezone.now()
    batch = settings.PROFILE_BACKFILL_BATCH if batch is None else batch
    due = (
        Q(profile_fetch__isnull=True)
        | Q(profile_fetch__status=Status.FAILED,
            profile_fetch__updated_at__lt=now - RETRY_FAILED_AFTER)
        | Q(profile_fetch__status__in=[Status.PENDING, Status.RUNNING],
            profile_fetch__updated_at__lt=now - STALE_AFTER)
    )  # fmt: skip
    with transaction.atomic():
        rows = list(
            Contact.objects.filter(
                due,
                display_name="",
                channel_account__kind__in=profile_kinds(),
                channel_account__is_active=True,
                channel_account__needs_reconnect=False,
            )  # fmt: skip
            .order_by("-pk")
            .values_list("pk", "workspace_id")[:batch]
        )
        if rows:
            ContactProfileFetch.objects.bulk_create(
                [ContactProfileFetch(contact_id=pk, workspace_id=ws, updated_at=now)
                 for pk, ws in rows],
                ignore_conflicts=True,
            )  # fmt: skip
            ContactProfileFetch.objects.filter(contact_id__in=[pk for pk, _ in rows]).exclude(
                status__in=[Status.DONE, Status.GAVE_UP]
            ).update(status=Status.PENDING, attempts=0, updated_at=now)
    return rows


# --- the lookup -------------------------------------------------------------------------------


def contact_profile_fetch(*, workspace_id: int, contact_id: int,
                          now: datetime | None = None) -> str:  # fmt: skip
    """Look one contact up. Returns "filled" (something was filled in), "unchanged" (found,
    nothing empty to fill), "gave_up", "retry", "failed", "reconnect" or "skipped"."""
    now = now or timezone.now()
    contact = (
        Contact.objects.select_related("channel_account__workspace")
        .filter(workspace_id=workspace_id, pk=contact_id)
        .first()
    )
    if contact is None or (contact.display_name and contact.avatar_url):
        return "skipped"
    account = contact.channel_account
    try:
        adapter = get_adapter(account.kind)
    except UnknownProvider:
        return "skipped"
    if not adapter.supports_profiles or not account.is_active or account.needs_reconnect:
        return "skipped"
    attempt = _claim(contact=contact, now=now)
    if attempt is None:
        return "skipped"
    try:
        profile = adapter.fetch_profile(account=account, contact_external_id=contact.external_id)
    except ProviderError as error:
        return _failed(contact=contact, account=account, error=error, attempt=attempt)
    if not profile.name and not profile.avatar_url:
        # Meta answers an empty object when it will not show the profile (docs/providers.md).
        _finish(contact, Status.GAVE_UP, error="the provider returned no profile")
        return "gave_up"
    avatar, stored_name = _avatar(contact=contact, profile=profile, now=now)
    changed, avatar_used = _fill(contact=contact, name=profile.name, avatar_url=avatar)
    if stored_name and not avatar_used:  # someone set a picture meanwhile: drop our copy
        media.delete_quietly(stored_name)
    return "filled" if changed else "unchanged"


def _claim(*, contact: Contact, now: datetime) -> int | None:
    """Mark the lookup running (one short transaction); None when it is done, given up, or
    running in another task. Returns the attempt number."""
    with transaction.atomic():
        fetch, _ = ContactProfileFetch.objects.select_for_update().get_or_create(
            contact_id=contact.pk, defaults={"workspace_id": contact.workspace_id}
        )
        if fetch.status in (Status.DONE, Status.GAVE_UP):
            return None
        if fetch.status == Status.RUNNING and fetch.updated_at > now - RUNNING_FOR:
            return None
        fetch.status = Status.RUNNING
        fetch.attempts += 1
        fetch.updated_at = now
        fetch.save(update_fields=["status", "attempts", "updated_at"])
        return fetch.attempts


def _finish(contact: Contact, status: str, *, error: str = "") -> None:
    ContactProfileFetch.objects.filter(contact_id=contact.pk).update(
        status=status, error=error[:300], updated_at=timezone.now()
    )


def _failed(*, contact: Contact, account, error: ProviderError, attempt: int) -> str:
    with translation.override(account.workspace.language or settings.LANGUAGE_CODE):
        text = str(error.message)
    if error.provider_message:
        text = f"{text} ({error.provider_message})"
    if error.reconnect:  # delivery's path: an admin must reconnect the channel
        channel_account_flag_reconnect(account=account, reason=text)
        _finish(contact, Status.PENDING, error=text)  # the backfill retries after a reconnect
        return "reconnect"
    if not error.transient:  # unknown user, no permission, no profile: quietly, once
        _finish(contact, Status.GAVE_UP, error=text)
        return "gave_up"
    if attempt >= settings.PROFILE_FETCH_MAX_ATTEMPTS:
        _finish(contact, Status.FAILED, error=text)
        return "failed"
    _finish(contact, Status.PENDING, error=text)
    contact_profile_fetch_enqueue(
        workspace_id=contact.workspace_id, contact_id=contact.pk, countdown=retry_delay(attempt)
    )
    return "retry"


def _avatar(*, contact: Contact, profile: Profile, now: datetime) -> tuple[str, str]:
    """Our copy of the picture (the provider's link expires), or the link when copying fails;
    and the stored file's name ("" when nothing was stored)."""
    if not profile.avatar_url or contact.avatar_url:
        return "", ""
    try:
        stored = media.download_to_storage(
            profile.avatar_url,
            accept=lambda ct: media.content_type_allowed(
                attachment_type="image", content_type=ct, allowed=("image/",)
            ),
            name_for=lambda ct: media.storage_name(
                workspace_id=contact.workspace_id, folder="avatars", content_type=ct, now=now,
                token=secrets.token_urlsafe(18),
            ),
            max_bytes=AVATAR_MAX_BYTES, hosts=media.download_hosts(contact.channel_account.kind),
        )  # fmt: skip
    except media.DownloadError as error:
        log.info("avatar of contact %s not copied: %s", contact.pk, error)
        return profile.avatar_url, ""
    # Relative to the page (/media/…), so it loads whatever host and port serve the app.
    return media.stored_url(stored.name), stored.name


def _fill(*, contact: Contact, name: str, avatar_url: str) -> tuple[bool, bool]:
    """Fill only what is empty (conditional UPDATEs), mark the lookup done, push the rows."""
    scope = {"workspace_id": contact.workspace_id}
    with transaction.atomic():
        changed = avatars = 0
        if name:
            changed += Contact.objects.filter(pk=contact.pk, display_name="", **scope).update(
                display_name=name
            )
            changed += Customer.objects.filter(pk=contact.customer_id, name="", **scope).update(
                name=name
            )
        if avatar_url:
            avatars += Contact.objects.filter(pk=contact.pk, avatar_url="", **scope).update(
                avatar_url=avatar_url
            )
            avatars += Customer.objects.filter(
                pk=contact.customer_id, avatar_url="", **scope
            ).update(avatar_url=avatar_url)
            changed += avatars
        _finish(contact, Status.DONE)
        if changed:
            live = Conversation.objects.filter(
                customer_id=contact.customer_id, status__in=LIVE, **scope
            ).only("pk", "workspace_id")
            for conversation in live:
                events.conversation_changed(conversation, reason="profile")
    return bool(changed), bool(avatars)
