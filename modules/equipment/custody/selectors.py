"""Every read of the custody sub-app, filtered by what the user may see.

A role's model-level permission means "all of this unit's rows" (the manager, the custody
officer); everyone else sees what concerns them: the keys they hold, the hand-overs they leave
or receive from, the incidents they are charged in, the evaluations of places they answer for.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.http import Http404

from .declarations import UNIT_ADMIN
from .models import CustodyItem, DamageIncident, Evaluation, HandoverItem, HandoverTask, Semester
from .scoring import Ranked, percent, rank


def _all(user, perm: str) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm(perm)


def _get(qs: QuerySet, pk: int):
    try:
        return qs.get(pk=pk)
    except qs.model.DoesNotExist:
        raise Http404 from None


# ----------------------------------------------------------------------------- custody register
def custody_items(*, user, search: str = "", status: str = "", kind: str = "") -> QuerySet[CustodyItem]:
    qs = CustodyItem.objects.select_related("holder", "place")
    if not _all(user, "equipment_custody.view_custodyitem"):
        qs = qs.filter(holder_id=user.pk) if user.is_authenticated else qs.none()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(system__icontains=search) | Q(place__name__icontains=search)
                       | Q(holder__name__icontains=search))
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("kind", "name", "id")


def custody_item_get(*, user, pk: int) -> CustodyItem:
    return _get(custody_items(user=user), pk)


# ----------------------------------------------------------------------------- hand-over tasks
def handover_tasks(*, user, status: str = "") -> QuerySet[HandoverTask]:
    qs = HandoverTask.objects.select_related("person")
    if not _all(user, "equipment_custody.view_handovertask"):
        if not user.is_authenticated:
            return qs.none()
        qs = qs.filter(Q(person_id=user.pk) | Q(items__new_holder_id=user.pk)).distinct()
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def handover_task_get(*, user, pk: int) -> HandoverTask:
    return _get(handover_tasks(user=user), pk)


def handover_items_to_confirm(*, user) -> QuerySet[HandoverItem]:
    """Items named to ``user`` that they have not confirmed yet (their to-do list)."""
    if not user.is_authenticated:
        return HandoverItem.objects.none()
    return (HandoverItem.objects.filter(new_holder_id=user.pk, confirmed_at__isnull=True, dropped_note="",
                                        task__status=HandoverTask.Status.OPEN)
            .select_related("task").order_by("task__created_at", "id"))


# ----------------------------------------------------------------------------- damage incidents
def damage_incidents(*, user, status: str = "") -> QuerySet[DamageIncident]:
    qs = DamageIncident.objects.select_related("device", "place", "created_by")
    # The unit's leadership approves the apportionment, so it sees the incidents too.
    approver = user.is_authenticated and user.has_role(UNIT_ADMIN)
    if not (_all(user, "equipment_custody.view_damageincident") or approver):
        if not user.is_authenticated:
            return qs.none()
        qs = qs.filter(shares__person_id=user.pk).distinct()
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-occurred_on", "-id")


def damage_incident_get(*, user, pk: int) -> DamageIncident:
    return _get(damage_incidents(user=user), pk)


def training_on_the_day(incident: DamageIncident, people) -> dict[int, bool] | None:
    """For a damaged device whose type requires a training: did each person hold a valid
    certification on the day? (篇五: 教师未经过培训使用电教器材而造成器材损坏，应由教师本人承担经济赔偿 —
    a fact the people establishing the shares weigh.) None when no training is required."""
    from modules.equipment.services import valid_certification

    course = incident.device.device_type.required_course if incident.device_id else None
    if course is None:
        return None
    return {p.pk: valid_certification(user=p, course=course, on=incident.occurred_on) is not None for p in people}


def incident_visible(*, user, incident: DamageIncident) -> bool:
    return damage_incidents(user=user).filter(pk=incident.pk).exists()


# ----------------------------------------------------------------------------- evaluations
def evaluations(*, user, semester: Semester | None = None) -> QuerySet[Evaluation]:
    qs = Evaluation.objects.select_related("semester", "place", "responsible", "evaluator")
    if not _all(user, "equipment_custody.view_evaluation"):
        if not user.is_authenticated:
            return qs.none()
        # Responsible people see their own places' results once final.
        qs = qs.filter(responsible_id=user.pk, status=Evaluation.Status.FINAL)
    if semester is not None:
        qs = qs.filter(semester=semester)
    return qs


def evaluation_get(*, user, pk: int) -> Evaluation:
    return _get(evaluations(user=user), pk)


def semesters_for(*, user) -> QuerySet[Semester]:
    """Semesters to choose from: all for those who see every evaluation; for a responsible
    person, the semesters in which they have a final result (others' calendars tell them nothing)."""
    qs = Semester.objects.order_by("-starts_on", "-id")
    if _all(user, "equipment_custody.view_evaluation"):
        return qs
    return qs.filter(pk__in=evaluations(user=user).values("semester_id"))


def may_see_rankings(user) -> bool:
    return _all(user, "equipment_custody.view_evaluation")


def place_ranking(*, user, semester: Semester) -> list[tuple[Ranked, Evaluation]]:
    """Final evaluations of the semester, best first, competition ranks."""
    evs = {e.pk: e for e in evaluations(user=user, semester=semester).filter(status=Evaluation.Status.FINAL)}
    by_name = sorted(evs.items(), key=lambda kv: kv[1].place.name)  # equal scores: alphabetical
    return [(r, evs[r.key]) for r in rank((pk, e.percent) for pk, e in by_name)]


def person_ranking(*, user, semester: Semester) -> list[tuple[Ranked, object, int]]:
    """Responsible people ranked by their places' points over points available this semester
    (a person answering for several places is judged on all of them together)."""
    totals: dict[int, list] = defaultdict(lambda: [Decimal("0"), Decimal("0"), 0, None])
    for e in evaluations(user=user, semester=semester).filter(status=Evaluation.Status.FINAL):
        t = totals[e.responsible_id]
        t[0] += e.points
        t[1] += e.available
        t[2] += 1
        t[3] = e.responsible
    scored = sorted(((uid, percent(t[0], t[1])) for uid, t in totals.items()),
                    key=lambda kv: (totals[kv[0]][3].get_short_name() or ""))
    return [(r, totals[r.key][3], totals[r.key][2]) for r in rank(scored)]


def trends(*, user, limit: int = 8) -> tuple[list[Semester], list[tuple[object, list[Decimal | None]]]]:
    """The last ``limit`` semesters and, per place, its final score (%) in each (None: not evaluated)."""
    semesters = list(Semester.objects.order_by("-starts_on", "-id")[:limit])[::-1]
    rows: dict[int, tuple[object, dict[int, Decimal]]] = {}
    for e in evaluations(user=user).filter(semester__in=semesters, status=Evaluation.Status.FINAL):
        place, by_sem = rows.setdefault(e.place_id, (e.place, {}))
        by_sem[e.semester_id] = e.percent
    table = [(place, [by_sem.get(s.pk) for s in semesters])
             for place, by_sem in sorted(rows.values(), key=lambda r: r[0].name)]
    return semesters, table


# ----------------------------------------------------------------------------- what a person may do next
def actions_for(user, obj) -> set[str]:
    """The workflow steps ``user`` may take on ``obj`` now (a key, a hand-over task or item, a damage
    incident, an evaluation): those whose guard in services/guards.py has nothing against them.
    The pages offer exactly these; the services check the same guards again when a step is taken."""
    from .services import guards

    def allowed(steps, refusal) -> set[str]:
        return {step for step in steps if refusal(step) is None}

    if isinstance(obj, CustodyItem):
        return allowed(guards.CUSTODY_MOVES, lambda move: guards.custody_move_refusal(obj, user, move))
    if isinstance(obj, HandoverTask):
        return allowed(("refresh", "close"), lambda action: guards.handover_task_refusal(obj, user, action))
    if isinstance(obj, HandoverItem):
        return allowed(("assign", "confirm"), lambda action: guards.handover_item_refusal(obj, user, action))
    if isinstance(obj, DamageIncident):
        steps = set()
        if guards.damage_change_refusal(obj, user) is None:
            steps |= {"edit", "set_shares"} if obj.charges_people else {"edit"}
        if guards.damage_payment_refusal(obj, user) is None:
            steps.add("record_payment")
        return steps
    if isinstance(obj, Evaluation):
        return allowed(("score", "finalise"), lambda action: guards.evaluation_refusal(obj, user, action))
    raise TypeError(f"no workflow for {type(obj).__name__}")
