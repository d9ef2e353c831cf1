import zoneinfo

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.models import LANGUAGE_CHOICES, Role, User, Workspace

COMMON_ZONES = [
    "Asia/Ho_Chi_Minh", "Asia/Bangkok", "Asia/Jakarta", "Asia/Kuala_Lumpur", "Asia/Manila",
    "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo", "Asia/Seoul", "Australia/Sydney",
    "Europe/Warsaw", "Europe/London", "America/New_York", "America/Los_Angeles", "UTC",
]  # fmt: skip


class EmailLoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()  # e-mails are stored lower-case


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.AGENT)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class SignUpForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password, User(email=self.email))
        return password


class ShopSignUpForm(forms.Form):
    """A new shop's owner asks for a workspace (nothing is usable before the e-mail is proved)."""

    shop_name = forms.CharField(
        label=_("Shop name"),
        max_length=120,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "organization"}),
    )
    full_name = forms.CharField(
        label=_("Your full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_shop_name(self):
        name = self.cleaned_data["shop_name"].strip()
        if not name:
            raise forms.ValidationError(_("Give your shop a name."))
        return name

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            probe = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(password, probe)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class SignUpLinkResendForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)


class WorkspaceSettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=[(z, z) for z in COMMON_ZONES])
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)

    class Meta:
        model = Workspace
        fields = ["name", "time_zone", "language"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.time_zone
        if current and current not in COMMON_ZONES:
            self.fields["time_zone"].choices = [
                (current, current),
                *self.fields["time_zone"].choices,
            ]

    def clean_time_zone(self):
        zone = self.cleaned_data["time_zone"]
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise forms.ValidationError(_("Unknown time zone.")) from exc
        return zone
