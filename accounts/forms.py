from django import forms
from django.contrib.auth.models import User

from screening.roles import ROLES

ROLE_CHOICES = [(r, r) for r in ROLES]


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code", max_length=24, strip=True,
        help_text="The six-digit code your authenticator app shows now, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label="Code from the app", max_length=12, strip=True,
        help_text="After adding Threshold to the app, type the six-digit code it shows.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class MemberCreateForm(forms.Form):
    username = forms.CharField(max_length=150, help_text="Letters, digits and @ . + - _ only; no client names.",
                               validators=[User.username_validator])
    email = forms.EmailField(help_text="The invitation to choose a password goes to this address.")
    role = forms.ChoiceField(choices=ROLE_CHOICES)

    def clean_username(self):
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("An account with this username exists already.")
        return username


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES)
