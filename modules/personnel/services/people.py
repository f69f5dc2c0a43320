"""Staff records: creating and changing a person's record, the encrypted ID number, and the
position timeline (PositionHistory) every change of position writes to."""
from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Conflict, Invalid, Refused, audited_refusal
from zhengtong.core.permissions import can

from .. import crypto
from ..models import Department, Person, PositionHistory, Post, Transfer
from .common import PERSON_FIELDS, S, _require, name_initials
from .organisation import _check_establishment

if TYPE_CHECKING:
    from zhengtong.accounts.models import User


def _apply_id_number(person: Person, raw: str) -> None:
    number = crypto.id_number_validate(raw)
    person.id_number_encrypted = crypto.id_number_encrypt(number)
    person.id_number_hash = crypto.id_number_hash(number)
    person.id_number_last4 = number[-4:]
    person.id_number_region = number[:4]
    if person.birth_date is None:
        person.birth_date = crypto.id_number_birth_date(number)
    elif person.birth_date != crypto.id_number_birth_date(number):
        raise Invalid(_("The date of birth does not match the ID number (出生日期与身份证号码不一致)."),
                      code="id_birth_mismatch")


def _save_unique(person: Person) -> None:
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:
        if "personnel_person_active_id_number" in str(exc):
            raise Invalid(_("A person with this ID number is already active in this unit "
                            "(本单位已有该身份证号码的在岗人员档案)."), code="id_duplicate") from None
        raise


def _open_entry(person: Person, *, start_date: date, kind: str, transfer: Transfer | None = None,
                reverses: PositionHistory | None = None, note: str = "", unit_name: str = "") -> PositionHistory:
    """Close the open history entry the day before ``start_date`` and open one with the
    person's current values. The timeline never overlaps and never has a gap."""
    current = PositionHistory.objects.select_for_update().filter(person=person, end_date__isnull=True).first()
    if current is not None:
        if start_date < current.start_date:
            raise Invalid(
                _("The change cannot take effect on %(d)s: the current position started on %(s)s "
                  "(生效日期不能早于当前任职的开始日期).") % {"d": start_date, "s": current.start_date},
                code="history_order")
        current.end_date = start_date - timedelta(days=1)
        current.save(update_fields=["end_date"])
    dept = person.seconded_to_department if person.seconded_to_department_id else None
    return PositionHistory.objects.create(
        person=person, kind=kind, start_date=start_date, department=person.department, post=person.post,
        unit_name=unit_name or _unit_name(),
        department_name=person.department.name if person.department_id else "",
        post_title=person.post.title if person.post_id else "", rank=person.rank, status=person.status,
        transfer=transfer, reverses=reverses,
        note=(note or (_("Seconded to %(d)s") % {"d": dept.name} if dept else ""))[:200])


def _unit_name() -> str:
    """The current unit's name, kept on history entries so they still read right in another unit."""
    from zhengtong.core.tenancy import current_unit

    unit = current_unit()
    return unit.name if unit is not None else ""


@audited_refusal("personnel.person_create")
@transaction.atomic
def person_create(*, actor: User, name: str, gender: str, id_number: str, entry_date: date, employment_type: str,
                  birth_date: date | None = None, department: Department | None = None, post: Post | None = None,
                  rank: str = "", education: str = "", political_status: str = "", user=None,
                  establishment_override_reason: str = "") -> Person:
    """A new staff record, in post from ``entry_date`` (the first history entry)."""
    _require(actor, "personnel.add_person")
    if post is not None and department is None:
        department = post.department
    if post is not None and post.department_id != department.pk:
        raise Invalid(_("The post belongs to another department (岗位不属于所选部门)."))
    person = Person(name=name.strip(), name_initials=name_initials(name.strip()), gender=gender,
                    birth_date=birth_date, entry_date=entry_date, employment_type=employment_type,
                    department=department, post=post, rank=rank.strip(), education=education,
                    political_status=political_status, user=user, status=S.IN_POST)
    _apply_id_number(person, id_number)
    overridden = _check_establishment(post=post, person=None, actor=actor,
                                      override_reason=establishment_override_reason)
    _save_unique(person)
    _open_entry(person, start_date=entry_date, kind=PositionHistory.Kind.ENTRY)
    audit_record(action="personnel.person_create", actor=actor, obj=person,
                 after={"department": department.name if department else None, "post": post.title if post else None,
                        "establishment_override": establishment_override_reason.strip() if overridden else None})
    return person


@audited_refusal("personnel.person_update", obj_arg="person")
@transaction.atomic
def person_update(*, actor: User, person: Person, version: int | None = None, id_number: str | None = None,
                  **fields) -> Person:
    """Personal details only; department, post, rank and status change through transfers."""
    _require(actor, "personnel.change_person", person)
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise Invalid(f"not editable here: {sorted(unknown)}")
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if locked.external:
        raise Invalid(_("This record is kept by the person's own unit and is read-only here "
                        "(该人员档案由其所在单位维护，本单位只读)."))
    if version is not None and locked.version != version:
        raise Conflict(_("This record was changed by someone else after you opened it; reload and try "
                         "again (该档案已被他人修改，请刷新后重试)."))
    for key, value in fields.items():
        setattr(locked, key, value.strip() if isinstance(value, str) else value)
    locked.name_initials = name_initials(locked.name)
    if id_number:
        birth = locked.birth_date
        locked.birth_date = None
        _apply_id_number(locked, id_number)
        if "birth_date" in fields and birth != locked.birth_date:
            raise Invalid(_("The date of birth does not match the ID number (出生日期与身份证号码不一致)."))
        audit_record(action="personnel.id_number_change", actor=actor, obj=locked,
                     after={"id_number": crypto.id_number_mask(crypto.id_number_normalise(id_number))})
    locked.version += 1
    _save_unique(locked)
    return locked


@audited_refusal("personnel.id_number_reveal", obj_arg="person")
def person_reveal_id_number(*, actor: User, person: Person) -> str:
    """The full ID number, for HR only; every reveal is in the audit trail."""
    if not can(actor, "personnel.reveal_id_number", person):
        raise Refused(_("Only HR may see full ID numbers (仅人事干部可查看完整身份证号码)."))
    number = crypto.id_number_decrypt(person.id_number_encrypted)
    audit_record(action="personnel.id_number_reveal", actor=actor, obj=person)
    return number


def id_numbers_rotate(*, rehash: bool = False) -> int:
    """Re-encrypt every ID number of the current unit with the newest key (see crypto.py)."""
    n = 0
    with transaction.atomic():
        for person in Person.objects.select_for_update().only("pk", "id_number_encrypted", "id_number_hash"):
            person.id_number_encrypted = crypto.id_number_reencrypt(person.id_number_encrypted)
            fields = ["id_number_encrypted"]
            if rehash:
                person.id_number_hash = crypto.id_number_hash(crypto.id_number_decrypt(person.id_number_encrypted))
                fields.append("id_number_hash")
            person.save(update_fields=fields)
            n += 1
        audit_record(action="personnel.id_numbers_rotate", actor=None, object_type="personnel.Person",
                     after={"rows": n, "rehash": rehash})
    return n
