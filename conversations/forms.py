"""Input of the inbox: list filters, the composer, orders, notes, labels."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from conversations.models import ConversationStatus, Outcome
from conversations.selectors.filters import InboxFilters
from conversations.services.orders import OrderItem

# Chips in a narrow pane: their own (short) Vietnamese, apart from the same English words
# elsewhere ("Chưa phân công" in the header would not fit the chip row).
ASSIGN_CHOICES = [
    ("all", pgettext_lazy("assignment filter", "All")),
    ("mine", pgettext_lazy("assignment filter", "Mine")),
    ("unassigned", pgettext_lazy("assignment filter", "Unassigned")),
    ("following", pgettext_lazy("assignment filter", "Following")),
]
PHONE_CHOICES = [("", _("Phone: any")), ("yes", _("Has phone")), ("no", _("No phone"))]
READ_CHOICES = [("", _("Read and unread")), ("unread", _("Unread")), ("read", _("Read"))]
RATING_CHOICES = [("", _("Any rating"))] + [(str(n), "★" * n) for n in range(5, 0, -1)]
# "auto": the agent did not narrow the status: open conversations, every status in a search.
STATUS_AUTO = "auto"
STATUS_CHOICES = [
    (STATUS_AUTO, _("Open (a search covers every status)")),
    ("", _("Every status")),
    *ConversationStatus.choices,
]
OUTCOME_CHOICES = [("", _("Any outcome")), *Outcome.choices]
FILTER_KEYS = (
    "status",
    "outcome",
    "unanswered",
    "assign",
    "channel",
    "label",
    "phone",
    "read",
    "rating",
    "from",
    "to",
    "q",
    "blocked",
)


class InboxFilterForm(forms.Form):
    """The list's filters, read from the query string (the URL is the state: shareable)."""

    q = forms.CharField(required=False, max_length=200)
    status = forms.ChoiceField(required=False, choices=STATUS_CHOICES)
    outcome = forms.ChoiceField(required=False, choices=OUTCOME_CHOICES)
    unanswered = forms.BooleanField(required=False)
    assign = forms.ChoiceField(required=False, choices=ASSIGN_CHOICES)
    channel = forms.IntegerField(required=False, min_value=1)
    label = forms.IntegerField(required=False, min_value=1)
    phone = forms.ChoiceField(required=False, choices=PHONE_CHOICES)
    read = forms.ChoiceField(required=False, choices=READ_CHOICES)
    rating = forms.TypedChoiceField(
        required=False, choices=RATING_CHOICES, coerce=int, empty_value=None
    )
    date_from = forms.DateField(required=False)
    date_to = forms.DateField(required=False)
    blocked = forms.BooleanField(required=False)

    def __init__(self, data, *args, **kwargs):
        data = data.copy()
        # "from" / "to" are the public names; "status" defaults to open, "" means any.
        if "from" in data:
            data["date_from"] = data.get("from")
        if "to" in data:
            data["date_to"] = data.get("to")
        # A search and the blocked view cover every status unless the agent narrowed it;
        # the list covers the open conversations.
        self.status_chosen = data.get("status", STATUS_AUTO) != STATUS_AUTO
        if not self.status_chosen:
            blocked = data.get("blocked", "") not in ("", "0", "false")
            data["status"] = default_status(data.get("q") or "", blocked=blocked)
        super().__init__(data, *args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The start date (“From”) is after the end date (“To”)."))
        return cleaned

    def error_messages(self) -> list[str]:
        """What the agent typed that the list cannot use, said instead of an empty list."""
        self.is_valid()
        return [str(message) for errors in self.errors.values() for message in errors]

    def filters(self) -> InboxFilters:
        self.is_valid()
        c = {name: self.cleaned_data.get(name) for name in self.fields if name not in self.errors}
        return InboxFilters(
            status=c.get("status") or "",
            status_chosen=self.status_chosen,
            outcome=c.get("outcome") or "",
            unanswered=bool(c.get("unanswered")),
            assign=c.get("assign") or "all",
            channel=c.get("channel"),
            label=c.get("label"),
            phone=c.get("phone") or "",
            read=c.get("read") or "",
            rating=c.get("rating"),
            date_from=c.get("date_from"),
            date_to=c.get("date_to"),
            q=(c.get("q") or "").strip(),
            blocked=bool(c.get("blocked")),
        )


def filters_query(filters: InboxFilters) -> str:
    """The query string of these filters (defaults left out), for links that keep the state."""
    pairs = []
    if filters.status_chosen:
        pairs.append(("status", filters.status))
    for key, value in (
        ("outcome", filters.outcome),
        ("unanswered", "1" if filters.unanswered else ""),
        ("assign", "" if filters.assign == "all" else filters.assign),
        ("channel", filters.channel or ""),
        ("label", filters.label or ""),
        ("phone", filters.phone),
        ("read", filters.read),
        ("rating", filters.rating or ""),
        ("from", filters.date_from.isoformat() if filters.date_from else ""),
        ("to", filters.date_to.isoformat() if filters.date_to else ""),
        ("q", filters.q),
        ("blocked", "1" if filters.blocked else ""),
    ):
        if value:
            pairs.append((key, value))
    return urlencode(pairs)


def default_status(q: str, *, blocked: bool = False) -> str:
    return "" if q.strip() or blocked else ConversationStatus.OPEN


def active_filter_count(filters: InboxFilters) -> int:
    """Filters hidden behind the "More filters" disclosure that are set."""
    return sum(
        bool(value)
        for value in (
            filters.status_chosen,
            filters.outcome,
            filters.channel,
            filters.label,
            filters.phone,
            filters.read == "read",
            filters.rating,
            filters.date_from,
            filters.date_to,
        )
    )


class ComposerForm(forms.Form):
    MODES = [("reply", _("Reply")), ("note", _("Internal note")),
             ("public_reply", _("Reply publicly")), ("private_reply", _("Private reply"))]  # fmt: skip

    mode = forms.ChoiceField(choices=MODES, required=False)
    # A commenter's composer answers this comment (public reply or the private reply).
    comment = forms.IntegerField(required=False, min_value=1)
    text = forms.CharField(required=False, max_length=20000, strip=False)
    # "I only reply to this customer"; the essential notification's purpose.
    confirm_human_agent = forms.BooleanField(required=False)
    purpose = forms.CharField(required=False, max_length=40)

    def clean_text(self):
        # Browsers post textarea line breaks as CRLF; store what the agent typed.
        return self.cleaned_data.get("text", "").replace("\r\n", "\n")


MONEY_DIGITS = re.compile(r"[\s.,₫đdVNDvnd]")
ITEM_LINE = re.compile(
    r"^(?P<name>.+?)(?:\s*[x×*]\s*(?P<qty>\d{1,4}))?(?:\s*[@=]\s*(?P<price>[\d., ]+)\s*[₫đ]?)?$"
)


def parse_vnd(text: str) -> int | None:
    """ "350.000", "350,000 ₫", "350000" -> 350000; "350k" -> 350000; "1,2tr" -> 1200000.

    Without a unit, dots and commas group thousands (Vietnamese style); with "k" / "tr" a
    dot or comma is the decimal mark, as sellers write it in chat.
    """
    text = (text or "").strip().lower().replace("₫", "").replace("vnd", "").replace("đ", "")
    text = text.replace(" ", "")
    if not text:
        return None
    for unit, multiplier in (("tr", 1_000_000), ("m", 1_000_000), ("k", 1000)):
        if text.endswith(unit):
            number = text[: -len(unit)].replace(",", ".")
            if not re.fullmatch(r"\d+(\.\d+)?", number):
                return None
            return round(float(number) * multiplier)
    digits = MONEY_DIGITS.sub("", text)
    return int(digits) if digits.isdigit() else None


def parse_items(text: str) -> list[OrderItem]:
    """One item per line: "Áo thun trắng x2 @150.000"; quantity and price are optional."""
    items = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        match = ITEM_LINE.match(line)
        name = (match.group("name") if match else line).strip()[:200]
        quantity = int(match.group("qty")) if match and match.group("qty") else 1
        price = parse_vnd(match.group("price")) if match and match.group("price") else None
        items.append(OrderItem(name=name, quantity=max(quantity, 1), price_vnd=price))
    return items[:50]


class OrderForm(forms.Form):
    amount = forms.CharField(label=_("Amount (VND)"), max_length=30)
    items = forms.CharField(label=_("Items"), required=False, widget=forms.Textarea)
    status = forms.ChoiceField(label=_("Status"), choices=[])
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        from conversations.models import OrderStatus

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = OrderStatus.choices

    def clean_amount(self):
        value = parse_vnd(self.cleaned_data["amount"])
        if value is None:
            raise forms.ValidationError(_("Write the amount in đồng, e.g. 350.000."))
        return value

    def clean_items(self):
        return parse_items(self.cleaned_data.get("items", ""))


class NoteForm(forms.Form):
    text = forms.CharField(max_length=5000)


class LabelForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    color = forms.CharField(label=_("Colour"), max_length=7, required=False)
    channel = forms.IntegerField(required=False)
