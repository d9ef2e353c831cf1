from django import forms
from django.utils.translation import gettext_lazy as _

from routing.models import RoutingMode, RoutingSettings

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class RoutingSettingsForm(forms.ModelForm):
    mode = forms.ChoiceField(
        label=_("How new conversations reach agents"),
        choices=RoutingMode.choices,
        widget=forms.RadioSelect,
    )
    business_days = forms.TypedMultipleChoiceField(
        label=_("Business days"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # The workspace's opening hours (accounts.Workspace), edited on this page.
    business_start = forms.TimeField(
        label=_("opens at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    business_end = forms.TimeField(
        label=_("closes at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    closed_on_holidays = forms.BooleanField(
        label=_("Closed on Vietnam's public holidays (Tết, Hùng Kings, 30/4, 1/5, 2/9 …)"),
        required=False,
    )

    def __init__(self, *args, workspace, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "business_days": workspace.business_days,
                "business_start": workspace.business_start,
                "business_end": workspace.business_end,
                "closed_on_holidays": workspace.closed_on_holidays,
            },
        )
        super().__init__(*args, **kwargs)

    class Meta:
        model = RoutingSettings
        fields = [
            "mode",
            "anti_steal_enabled",
            "anti_steal_minutes",
            "idle_timeout_minutes",
            "business_hours_only",
        ]
        help_texts = {
            "idle_timeout_minutes": _("0 turns the idle rule off."),
            "anti_steal_minutes": _(
                "A claimed customer who waits longer than this for an answer goes back to the "
                "pool (or to the next agent in round robin)."
            ),
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("business_start"), data.get("business_end")
        if start and end and end <= start:
            self.add_error("business_end", _("Closing time must be after opening time."))
        return data


class TransferForm(forms.Form):
    to_user = forms.IntegerField()
    note = forms.CharField(required=False, max_length=2000)


class AssignForm(forms.Form):
    to_user = forms.IntegerField()


class PresenceForm(forms.Form):
    status = forms.ChoiceField(choices=[("online", "online"), ("away", "away")])
