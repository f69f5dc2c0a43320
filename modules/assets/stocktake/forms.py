from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Category
from .models import StocktakeLine
from .selectors import unit_people


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_short_name()


class PeopleChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.get_short_name()


class CampaignForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    deadline = forms.DateField(label=_("Counting deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    counters = PeopleChoice(label=_("Counters"), queryset=None, widget=forms.CheckboxSelectMultiple)
    classes = forms.MultipleChoiceField(label=_("Asset classes (empty: all)"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    departments = forms.CharField(label=_("Departments (empty: all; separate with commas)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counters"].queryset = unit_people()
        # The upper levels of the classification: a class covers its subclasses.
        self.fields["classes"].choices = [(c.code, f"{c.code} {c.name}")
                                          for c in Category.objects.filter(parent__parent__isnull=True)]

    def clean_departments(self):
        raw = self.cleaned_data["departments"].replace("，", ",").replace("、", ",")
        return [d.strip() for d in raw.split(",") if d.strip()]


class CountersForm(forms.Form):
    counters = PeopleChoice(label=_("Counters"), queryset=None, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counters"].queryset = unit_people()


class CountForm(forms.Form):
    result = forms.ChoiceField(choices=[c for c in StocktakeLine.Result.choices if c[0] != "pending"])
    actual_location = forms.CharField(required=False, max_length=200)
    actual_custodian = PersonChoice(queryset=None, required=False)
    condition = forms.ChoiceField(choices=[("", "—"), *StocktakeLine.Condition.choices], required=False)
    note = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actual_custodian"].queryset = unit_people()


class SurplusForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    estimated_value = forms.DecimalField(label=_("Estimated value (yuan)"), max_digits=16, decimal_places=2,
                                         min_value=0)
    class_code = forms.ChoiceField(label=_("Class"), required=False)
    spec = forms.CharField(label=_("Model / specification"), required=False, max_length=200)
    location = forms.CharField(label=_("Location"), required=False, max_length=200)
    department = forms.CharField(label=_("Department"), required=False, max_length=100)
    custodian = PersonChoice(label=_("Custodian"), queryset=None, required=False)
    condition = forms.ChoiceField(label=_("Condition"), choices=[("", "—"), *StocktakeLine.Condition.choices],
                                  required=False)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["custodian"].queryset = unit_people()
        self.fields["class_code"].choices = [("", "—"), *((c.code, f"{c.code} {c.name}")
                                                         for c in Category.objects.all())]


class ObjectionForm(forms.Form):
    text = forms.CharField(label=_("Objection"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    line = forms.IntegerField(required=False)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
