from django import forms
from django.utils.translation import gettext_lazy as _


class AttachmentUploadForm(forms.Form):
    file = forms.FileField(label=_("File"), allow_empty_file=True)  # emptiness is reported by the service
