"""Forms of the inspection pages. They only shape input; every rule is in the services."""
from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .indicators import FIELD_LABELS, FILING_FIELDS
from .models import (
    ChangeRequest,
    EnforcementMeasure,
    InspectedEntity,
    InspectionCase,
    Payment,
    RegulationArticle,
    ReviewDecision,
    WorkingPaper,
)

# ISO format whatever the language: a date input only understands 2024-03-31.
DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
AMOUNT = {"max_digits": 16, "decimal_places": 2, "min_value": Decimal("0")}


class EntityForm(forms.ModelForm):
    class Meta:
        model = InspectedEntity
        fields = ["name", "credit_code", "industry_code", "industry_name", "tax_office", "size", "is_key_taxpayer"]


FIGURE_HELP = {
    "revenue": _("Leave empty if not reported."),
    "cost_expense_total": _("Cost of sales + taxes and surcharges + selling, administrative and financial expenses."),
    "tax_payable": _("Tax declared for the period (the tax burden rate is on it)."),
    "previous_revenue": _("Only when the previous period was not filed here; a filed previous period is used "
                          "first."),
}


class FilingForm(forms.Form):
    period = forms.CharField(label=_("period"), max_length=6, help_text=_("A year (2024) or a quarter (2024Q3)."))
    filed_on = forms.DateField(label=_("filed on"), required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from zhengtong.registry.registry import localized

        for key in FILING_FIELDS:
            zh, en = FIELD_LABELS[key]
            self.fields[key] = forms.DecimalField(label=localized(zh, en), required=False, max_digits=16,
                                                  decimal_places=2, help_text=FIGURE_HELP.get(key, ""))


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Spreadsheet (.xlsx or .csv)"))


class BenchmarkComputeForm(forms.Form):
    industry_code = forms.CharField(label=_("industry code"), max_length=5,
                                    help_text=_("The code and every code below it, e.g. F51 or F5137."))
    period = forms.CharField(label=_("period"), max_length=6)


class RegulationForm(forms.ModelForm):
    class Meta:
        model = RegulationArticle
        fields = ["law_name", "doc_number", "article_no", "title", "text", "effective_from", "effective_to"]
        widgets = {"effective_from": DATE, "effective_to": DATE}


class ManualCaseForm(forms.Form):
    entity = forms.ModelChoiceField(label=_("taxpayer"), queryset=InspectedEntity.objects.none())
    kind = forms.ChoiceField(label=_("kind of manual selection"), choices=InspectionCase.ManualKind.choices)
    reason = forms.CharField(label=_("grounds for selection"), widget=forms.Textarea(attrs={"rows": 4}),
                             help_text=_("Why this taxpayer is inspected although the ranking did not select it."))
    period = forms.CharField(label=_("period"), max_length=6, required=False,
                             help_text=_("Optional: the filing period concerned."))

    def __init__(self, *args, entities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if entities is not None:
            self.fields["entity"].queryset = entities


class AssignForm(forms.Form):
    users = forms.MultipleChoiceField(label=_("People"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users"].choices = [(str(u.pk), u.get_short_name()) for u in candidates]


class DeclareForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label=_("Conflict of interest"), coerce=lambda v: v == "yes", widget=forms.RadioSelect,
        choices=[("no", _("I have no conflict of interest with this taxpayer")),
                 ("yes", _("I have a conflict of interest (I withdraw from the case)"))])
    note = forms.CharField(label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PaperForm(forms.ModelForm):
    class Meta:
        model = WorkingPaper
        fields = ["title", "content"]
        widgets = {"content": forms.Textarea(attrs={"rows": 4})}


class EvidenceForm(forms.Form):
    paper = forms.ModelChoiceField(label=_("working paper"), queryset=WorkingPaper.objects.none())
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 2}))
    obtained_how = forms.CharField(label=_("how obtained"), required=False, max_length=200)
    obtained_on = forms.DateField(label=_("obtained on"), required=False, widget=DATE)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["paper"].queryset = case.papers.all()


class FindingForm(forms.Form):
    description = forms.CharField(label=_("finding"), widget=forms.Textarea(attrs={"rows": 3}))
    paper = forms.ModelChoiceField(label=_("working paper"), queryset=WorkingPaper.objects.none(), required=False)
    articles = forms.ModelMultipleChoiceField(label=_("articles cited"), queryset=RegulationArticle.objects.all(),
                                              required=False, widget=forms.SelectMultiple(attrs={"size": 4}))
    tax_amount = forms.DecimalField(label=_("tax"), initial=Decimal("0.00"), **AMOUNT)
    late_fee_amount = forms.DecimalField(label=_("late fees"), initial=Decimal("0.00"), **AMOUNT)
    penalty_amount = forms.DecimalField(label=_("penalty"), initial=Decimal("0.00"), **AMOUNT)

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["paper"].queryset = case.papers.all()


class ReportForm(forms.Form):
    summary = forms.CharField(label=_("Inspection report"), widget=forms.Textarea(attrs={"rows": 5}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason given"), widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(label=_("decision"), choices=ReviewDecision.Kind.choices)
    opinion = forms.CharField(label=_("review opinion"), widget=forms.Textarea(attrs={"rows": 4}))
    tax_amount = forms.DecimalField(label=_("tax"), **AMOUNT)
    late_fee_amount = forms.DecimalField(label=_("late fees"), **AMOUNT)
    penalty_amount = forms.DecimalField(label=_("penalty"), **AMOUNT)


class PaymentForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=Payment.Kind.choices)
    amount = forms.DecimalField(label=_("amount"), **AMOUNT)
    received_on = forms.DateField(label=_("received on"), widget=DATE)
    reference = forms.CharField(label=_("receipt number"), required=False, max_length=60)


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("measure"), choices=EnforcementMeasure.Kind.choices)
    started_on = forms.DateField(label=_("from"), widget=DATE)
    ended_on = forms.DateField(label=_("until"), required=False, widget=DATE)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("outcome"), choices=[
        (InspectionCase.Outcome.SETTLED, InspectionCase.Outcome.SETTLED.label),
        (InspectionCase.Outcome.WRITTEN_OFF, InspectionCase.Outcome.WRITTEN_OFF.label)])
    note = forms.CharField(label=_("closing note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ChangeRequestForm(forms.Form):
    """A correction of submitted data: the new values and why."""

    target = forms.ChoiceField(label=_("what"), choices=ChangeRequest.Target.choices)
    target_id = forms.IntegerField(widget=forms.HiddenInput)
    description = forms.CharField(label=_("finding"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    tax_amount = forms.DecimalField(label=_("tax"), required=False, **AMOUNT)
    late_fee_amount = forms.DecimalField(label=_("late fees"), required=False, **AMOUNT)
    penalty_amount = forms.DecimalField(label=_("penalty"), required=False, **AMOUNT)
    reason = forms.CharField(label=_("reason for the change"), widget=forms.Textarea(attrs={"rows": 2}))


class ChangeDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(coerce=lambda v: v == "yes", choices=[("yes", _("Approve")), ("no", _("Reject"))])
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
