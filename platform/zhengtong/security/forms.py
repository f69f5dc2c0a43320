from django import forms
from django.utils.translation import gettext_lazy as _

from .models import POLICY_BOUNDS, SecurityPolicy


class SecurityPolicyForm(forms.ModelForm):
    class Meta:
        model = SecurityPolicy
        fields = list(POLICY_BOUNDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, (_default, low, high) in POLICY_BOUNDS.items():
            field = self.fields[name]
            field.widget.attrs.update(min=low, max=high)
            extra = _("Allowed: %(low)d–%(high)d.") % {"low": low, "high": high}
            field.help_text = f"{field.help_text} {extra}".strip()


class TwoFactorResetForm(forms.Form):
    email = forms.EmailField(label=_("Email of the person"))
