from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Project, ProjectMember


class ProjectForm(forms.ModelForm):
    """The application (立项申请); the services validate again and compute the class."""

    class Meta:
        model = Project
        fields = ("name", "scope", "kind", "estimated_investment", "year", "description")
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        self.fields["estimated_investment"].help_text = _(
            "The class follows from it: up to 500,000 general, up to 10,000,000 large, above major "
            "(unless the unit's rules say otherwise).")


class MemberForm(forms.Form):
    person = forms.ModelChoiceField(queryset=None, label=_("person"))
    role = forms.ChoiceField(choices=ProjectMember.Role.choices, label=_("role in the group"))
    full_time = forms.BooleanField(required=False, label=_("full-time (脱产)"))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = members


class SubmitForm(forms.Form):
    reason = forms.CharField(label=_("Note to the reviewers"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(label=_("I confirm the application is complete and submit it for approval"))
