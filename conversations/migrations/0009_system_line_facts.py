"""System lines used to be shown from their stored text, in the language of the workspace at
the time, so an English reader saw Vietnamese. They are now rendered from facts in
`Message.meta`. This turns the text of existing rows into facts where it can be recognised
(the sentences the app and the demo data wrote, in Vietnamese and English) and gives rows
that kept their actor's name under "actor" the "actor_name" / "actor_id" the renderer reads.
Rows it cannot read are left alone and keep showing their stored text."""

import re

from django.db import migrations
from django.db.models import Q

NAME = r"(?P<{}>.+?)"


def _pattern(template: str) -> re.Pattern:
    """"{to} claimed this customer" -> a whole-line regex with named groups."""
    parts = re.split(r"\{(\w+)\}", template)
    regex = "".join(
        (r"(?P<minutes>\d+)" if part == "minutes" else r"(?P<amount>[\d.]+)" if part == "amount"
         else NAME.format(part)) if index % 2 else re.escape(part)
        for index, part in enumerate(parts)
    )  # fmt: skip
    return re.compile(rf"^{regex}$")


ASSIGNMENTS = [  # (reason, sentences that were stored for it)
    ("claimed", ["{to} đã tiếp nhận khách hàng này", "{to} claimed this customer"]),
    ("auto_assigned", ["Tự động phân công cho {to}", "Tự động giao cho {to}",
                       "Đã giao hội thoại cho {to}", "Assigned to {to} automatically"]),
    ("released", ["{actor} đã trả khách hàng này về hàng chờ",
                  "{actor} released this customer to the pool"]),
    ("released_by_timer", [
        "Trả khách từ {from} về hàng chờ: không trả lời trong {minutes} phút",
        "Đã trả khách về hàng chờ: {from} không phản hồi trong {minutes} phút",
        "Released from {from}: no reply within {minutes} minutes",
    ]),
    ("transferred", ["{actor} đã chuyển giao khách hàng này cho {to}",
                     "{actor} đã chuyển khách hàng này cho {to}",
                     "{actor} transferred this customer to {to}"]),
    ("admin_assigned", ["{actor} đã phân công khách hàng này cho {to}",
                        "{actor} đã giao khách hàng này cho {to}",
                        "{actor} assigned this customer to {to}"]),
    ("admin_unassigned", ["{actor} đã bỏ phân công {from}", "{actor} unassigned {from}"]),
    ("closed", ["{actor} đã kết thúc tư vấn", "{actor} ended the consultation"]),
    ("reopened", ["{actor} đã mở lại hội thoại", "{actor} reopened the conversation"]),
]  # fmt: skip
EVENTS = [  # (event, sentences)
    ("label_added", ["{actor} đã gắn nhãn “{label}”", "{actor} added label “{label}”"]),
    ("label_removed", ["{actor} đã gỡ nhãn “{label}”", "{actor} removed label “{label}”"]),
    ("archived", ["{actor} đã lưu trữ hội thoại", "{actor} archived the conversation"]),
    ("unarchived", ["{actor} đã khôi phục hội thoại từ mục lưu trữ",
                    "{actor} brought the conversation back from the archive"]),
    ("blocked", ["{actor} đã chặn khách hàng này", "{actor} blocked this customer"]),
    ("unblocked", ["{actor} đã bỏ chặn khách hàng này", "{actor} unblocked this customer"]),
    ("order_created", ["{actor} đã chốt đơn {amount} ₫", "{actor} đã chốt đơn {amount}đ",
                       "{actor} recorded an order of {amount} ₫"]),
]  # fmt: skip
CUSTOMER_REOPENED = {"Khách nhắn lại: hội thoại đã được mở lại",
                     "The customer wrote again: conversation reopened"}  # fmt: skip

PATTERNS = [
    ({"event": "assignment", "reason": reason}, _pattern(text))
    for reason, texts in ASSIGNMENTS
    for text in texts
] + [({"event": event}, _pattern(text)) for event, texts in EVENTS for text in texts]


def facts_from_text(text: str) -> dict | None:
    """The facts a stored sentence says, or None when it is not one of ours."""
    text = " ".join(str(text or "").split())
    if text in CUSTOMER_REOPENED:
        return {"event": "reopened", "by": "customer"}
    for base, pattern in PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        facts = dict(base)
        for key, value in match.groupdict().items():
            if key == "minutes":
                facts["minutes"] = int(value)
            elif key == "amount":
                facts["amount_vnd"] = int(value.replace(".", ""))
            elif key == "label":
                facts["label"] = value
            else:
                facts[f"{key}_name"] = value
        return facts
    return None


def system_line_facts(apps, schema_editor):
    message_model = apps.get_model("conversations", "Message")
    rows = message_model.objects.filter(kind="system").filter(
        ~Q(meta__has_key="event") | (Q(meta__has_key="actor") & ~Q(meta__has_key="actor_name"))
    )
    batch = []
    for message in rows.only("pk", "text", "meta", "author_id").iterator(chunk_size=1000):
        meta = dict(message.meta) if isinstance(message.meta, dict) else {}
        if "event" in meta:
            meta["actor_name"] = meta.get("actor") or ""
            if message.author_id is not None:
                meta.setdefault("actor_id", message.author_id)
        else:
            facts = facts_from_text(message.text)
            if facts is None:
                continue
            if message.author_id is not None and "actor_name" in facts:
                facts["actor_id"] = message.author_id
            meta.update(facts)
        message.meta = meta
        batch.append(message)
        if len(batch) >= 1000:
            message_model.objects.bulk_update(batch, ["meta"])
            batch = []
    if batch:
        message_model.objects.bulk_update(batch, ["meta"])


class Migration(migrations.Migration):
    dependencies = [("conversations", "0008_sale_wording")]

    operations = [migrations.RunPython(system_line_facts, migrations.RunPython.noop)]
