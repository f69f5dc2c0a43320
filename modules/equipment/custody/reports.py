"""学期考评结果 (semester evaluation results) as a PDF through the platform's reports pipeline:
places ranked by score, then responsible people ranked. Rows come from the same selectors as
the evaluation page, so the PDF holds exactly what the requesting person may see there."""
from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhengtong.reports.content import Column, TableReport

from .models import Semester
from .selectors import person_ranking, place_ranking


class EvaluationParameters(forms.Form):
    semester = forms.ModelChoiceField(label=gettext_lazy("Semester"), queryset=Semester.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["semester"].queryset = Semester.objects.order_by("-starts_on")
        if not self.is_bound and self.fields["semester"].queryset.exists():
            self.initial.setdefault("semester", self.fields["semester"].queryset.first().pk)

    def clean_semester(self):
        return self.cleaned_data["semester"].pk  # the parameters are stored as JSON


def evaluation_results(*, user, params: dict) -> TableReport:
    semester = Semester.objects.get(pk=params["semester"])
    places = place_ranking(user=user, semester=semester)
    people = person_ranking(user=user, semester=semester)

    def rows():
        for r, e in places:
            yield (str(r.rank), e.place.name, e.responsible.get_short_name(), f"{e.points} / {e.available}",
                   f"{e.percent}")
        if people:
            yield ("", _("Responsible people, ranked"), "", "", "")
            for r, person, n in people:
                yield (str(r.rank), _("%(n)s place(s)") % {"n": n}, person.get_short_name(), "", f"{r.score}")

    return TableReport(
        title=_("Semester evaluation results"),
        subtitle=f"{semester.name} · " + _("As of %(date)s") % {"date": timezone.localdate().isoformat()},
        columns=[Column(_("Rank"), 4, "center"), Column(_("Place"), 16), Column(_("Responsible person"), 10),
                 Column(_("Points"), 8, "right"), Column(_("Score (%)"), 6, "right")],
        rows=rows(),
        expected_rows=len(places) + len(people) + 1,
        summary=[(_("Places evaluated"), str(len(places)))],
    )
