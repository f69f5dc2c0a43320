"""Semester evaluations of places and their responsible people."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from modules.equipment.models import Place
from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, Refused, audited_refusal

from ..models import (
    Evaluation,
    EvaluationItem,
    EvaluationScore,
    Semester,
)
from ..scoring import percent
from .guards import _require, check, evaluation_refusal, is_module_admin


# ============================================================================ semester evaluations
def _require_module_admin(actor) -> None:
    if not is_module_admin(actor):
        raise Refused(_("Only the module's administrators configure the evaluation "
                                 "(只有本模块管理员可以设置考评细则和学期)."))


@audited_refusal("equipment.evaluation.item", object_type="equipment_custody.EvaluationItem")
@transaction.atomic
def evaluation_item_save(*, actor, name: str, max_points: Decimal, guidance: str = "", position: int = 0,
                         active: bool = True, item: EvaluationItem | None = None) -> EvaluationItem:
    _require_module_admin(actor)
    before = None
    if item is None:
        item = EvaluationItem()
    else:
        item = EvaluationItem.objects.select_for_update().get(pk=item.pk)
        before = {"name": item.name, "max_points": item.max_points, "active": item.active}
    item.name, item.max_points, item.guidance, item.position, item.active = name, max_points, guidance, position, active
    item.full_clean()
    item.save()
    audit_record(action="equipment.evaluation.item", actor=actor, obj=item, before=before,
                 after={"name": name, "max_points": max_points, "active": active})
    return item


@audited_refusal("equipment.evaluation.semester", object_type="equipment_custody.Semester")
@transaction.atomic
def semester_create(*, actor, name: str, starts_on: date, ends_on: date) -> Semester:
    _require_module_admin(actor)
    semester = Semester(name=name, starts_on=starts_on, ends_on=ends_on)
    if ends_on <= starts_on:
        raise Invalid(_("A semester ends after it starts (学期结束日期应晚于开始日期)."))
    semester.full_clean()
    semester.save()
    audit_record(action="equipment.evaluation.semester", actor=actor, obj=semester,
                 after={"name": name, "starts_on": starts_on, "ends_on": ends_on})
    return semester


def _totals(evaluation: Evaluation) -> None:
    scores = list(evaluation.scores.all())
    evaluation.points = sum((s.points for s in scores), Decimal("0"))
    evaluation.available = sum((s.max_points for s in scores), Decimal("0"))
    evaluation.percent = percent(evaluation.points, evaluation.available)


@audited_refusal("equipment.evaluation.start", object_type="equipment_custody.Evaluation")
@transaction.atomic
def evaluation_start(*, actor, semester: Semester, place: Place) -> Evaluation:
    """A sheet for one place this semester, with the checklist as it stands now."""
    _require(actor, "equipment_custody.add_evaluation", _("You may not evaluate places (您无权进行考评)."))
    items = list(EvaluationItem.objects.filter(active=True))
    if not items:
        raise Invalid(_("The evaluation checklist is empty: a module admin sets its items first "
                                "(考评细则为空，请模块管理员先设置考评项目)."))
    if Evaluation.objects.filter(semester=semester, place=place).exists():
        raise Invalid(_("%(place)s has already been evaluated in %(semester)s (该场所本学期已有考评).")
                              % {"place": place.name, "semester": semester.name})
    evaluation = Evaluation.objects.create(semester=semester, place=place, responsible_id=place.responsible_id,
                                           evaluator=actor)
    EvaluationScore.objects.bulk_create([
        EvaluationScore(evaluation=evaluation, item=i, item_name=i.name, max_points=i.max_points) for i in items])
    _totals(evaluation)
    evaluation.save(update_fields=["points", "available", "percent"])
    audit_record(action="equipment.evaluation.start", actor=actor, obj=evaluation,
                 after={"semester": semester.name, "place": place.name})
    return evaluation


@audited_refusal("equipment.evaluation.score", object_type="equipment_custody.Evaluation")
@transaction.atomic
def evaluation_score(*, actor, evaluation: Evaluation | int, points: dict[int, Decimal],
                     notes: dict[int, str] | None = None, remarks: str | None = None) -> Evaluation:
    """Score the items of a draft sheet (``points``: score id → points)."""
    evaluation = Evaluation.objects.select_for_update().get(pk=getattr(evaluation, "pk", evaluation))
    check(evaluation_refusal(evaluation, actor, "score"))
    notes = notes or {}
    before = {}
    for score in evaluation.scores.select_for_update():
        if score.pk not in points:
            continue
        value = points[score.pk]
        if value is None or value < 0 or value > score.max_points:
            raise Invalid(_("%(item)s: points must be between 0 and %(max)s (得分应在 0 到 %(max)s 之间).")
                                  % {"item": score.item_name, "max": score.max_points})
        before[score.item_name] = str(score.points)
        score.points = value
        score.note = (notes.get(score.pk) or "")[:200]
        score.save(update_fields=["points", "note"])
    if remarks is not None:
        evaluation.remarks = remarks
    _totals(evaluation)
    evaluation.save(update_fields=["points", "available", "percent", "remarks"])
    audit_record(action="equipment.evaluation.score", actor=actor, obj=evaluation, before=before,
                 after={"points": evaluation.points, "percent": evaluation.percent})
    return evaluation


@audited_refusal("equipment.evaluation.finalise", object_type="equipment_custody.Evaluation")
@transaction.atomic
def evaluation_finalise(*, actor, evaluation: Evaluation | int) -> Evaluation:
    evaluation = Evaluation.objects.select_for_update().select_related("semester", "place").get(
        pk=getattr(evaluation, "pk", evaluation))
    check(evaluation_refusal(evaluation, actor, "finalise"))
    evaluation.status, evaluation.finalised_at = Evaluation.Status.FINAL, timezone.now()
    evaluation.save(update_fields=["status", "finalised_at"])
    audit_record(action="equipment.evaluation.finalise", actor=actor, obj=evaluation,
                 after={"percent": evaluation.percent})
    return evaluation
