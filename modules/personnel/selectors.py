"""Reads of the personnel module, filtered by who is asking.

Access tiers (issue 6, essay 篇七 "分级授权"):
* HR (``personnel.hr``) and the unit leader hold ``personnel.view_person`` for the unit: everyone;
* a department head (Department.head) sees the people of their department and of the
  departments below it, including people seconded into them;
* anyone else sees their own record (Person.user) and history only;
* district HR (``district.hr_bureau``) is not a member of the unit: the unit's pages are
  closed to them (404); they get cross-unit requests and roll-ups from the exchange app.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404

from . import crypto
from .models import Department, Person, PositionHistory, Post, Transfer
from .services import workflow

VIEW_ALL = "personnel.view_person"


def headed_department_ids(user) -> set[int]:
    """The departments ``user`` heads, with every department below them."""
    if not user.is_authenticated:
        return set()
    roots = list(Department.objects.filter(head=user).values_list("pk", flat=True))
    if not roots:
        return set()
    ids, frontier = set(roots), roots
    while frontier:
        frontier = [pk for pk in Department.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
                    if pk not in ids]
        ids.update(frontier)
    return ids


def sees_unit(user) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm(VIEW_ALL)


def people_visible(user) -> QuerySet[Person]:
    qs = Person.objects.select_related("department", "post", "seconded_to_department")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if sees_unit(user):
        return qs
    depts = headed_department_ids(user)
    cond = Q(user=user)
    if depts:
        cond |= Q(department_id__in=depts) | Q(seconded_to_department_id__in=depts)
    return qs.filter(cond)


def person_get(user, pk: int) -> Person:
    try:
        return people_visible(user).get(pk=pk)
    except Person.DoesNotExist:
        raise Http404 from None


def person_can_manage(user, person: Person | None = None) -> bool:
    """Change the record and request moves: HR (never for a read-only seconded-in copy)."""
    if person is not None and person.external:
        return False
    return user.is_authenticated and user.has_perm("personnel.change_person")


def person_can_reveal(user) -> bool:
    return user.is_authenticated and user.has_perm("personnel.reveal_id_number")


def history_of(person: Person) -> QuerySet[PositionHistory]:
    """The timeline, oldest first (carried-over entries from earlier units included)."""
    return person.history.select_related("transfer", "reverses").order_by("start_date", "pk")


def transfers_visible(user) -> QuerySet[Transfer]:
    qs = Transfer.objects.select_related("person", "before_department", "after_department", "before_post",
                                         "after_post")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.has_perm("personnel.view_transfer"):
        return qs
    return qs.filter(person__in=people_visible(user))


def transfer_get(user, pk: int) -> Transfer:
    try:
        return transfers_visible(user).get(pk=pk)
    except Transfer.DoesNotExist:
        raise Http404 from None


def transfer_can_view(user, transfer: Transfer) -> bool:
    return transfers_visible(user).filter(pk=transfer.pk).exists()


# --------------------------------------------------------------------------- what a person may do

def actions_for(user, obj: Person | Transfer) -> set[str]:
    """The steps ``user`` may take on a person (``"move"``: record a new move) or on a move
    (``"checklist"``, ``"tick"``, ``"override_handover"``, ``"reverse"``, ``"end_secondment"``),
    answered by the services' own guards (services/workflow.py): the pages offer exactly what
    the services would do."""
    if isinstance(obj, Person):
        return {"move"} if workflow.can_request_move(obj, user) is None else set()
    guards = {
        "checklist": workflow.can_change_checklist,
        "override_handover": workflow.can_override_handover,
        "reverse": workflow.can_reverse,
        "end_secondment": workflow.can_end_secondment,
    }
    actions = {name for name, guard in guards.items() if guard(obj, user) is None}
    if workflow.may(user, workflow.MANAGE_MOVES, obj) is None:
        actions.add("tick")  # which items: the manual ones not handed over yet (can_tick_item)
    return actions


# --------------------------------------------------------------------------- establishment

@dataclass(frozen=True)
class PostFigures:
    post: Post
    establishment: int
    occupied: int
    reserved: int  # approved moves into the post not yet in effect

    @property
    def vacancy(self) -> int:
        return self.establishment - self.occupied - self.reserved

    @property
    def over(self) -> bool:
        return self.vacancy < 0


def establishment_figures(*, department: Department | None = None) -> list[PostFigures]:
    """Live figures per post: establishment, people holding a place, places promised, vacancy."""
    posts = Post.objects.select_related("department").annotate(
        occupied=Count("people", filter=Q(people__status__in=Person.OCCUPYING), distinct=True))
    if department is not None:
        posts = posts.filter(department=department)
    reserved = dict(
        Transfer.objects.filter(status__in=(Transfer.Status.IN_APPROVAL, Transfer.Status.APPROVED),
                                after_post__isnull=False)
        .exclude(person__post_id=F("after_post_id"))
        .values("after_post_id").annotate(n=Count("pk")).values_list("after_post_id", "n"))
    return [PostFigures(post=p, establishment=p.establishment, occupied=p.occupied, reserved=reserved.get(p.pk, 0))
            for p in posts]


def post_vacancy(post: Post) -> int:
    return next(f for f in establishment_figures(department=post.department) if f.post.pk == post.pk).vacancy


def department_tree() -> list[tuple[Department, int]]:
    """Departments in tree order with their depth (for indented lists)."""
    by_parent: dict[int | None, list[Department]] = {}
    for d in Department.objects.select_related("head").order_by("sort_order", "name"):
        by_parent.setdefault(d.parent_id, []).append(d)
    out: list[tuple[Department, int]] = []

    def walk(parent_id, depth):
        for d in by_parent.get(parent_id, []):
            out.append((d, depth))
            walk(d.pk, depth + 1)

    walk(None, 0)
    return out


# --------------------------------------------------------------------------- search

FILTER_FIELDS = ("department", "post", "status", "employment_type", "gender", "education", "political_status",
                 "rank")
_ID_SUFFIX = re.compile(r"^\d{3}[\dXx]$|^\d{4}$")


def people_search(user, *, q: str = "", filters: dict | None = None,
                  include_inactive: bool = False) -> QuerySet[Person]:
    """Keyword search over name, pinyin initials, department, post and the ID number's last
    four; filters by any listed field. A full 18-character ID finds its holder (HR only)."""
    qs = people_visible(user)
    filters = filters or {}
    q = (q or "").strip()
    if q:
        cond = (Q(name__icontains=q) | Q(name_initials__startswith=q.lower()) | Q(department__name__icontains=q)
                | Q(post__title__icontains=q) | Q(rank__icontains=q))
        if _ID_SUFFIX.match(q):
            cond |= Q(id_number_last4=q.upper())
        if len(q) == 18 and sees_unit(user):
            cond |= Q(id_number_hash=crypto.id_number_hash(crypto.id_number_normalise(q)))
        qs = qs.filter(cond)
    for key in FILTER_FIELDS:
        value = filters.get(key)
        if value in (None, ""):
            continue
        if key == "department":
            qs = qs.filter(Q(department=value) | Q(seconded_to_department=value))
        else:
            qs = qs.filter(**{key: value})
    if filters.get("entry_from"):
        qs = qs.filter(entry_date__gte=filters["entry_from"])
    if filters.get("entry_to"):
        qs = qs.filter(entry_date__lte=filters["entry_to"])
    if not include_inactive and not filters.get("status"):
        qs = qs.filter(status__in=Person.ACTIVE)
    return qs.order_by("name_initials", "name", "pk")


def people_page(user, *, q: str = "", filters: dict | None = None, page: int | str = 1, per_page: int = 50,
                include_inactive: bool = False):
    return Paginator(people_search(user, q=q, filters=filters, include_inactive=include_inactive),
                     per_page).get_page(page)
