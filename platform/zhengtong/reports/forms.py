from django import forms
from django.utils.translation import gettext_lazy as _


class VerifyForm(forms.Form):
    file = forms.FileField(label=_("PDF file"), help_text=_("The file is only hashed, never kept."))
