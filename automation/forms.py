from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from automation.models import (
    TIMED_TRIGGERS,
    CommentGuard,
    NotifyWhom,
    Rule,
    Sequence,
    SequenceStep,
)
from conversations.channels import channel_accounts_of
from conversations.models import Label, Outcome


class KeywordsField(forms.CharField):
    """Keywords and phrases, one a line or separated by commas."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        words = [w.strip() for line in text.splitlines() for w in line.split(",")]
        return list(dict.fromkeys(w for w in words if w))


class RuleForm(forms.ModelForm):
    keywords = KeywordsField(
        label=_("keywords and phrases"), required=False,
        help_text=_("One a line or separated by commas; accents and case do not matter. "
                    "Start a phrase with ! to exclude it."),
    )  # fmt: skip
    needs_phone = forms.NullBooleanField(label=_("phone number in the message"), required=False)

    class Meta:
        model = Rule
        fields = [
            "name", "enabled", "trigger", "wait_minutes", "channel_account", "keywords",
            "needs_phone", "needs_label", "hours", "customer", "reply_text", "add_label",
            "remove_label", "round_robin", "start_sequence", "hide_comment", "private_reply_text",
            "assign_to", "set_outcome", "notify", "notify_users", "notify_text",
            "priority", "agent_guard", "cooldown_minutes", "hourly_cap",
        ]  # fmt: skip
        widgets = {"reply_text": forms.Textarea(attrs={"rows": 3}),
                   "private_reply_text": forms.Textarea(attrs={"rows": 2}),
                   "notify_users": forms.CheckboxSelectMultiple}  # fmt: skip
        help_texts = {
            "reply_text": _("Variables: {name}, {anh_chi} (anh/chị), {page}. Empty: no reply."),
            "private_reply_text": _("A comment only: sent once in Messenger, within 7 days."),
        }

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["needs_phone"].widget.choices = [
            ("unknown", _("Does not matter")), ("true", _("Has one")), ("false", _("Has none")),
        ]  # fmt: skip
        self.fields["channel_account"].queryset = channel_accounts_of(workspace_id=workspace.pk)
        self.fields["channel_account"].empty_label = _("Every page")
        labels = Label.objects.filter(workspace=workspace, deleted_at__isnull=True).order_by("name")
        for name in ("needs_label", "add_label", "remove_label"):
            self.fields[name].queryset = labels
            self.fields[name].empty_label = "—"
        self.fields["start_sequence"].queryset = Sequence.objects.filter(workspace=workspace)
        self.fields["start_sequence"].empty_label = "—"
        members = User.objects.filter(memberships__workspace=workspace,
                                      memberships__is_active=True).order_by("full_name", "email")  # fmt: skip
        self.fields["assign_to"].queryset = members
        self.fields["assign_to"].empty_label = "—"
        self.fields["assign_to"].label_from_instance = lambda user: user.display_name
        self.fields["notify_users"].queryset = members
        self.fields["notify_users"].label_from_instance = lambda user: user.display_name
        self.fields["set_outcome"].choices = [("", "—"), *Outcome.choices]

    def clean(self):
        data = super().clean()
        acts = ("add_label", "remove_label", "round_robin", "start_sequence", "hide_comment",
                "assign_to", "set_outcome", "notify")  # fmt: skip
        if not any(
            (data.get(name) or "").strip() for name in ("reply_text", "private_reply_text")
        ) and (not any(data.get(name) for name in acts)):
            raise forms.ValidationError(
                _(
                    "A rule must do something: reply, label, hand over, hide, notify or set the outcome."
                )
            )
        if data.get("trigger") in TIMED_TRIGGERS and not data.get("wait_minutes"):
            self.add_error("wait_minutes", _("Say how many minutes of silence the rule waits."))
        if data.get("notify") == NotifyWhom.MEMBERS and not data.get("notify_users"):
            self.add_error("notify_users", _("Choose who is notified."))
        return data


class TryForm(forms.Form):
    text = forms.CharField(label=_("Customer's message"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    returning = forms.BooleanField(label=_("returning customer"), required=False)
    page = forms.IntegerField(required=False, widget=forms.HiddenInput)


class PostIdsField(KeywordsField):
    """Post ids, one a line or separated by commas."""

    widget = forms.Textarea(attrs={"rows": 2})


class CommentGuardForm(forms.ModelForm):
    exempt_posts = PostIdsField(label=_("posts never hidden"), required=False,
                                help_text=_("Post ids, one a line."))  # fmt: skip
    forced_posts = PostIdsField(label=_("posts always hidden"), required=False,
                                help_text=_("Hidden even when the switch is off."))  # fmt: skip

    class Meta:
        model = CommentGuard
        fields = ["hide_phones", "exempt_posts", "forced_posts", "unhide_after_hours"]

    def clean(self):
        data = super().clean()
        both = set(data.get("exempt_posts") or ()) & set(data.get("forced_posts") or ())
        if both:
            raise forms.ValidationError(
                _("A post cannot be both exempt and forced: %(posts)s")
                % {"posts": ", ".join(sorted(both))}
            )
        return data


class SequenceForm(forms.ModelForm):
    class Meta:
        model = Sequence
        fields = ["name"]


class StepForm(forms.ModelForm):
    class Meta:
        model = SequenceStep
        fields = ["after_hours", "needs_label", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["after_hours"].min_value = 1
        self.fields["after_hours"].widget.attrs["min"] = 1
        self.fields["needs_label"].queryset = Label.objects.filter(
            workspace=workspace, deleted_at__isnull=True
        ).order_by("name")
        self.fields["needs_label"].empty_label = "—"

    def clean_after_hours(self):
        hours = self.cleaned_data["after_hours"]
        if hours is not None and hours < 1:
            raise forms.ValidationError(_("At least one hour."))
        return hours


StepFormSet = forms.inlineformset_factory(
    Sequence, SequenceStep, form=StepForm, extra=2, can_delete=True,
    fields=["after_hours", "needs_label", "text"],
)  # fmt: skip
