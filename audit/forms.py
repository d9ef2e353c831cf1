"""The log's filters: who, which kind, from which day to which day (the workspace's days)."""

from __future__ import annotations

import datetime
import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from audit.kinds import KINDS, kind_choices

AUTOMATION = "auto"  # the person filter's value for what nobody did by hand


class AuditFilterForm(forms.Form):
    person = forms.ChoiceField(label=_("Person"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    date_from = forms.DateField(label=_("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    date_to = forms.DateField(label=_("To"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip

    def __init__(self, data, *, people, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["person"].choices = [
            ("", _("Everyone")), (AUTOMATION, _("Automation")),
            *((str(pk), name) for pk, name in people),
        ]  # fmt: skip
        self.fields["kind"].choices = [("", _("Every kind")), *kind_choices()]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The last day is before the first."))
        return cleaned


def filters_of(form: AuditFilterForm) -> dict:
    """The valid filters as plain values (an invalid field filters nothing and says why)."""
    if not form.is_bound:
        return {}
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    kind = data.get("kind") or ""
    return {
        "person": data.get("person") or "",
        "kind": kind if kind in KINDS else "",
        "date_from": data.get("date_from") if "date_from" not in form.errors else None,
        "date_to": data.get("date_to") if "date_to" not in form.errors else None,
    }


def day_bounds(day_from, day_to, zone: str):
    """The UTC-aware instants that start `day_from` and end `day_to` in the workspace's zone."""
    tz = zoneinfo.ZoneInfo(zone)
    start = datetime.datetime.combine(day_from, datetime.time.min, tz) if day_from else None
    end = (
        datetime.datetime.combine(day_to + datetime.timedelta(days=1), datetime.time.min, tz)
        if day_to
        else None
    )
    return start, end
