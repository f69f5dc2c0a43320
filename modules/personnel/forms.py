from django import forms
from django.utils.translation import gettext_lazy as _

from zhengtong.core.dates import HAPPENED, PLANNED

from .models import Department, Person, Post, Transfer

_DATE = forms.DateInput(attrs={"type": "date"})


class PersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    gender = forms.ChoiceField(label=_("Gender"), choices=Person.Gender.choices)
    id_number = forms.CharField(label=_("ID number"), max_length=20)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=_DATE, validators=[HAPPENED],
                                 help_text=_("Taken from the ID number when left empty"))
    education = forms.ChoiceField(label=_("Education"), choices=[("", "—")] + Person.Education.choices,
                                  required=False)
    political_status = forms.ChoiceField(label=_("Political status"),
                                         choices=[("", "—")] + Person.PoliticalStatus.choices, required=False)
    entry_date = forms.DateField(label=_("Entry date"), widget=_DATE, validators=[PLANNED])
    employment_type = forms.ChoiceField(label=_("Employment type"), choices=Person.EmploymentType.choices)
    post = forms.ModelChoiceField(label=_("Post"), queryset=Post.objects.select_related("department"))
    rank = forms.CharField(label=_("Rank / grade"), max_length=50, required=False)
    user = forms.ModelChoiceField(label=_("Login account"), queryset=None, required=False)
    establishment_override_reason = forms.CharField(
        label=_("Reason for exceeding the establishment"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only a unit leader may exceed the establishment"))

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        from zhengtong.accounts.models import User

        self.fields["user"].queryset = User.objects.filter(pk__in=[u.pk for u in users])


class PersonEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=50)
    gender = forms.ChoiceField(label=_("Gender"), choices=Person.Gender.choices)
    id_number = forms.CharField(label=_("New ID number"), max_length=20, required=False,
                                help_text=_("Leave empty to keep the number on record"))
    education = forms.ChoiceField(label=_("Education"), choices=[("", "—")] + Person.Education.choices,
                                  required=False)
    political_status = forms.ChoiceField(label=_("Political status"),
                                         choices=[("", "—")] + Person.PoliticalStatus.choices, required=False)
    employment_type = forms.ChoiceField(label=_("Employment type"), choices=Person.EmploymentType.choices)
    user = forms.ModelChoiceField(label=_("Login account"), queryset=None, required=False)

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        from zhengtong.accounts.models import User

        self.fields["user"].queryset = User.objects.filter(pk__in=[u.pk for u in users])


class TransferForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=[c for c in Transfer.Kind.choices if c[0] != "transfer_in"])
    effective_date = forms.DateField(label=_("Effective date"), widget=_DATE, validators=[PLANNED])
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    after_department = forms.ModelChoiceField(label=_("New department (or department seconded to)"),
                                              queryset=Department.objects.all(), required=False)
    after_post = forms.ModelChoiceField(label=_("New post"), queryset=Post.objects.select_related("department"),
                                        required=False)
    after_rank = forms.CharField(label=_("New rank / grade"), max_length=50, required=False,
                                 help_text=_("Leave empty to keep the current rank"))
    end_date = forms.DateField(label=_("End date (secondment)"), required=False, widget=_DATE,
                               validators=[PLANNED])
    other_unit = forms.CharField(label=_("Other unit"), max_length=200, required=False)
    establishment_override_reason = forms.CharField(
        label=_("Reason for exceeding the establishment"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only a unit leader may exceed the establishment"))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    establishment_override_reason = forms.CharField(label=_("Reason for exceeding the establishment"),
                                                    required=False)


class HandoverItemForm(forms.Form):
    label = forms.CharField(label=_("Item to hand over"), max_length=300)
    mandatory = forms.BooleanField(label=_("Mandatory"), required=False, initial=True)


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.CharField(label=_("Code"), max_length=30, required=False)
    parent = forms.ModelChoiceField(label=_("Parent department"), queryset=Department.objects.all(), required=False)
    head = forms.ModelChoiceField(label=_("Department head"), queryset=None, required=False)
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, initial=0, required=False)

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        from zhengtong.accounts.models import User

        self.fields["head"].queryset = User.objects.filter(pk__in=[u.pk for u in users])


class PostForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.all())
    title = forms.CharField(label=_("Post"), max_length=100)
    post_type = forms.ChoiceField(label=_("Post type"), choices=Post.PostType.choices)
    establishment = forms.IntegerField(label=_("Establishment (approved headcount)"), min_value=0, initial=1)


class EstablishmentForm(forms.Form):
    establishment = forms.IntegerField(label=_("Establishment (approved headcount)"), min_value=0)
    reason = forms.CharField(label=_("Basis (e.g. the establishment office's document)"), max_length=300)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Keyword"), required=False)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.all(), required=False)
    post = forms.ModelChoiceField(label=_("Post"), queryset=Post.objects.select_related("department"),
                                  required=False)
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("Active"))] + Person.Status.choices,
                               required=False)
    employment_type = forms.ChoiceField(label=_("Employment type"),
                                        choices=[("", "—")] + Person.EmploymentType.choices, required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", "—")] + Person.Gender.choices, required=False)
    education = forms.ChoiceField(label=_("Education"), choices=[("", "—")] + Person.Education.choices,
                                  required=False)
    political_status = forms.ChoiceField(label=_("Political status"),
                                         choices=[("", "—")] + Person.PoliticalStatus.choices, required=False)
    rank = forms.CharField(label=_("Rank / grade"), required=False)
    entry_from = forms.DateField(label=_("Entered from"), required=False, widget=_DATE)
    entry_to = forms.DateField(label=_("Entered until"), required=False, widget=_DATE)

    def __init__(self, *args, department_ids=None, **kwargs):
        """``department_ids``: the departments the reader may see (None: the whole unit), so the
        filter lists name no department or post outside the reader's tier."""
        super().__init__(*args, **kwargs)
        if department_ids is not None:
            self.fields["department"].queryset = Department.objects.filter(pk__in=department_ids)
            self.fields["post"].queryset = Post.objects.select_related("department").filter(
                department_id__in=department_ids)
