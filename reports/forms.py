"""The report's query string: range preset or custom dates, filters, the business-hours
toggle and the trend's bucket. Anything invalid falls back to a default rather than an
error: a report link that outlived a deleted label still opens."""

from __future__ import annotations

from django import forms

from reports.periods import DAY, MONTH, PRESETS, WEEK


class ReportQueryForm(forms.Form):
    range = forms.ChoiceField(choices=[(p, p) for p in PRESETS], required=False)
    start = forms.DateField(required=False)
    end = forms.DateField(required=False)
    channel = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    agent = forms.TypedMultipleChoiceField(coerce=int, required=False, choices=())
    label = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, choices=())
    business = forms.BooleanField(required=False)
    bucket = forms.ChoiceField(choices=[(b, b) for b in (DAY, WEEK, MONTH)], required=False)

    def __init__(self, data, *, channels, agents, labels):
        super().__init__(data)
        self.fields["channel"].choices = [(c.pk, c.pk) for c in channels]
        self.fields["agent"].choices = [(a.pk, a.pk) for a in agents]
        self.fields["label"].choices = [("", "")] + [(x.pk, x.pk) for x in labels]

    def values(self) -> dict:
        """The valid values; an invalid field is dropped."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data.get(name) for name in self.fields if name not in self.errors}
