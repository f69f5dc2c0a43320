"""Departments, posts and the establishment (编制): creating and changing them, and the
vacancy check every move into a post goes through."""
from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, audited_refusal

from ..models import Department, Person, Post, Transfer
from .common import EstablishmentFull, _require

if TYPE_CHECKING:
    from zhengtong.accounts.models import User


def _department_descendant_ids(root_id: int) -> set[int]:
    ids, frontier = {root_id}, [root_id]
    while frontier:
        frontier = list(Department.objects.filter(parent_id__in=frontier).exclude(pk__in=ids)
                        .values_list("pk", flat=True))
        ids.update(frontier)
    return ids


@audited_refusal("personnel.department_create")
@transaction.atomic
def department_create(*, actor: User, name: str, code: str = "", parent: Department | None = None,
                      head: User | None = None,
                      sort_order: int = 0) -> Department:
    _require(actor, "personnel.add_department")
    dept = Department.objects.create(name=name.strip(), code=code.strip(), parent=parent, head=head,
                                     sort_order=sort_order)
    audit_record(action="personnel.department_create", actor=actor, obj=dept,
                 after={"name": dept.name, "parent": parent.name if parent else None})
    return dept


@audited_refusal("personnel.department_update", obj_arg="department")
@transaction.atomic
def department_update(*, actor: User, department: Department, name: str | None = None, code: str | None = None,
                      parent: Department | None = None, head=None, sort_order: int | None = None,
                      set_parent: bool = False, set_head: bool = False) -> Department:
    _require(actor, "personnel.change_department")
    dept = Department.objects.select_for_update().get(pk=department.pk)
    if set_parent and parent is not None and parent.pk in _department_descendant_ids(dept.pk):
        raise Invalid(_("A department cannot be placed under itself or one of its sub-departments "
                        "(部门不能挂在自身或其下级部门之下)."))
    if name is not None:
        dept.name = name.strip()
    if code is not None:
        dept.code = code.strip()
    if set_parent:
        dept.parent = parent
    if set_head:
        dept.head = head
    if sort_order is not None:
        dept.sort_order = sort_order
    dept.save()
    return dept


@audited_refusal("personnel.post_create")
@transaction.atomic
def post_create(*, actor: User, department: Department, title: str, post_type: str = Post.PostType.MANAGEMENT,
                establishment: int = 1) -> Post:
    _require(actor, "personnel.add_post")
    if establishment < 0:
        raise Invalid(_("The establishment cannot be negative (编制数不能为负)."))
    post = Post.objects.create(department=department, title=title.strip(), post_type=post_type,
                               establishment=establishment)
    audit_record(action="personnel.post_create", actor=actor, obj=post,
                 after={"department": department.name, "title": post.title, "establishment": establishment})
    return post


@audited_refusal("personnel.establishment_set", obj_arg="post")
@transaction.atomic
def post_establishment_set(*, actor: User, post: Post, establishment: int, reason: str) -> Post:
    """Change a post's approved headcount (a decision of the establishment office; reason kept)."""
    _require(actor, "personnel.change_post")
    if establishment < 0:
        raise Invalid(_("The establishment cannot be negative (编制数不能为负)."))
    if not reason.strip():
        raise Invalid(_("Give the basis for the change, e.g. the establishment office's document "
                        "(请填写调整依据，如编办批复文号)."))
    post = Post.objects.select_for_update().get(pk=post.pk)
    before = post.establishment
    post.establishment = establishment
    post.save(update_fields=["establishment"])
    audit_record(action="personnel.establishment_set", actor=actor, obj=post, before={"establishment": before},
                 after={"establishment": establishment}, detail=reason.strip())
    return post


def post_occupants(post: Post) -> int:
    return Person.objects.filter(post=post, status__in=Person.OCCUPYING).count()


def post_reserved(post: Post, *, exclude_transfer_id: int | None = None) -> int:
    """Places promised to approved moves that have not taken effect yet."""
    qs = Transfer.objects.filter(after_post=post, status__in=(Transfer.Status.IN_APPROVAL, Transfer.Status.APPROVED))
    qs = qs.exclude(person__post=post)
    if exclude_transfer_id:
        qs = qs.exclude(pk=exclude_transfer_id)
    return qs.count()


def _check_establishment(*, post: Post | None, person: Person | None, actor: User | None, override_reason: str,
                         transfer_id: int | None = None, count_reserved: bool = True) -> bool:
    """True when the move exceeds the establishment and an override (with reason) lets it through.

    Locks the post row: two moves into the last place of a post are serialised and the
    second one sees the first.
    """
    if post is None or (person is not None and person.post_id == post.pk and person.status in Person.OCCUPYING):
        return False
    post = Post.objects.select_for_update().get(pk=post.pk)
    taken = post_occupants(post) + (post_reserved(post, exclude_transfer_id=transfer_id) if count_reserved else 0)
    vacancy = post.establishment - taken
    if vacancy > 0:
        return False
    if not override_reason.strip():
        raise EstablishmentFull(post, vacancy)
    if actor is not None and not actor.has_perm("personnel.override_establishment"):
        raise EstablishmentFull(post, vacancy)
    return True
