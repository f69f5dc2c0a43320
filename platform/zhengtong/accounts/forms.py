from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext_lazy as _

from .models import User


class UnitLoginForm(AuthenticationForm):
    """On a unit's host only its members may sign in. A non-member gets the same message
    as a wrong password, so the form does not reveal who belongs where."""

    username = forms.EmailField(label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True}))

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        unit = getattr(self.request, "tenant", None)
        if user.is_system or (
            unit is not None and not unit.is_district_portal and not unit.user_set.filter(pk=user.pk).exists()
        ):
            # The password was right, but this is not the person's unit. Report it as Django
            # reports a wrong password (the signal the lockout counter and the trail listen
            # to): otherwise a guesser would learn the password on any unit's login page from
            # the counter alone — wrong guesses count, the right one would not.
            user_login_failed.send(sender=__name__, request=self.request,
                                   credentials={"username": self.cleaned_data.get("username"),
                                                "password": "********"})
            raise self.get_invalid_login_error()


class TwoFactorForm(forms.Form):
    """The 6-digit code from the person's authenticator app."""

    token = forms.CharField(
        label=_("Verification code"), max_length=12, strip=True,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric",
                                      "pattern": "[0-9 ]*"}),
    )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "phone"]


class InvitationAcceptForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=64)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False,
                                help_text=password_validation.password_validators_help_text_html())
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ (两次输入的密码不一致)."))
        return data
