"""A customer's phone numbers: adding one typed by an agent or found in a message.

The number is stored E.164 (`Customer.phones`, which the search document and the has-phone
filter read) and announced with `PhoneCaptured` only when it is new to the customer.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conversations.models import Customer, Message
from conversations.phone_parsing import normalise
from conversations.services import announcements
from inbox_project.errors import ApplicationError


def customer_phone_add(
    *,
    customer: Customer,
    phone: str,
    message: Message | None = None,
    user=None,
    now: datetime | None = None,
) -> bool:
    """Add `phone` (any spelling `phone_parsing` reads) to the customer; True when it was
    new. `message` is where it was found (None: `user` typed it)."""
    found = normalise(phone)
    if found is None:
        raise ApplicationError(_("This is not a Vietnamese phone number."), code="phone.invalid")
    if message is not None and message.conversation.customer_id != customer.pk:
        raise ApplicationError("The message is not the customer's.", code="phone.wrong_customer")
    now = now or timezone.now()
    with transaction.atomic():
        locked = Customer.objects.select_for_update().only("phones").get(pk=customer.pk)
        if found.e164 in locked.phones:
            return False
        locked.phones = [*locked.phones, found.e164]
        locked.save(update_fields=["phones"])
        customer.phones = locked.phones
        announcements.phone_captured(
            customer, phone=found.e164, message=message,
            actor_id=user.pk if user is not None else None, at=now,
        )  # fmt: skip
    return True
