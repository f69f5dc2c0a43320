"""Writes of the personnel module: keyword-only, atomic, audited.

Tracked models (apps.py) get a data.* audit event from a database trigger for every row
change; the services add the business events (request, apply, reverse, override, reveal)
that say *why*. ``actor=None`` means the platform itself (the periodic job).

Cross-unit moves (modules/personnel/exchange) run these services once in each unit's
schema, each inside that schema's transaction: ``person_transfer_out_complete`` in the
sending unit and ``person_receive`` in the receiving one; ``person_history_export`` gives
what travels with the person.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from zhengtong.audit.services import audit_denied, audit_record
from zhengtong.core.permissions import can
from zhengtong.registry import handover as registry_handover

from . import crypto
from .models import Department, HandoverItem, Person, PositionHistory, Post, SecondmentReminder, Transfer

PERSON_FIELDS = ("name", "gender", "birth_date", "education", "political_status", "entry_date", "employment_type",
                 "user")
POSITION_FIELDS = ("department_id", "post_id", "rank", "status", "seconded_to_department_id", "secondment_unit",
                   "secondment_end")
K = Transfer.Kind
S = Person.Status

# What each kind of move may change, and the status it leads to (None: unchanged).
KIND_RULES: dict[str, dict[str, Any]] = {
    K.INTERNAL: {"needs": ("after_department",), "status": S.IN_POST},
    K.PROMOTION: {"needs": ("after_rank",), "status": None},
    K.DEMOTION: {"needs": ("after_rank",), "status": None},
    K.APPOINTMENT: {"needs": ("after_post",), "status": S.IN_POST},
    K.REMOVAL: {"needs": (), "status": None, "clears_post": True},
    K.RETIREMENT: {"needs": (), "status": S.RETIRED},
    K.RESIGNATION: {"needs": (), "status": S.LEFT},
    K.TRANSFER_OUT: {"needs": ("other_unit",), "status": S.LEFT_TRANSFERRED},
    K.TRANSFER_IN: {"needs": (), "status": S.IN_POST},
    K.SECONDMENT: {"needs": ("end_date",), "status": S.SECONDED_OUT},
}
LEAVING_KINDS = (K.RETIREMENT, K.RESIGNATION, K.TRANSFER_OUT)


class EstablishmentFull(ValidationError):
    """The post has no vacancy (超编); an authorised role may override with a reason."""

    def __init__(self, post: Post, vacancy: int):
        super().__init__(
            _("The post %(post)s has no vacancy (establishment %(est)s, vacancy %(vac)s). Only a unit leader "
              "may exceed the establishment, with a written reason (%(post)s 已无空编，超编须由单位领导写明理由).")
            % {"post": str(post), "est": post.establishment, "vac": vacancy}, code="establishment_full")
        self.post = post


class HandoverOpen(ValidationError):
    def __init__(self, items: list[HandoverItem]):
        labels = "; ".join(i.label for i in items[:5])
        super().__init__(
            _("%(n)s mandatory hand-over item(s) are still open: %(items)s. Hand them over first or have a unit "
              "leader complete the move with a written reason (尚有%(n)s项必须交接的事项未完成).")
            % {"n": len(items), "items": labels}, code="handover_open")
        self.items = items


def _require(actor, perm: str, obj=None) -> None:
    if actor is None:
        return  # the platform's own jobs
    if not (can(actor, perm, obj) if obj is not None else actor.has_perm(perm)):
        raise PermissionDenied(_("You may not do this (您无权执行此操作)."))


def name_initials(name: str) -> str:
    """张三丰 → zsf (lower case; non-Chinese characters kept as they are)."""
    return "".join(p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default") if p).lower()[:50]


# --------------------------------------------------------------------------- organisation

def _department_descendant_ids(root_id: int) -> set[int]:
    ids, frontier = {root_id}, [root_id]
    while frontier:
        frontier = list(Department.objects.filter(parent_id__in=frontier).exclude(pk__in=ids)
                        .values_list("pk", flat=True))
        ids.update(frontier)
    return ids


@transaction.atomic
def department_create(*, actor, name: str, code: str = "", parent: Department | None = None, head=None,
                      sort_order: int = 0) -> Department:
    _require(actor, "personnel.add_department")
    dept = Department.objects.create(name=name.strip(), code=code.strip(), parent=parent, head=head,
                                     sort_order=sort_order)
    audit_record(action="personnel.department_create", actor=actor, obj=dept,
                 after={"name": dept.name, "parent": parent.name if parent else None})
    return dept


@transaction.atomic
def department_update(*, actor, department: Department, name: str | None = None, code: str | None = None,
                      parent: Department | None = None, head=None, sort_order: int | None = None,
                      set_parent: bool = False, set_head: bool = False) -> Department:
    _require(actor, "personnel.change_department")
    dept = Department.objects.select_for_update().get(pk=department.pk)
    if set_parent and parent is not None and parent.pk in _department_descendant_ids(dept.pk):
        raise ValidationError(_("A department cannot be placed under itself or one of its sub-departments "
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


@transaction.atomic
def post_create(*, actor, department: Department, title: str, post_type: str = Post.PostType.MANAGEMENT,
                establishment: int = 1) -> Post:
    _require(actor, "personnel.add_post")
    if establishment < 0:
        raise ValidationError(_("The establishment cannot be negative (编制数不能为负)."))
    post = Post.objects.create(department=department, title=title.strip(), post_type=post_type,
                               establishment=establishment)
    audit_record(action="personnel.post_create", actor=actor, obj=post,
                 after={"department": department.name, "title": post.title, "establishment": establishment})
    return post


@transaction.atomic
def post_establishment_set(*, actor, post: Post, establishment: int, reason: str) -> Post:
    """Change a post's approved headcount (a decision of the establishment office; reason kept)."""
    _require(actor, "personnel.change_post")
    if establishment < 0:
        raise ValidationError(_("The establishment cannot be negative (编制数不能为负)."))
    if not reason.strip():
        raise ValidationError(_("Give the basis for the change, e.g. the establishment office's document "
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


def _check_establishment(*, post: Post | None, person: Person | None, actor, override_reason: str,
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


# --------------------------------------------------------------------------- people

def _apply_id_number(person: Person, raw: str) -> None:
    number = crypto.id_number_validate(raw)
    person.id_number_encrypted = crypto.id_number_encrypt(number)
    person.id_number_hash = crypto.id_number_hash(number)
    person.id_number_last4 = number[-4:]
    person.id_number_region = number[:4]
    if person.birth_date is None:
        person.birth_date = crypto.id_number_birth_date(number)
    elif person.birth_date != crypto.id_number_birth_date(number):
        raise ValidationError(_("The date of birth does not match the ID number (出生日期与身份证号码不一致)."),
                              code="id_birth_mismatch")


def _save_unique(person: Person) -> None:
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:
        if "personnel_person_active_id_number" in str(exc):
            raise ValidationError(_("A person with this ID number is already active in this unit "
                                    "(本单位已有该身份证号码的在岗人员档案)."), code="id_duplicate") from None
        raise


def _open_entry(person: Person, *, start_date: date, kind: str, transfer: Transfer | None = None,
                reverses: PositionHistory | None = None, note: str = "", unit_name: str = "") -> PositionHistory:
    """Close the open history entry the day before ``start_date`` and open one with the
    person's current values. The timeline never overlaps and never has a gap."""
    current = PositionHistory.objects.select_for_update().filter(person=person, end_date__isnull=True).first()
    if current is not None:
        if start_date < current.start_date:
            raise ValidationError(
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
    from django.db import connection

    from tenants.models import Unit

    name = getattr(getattr(connection, "tenant", None), "name", "")
    if name or connection.schema_name == "public":
        return name or ""
    # schema_context() sets a FakeTenant without a name: look the unit up (public table).
    return Unit.objects.filter(schema_name=connection.schema_name).values_list("name", flat=True).first() or ""


@transaction.atomic
def person_create(*, actor, name: str, gender: str, id_number: str, entry_date: date, employment_type: str,
                  birth_date: date | None = None, department: Department | None = None, post: Post | None = None,
                  rank: str = "", education: str = "", political_status: str = "", user=None,
                  establishment_override_reason: str = "") -> Person:
    """A new staff record, in post from ``entry_date`` (the first history entry)."""
    _require(actor, "personnel.add_person")
    if post is not None and department is None:
        department = post.department
    if post is not None and post.department_id != department.pk:
        raise ValidationError(_("The post belongs to another department (岗位不属于所选部门)."))
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


@transaction.atomic
def person_update(*, actor, person: Person, version: int | None = None, id_number: str | None = None,
                  **fields) -> Person:
    """Personal details only; department, post, rank and status change through transfers."""
    _require(actor, "personnel.change_person", person)
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise ValidationError(f"not editable here: {sorted(unknown)}")
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if locked.external:
        raise ValidationError(_("This record is kept by the person's own unit and is read-only here "
                                "(该人员档案由其所在单位维护，本单位只读)."))
    if version is not None and locked.version != version:
        raise ValidationError(_("This record was changed by someone else after you opened it; reload and try "
                                "again (该档案已被他人修改，请刷新后重试)."), code="conflict")
    for key, value in fields.items():
        setattr(locked, key, value.strip() if isinstance(value, str) else value)
    locked.name_initials = name_initials(locked.name)
    if id_number:
        birth = locked.birth_date
        locked.birth_date = None
        _apply_id_number(locked, id_number)
        if "birth_date" in fields and birth != locked.birth_date:
            raise ValidationError(_("The date of birth does not match the ID number (出生日期与身份证号码不一致)."))
        audit_record(action="personnel.id_number_change", actor=actor, obj=locked,
                     after={"id_number": crypto.id_number_mask(crypto.id_number_normalise(id_number))})
    locked.version += 1
    _save_unique(locked)
    return locked


def person_reveal_id_number(*, actor, person: Person) -> str:
    """The full ID number, for HR only; every reveal is in the audit trail."""
    if not can(actor, "personnel.reveal_id_number", person):
        audit_denied(action="personnel.id_number_reveal", actor=actor, obj=person)
        raise PermissionDenied(_("Only HR may see full ID numbers (仅人事干部可查看完整身份证号码)."))
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


# --------------------------------------------------------------------------- transfers

def _snapshot(person: Person) -> dict:
    return {f: getattr(person, f) for f in POSITION_FIELDS}


def _after_values(transfer: Transfer) -> dict:
    """The person's position fields once ``transfer`` takes effect."""
    person = transfer.person
    rule = KIND_RULES[transfer.kind]
    values = _snapshot(person)
    if transfer.kind == K.SECONDMENT:
        values.update(status=S.SECONDED_OUT, secondment_end=transfer.end_date,
                      seconded_to_department_id=transfer.after_department_id,
                      secondment_unit=transfer.other_unit)
        return values
    if transfer.after_department_id:
        values["department_id"] = transfer.after_department_id
    if transfer.after_post_id:
        values["post_id"] = transfer.after_post_id
        values["department_id"] = transfer.after_post.department_id
    elif transfer.after_department_id and transfer.after_department_id != person.department_id:
        values["post_id"] = None  # moved to a department without naming a post there
    if rule.get("clears_post"):
        values["post_id"] = None
    # A rank is changed only when the move names another one; the rank a move was recorded
    # with when none was asked (transfer_request fills it in) keeps the person's own.
    if transfer.after_rank and transfer.after_rank != transfer.before_rank:
        values["rank"] = transfer.after_rank
    if transfer.after_status:
        values["status"] = transfer.after_status
    return values


def transfer_check_changes(transfer: Transfer) -> None:
    """Refuse a move that leaves the person exactly as they are now (same department, post,
    rank and status): it would only write a history entry that records no change. Checked
    when the move is recorded and again whenever it goes into approval (a draft or a
    rejected move submitted later, through the approvals pages too)."""
    person = transfer.person
    if _after_values(transfer) == _snapshot(person):
        raise ValidationError(
            _("This move changes nothing: %(name)s already has this department, post and rank. Change at least "
              "one of them (调配前后没有变化，请至少变更部门、岗位或职级中的一项).") % {"name": person.name},
            code="no_change")


@transaction.atomic
def transfer_request(*, actor, person: Person, kind: str, effective_date: date, reason: str,
                     after_department: Department | None = None, after_post: Post | None = None,
                     after_rank: str = "", end_date: date | None = None, other_unit: str = "",
                     establishment_override_reason: str = "", submit: bool = True,
                     exchange_ref: str = "") -> Transfer:
    """Record a move and (``submit``) put it into its type's approval chain."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    _require(actor, "personnel.add_transfer")
    if kind not in KIND_RULES:
        raise ValidationError(f"unknown transfer kind {kind!r}")
    if person.external:
        raise ValidationError(_("This record is kept by the person's own unit and is read-only here "
                                "(该人员档案由其所在单位维护，本单位只读)."))
    # A seconded-out person keeps their place here, but only leaving moves (retirement,
    # resignation, transfer out) make sense before they are back.
    if person.status not in (S.IN_POST, S.SECONDED_OUT) or (person.status == S.SECONDED_OUT
                                                            and kind not in LEAVING_KINDS):
        raise ValidationError(_("%(name)s is %(status)s; this move is not possible now (当前状态不能办理此调配).")
                              % {"name": person.name, "status": person.get_status_display()})
    if Transfer.objects.filter(person=person, status__in=(Transfer.Status.IN_APPROVAL, Transfer.Status.APPROVED)
                               ).exists():
        raise ValidationError(_("%(name)s already has a move in approval or waiting for its effective date "
                                "(该人员已有在办的调配).") % {"name": person.name})
    if after_post is not None and after_department is None:
        after_department = after_post.department
    if after_post is not None and after_post.department_id != after_department.pk:
        raise ValidationError(_("The post belongs to another department (岗位不属于所选部门)."))
    if not reason.strip():
        raise ValidationError(_("Give the reason for the move (请填写调配事由)."))
    supplied = {"after_department": after_department, "after_post": after_post, "after_rank": after_rank.strip(),
                "end_date": end_date, "other_unit": other_unit.strip()}
    for need in KIND_RULES[kind]["needs"]:
        if not supplied[need]:
            raise ValidationError(_("This kind of move needs: %(f)s (缺少必填项).")
                                  % {"f": str(Transfer._meta.get_field(need).verbose_name)})
    if kind == K.SECONDMENT:
        if end_date <= effective_date:
            raise ValidationError(_("A secondment ends after it starts (借调结束日期应晚于开始日期)."))
        if not after_department and not other_unit.strip():
            raise ValidationError(_("Name the department or the other unit of the secondment (请填写借调去向)."))
    current = PositionHistory.objects.filter(person=person, end_date__isnull=True).first()
    if current is not None and effective_date < current.start_date:
        raise ValidationError(_("The effective date cannot be before the current position started (%(s)s) "
                                "(生效日期不能早于当前任职开始日期).") % {"s": current.start_date})
    transfer = Transfer(
        person=person, kind=kind, reason=reason.strip(), effective_date=effective_date, end_date=end_date,
        before_department=person.department, before_post=person.post, before_rank=person.rank,
        before_status=person.status, after_department=after_department, after_post=after_post,
        after_rank=after_rank.strip(), after_status=KIND_RULES[kind]["status"] or "", other_unit=other_unit.strip(),
        requested_by=actor, exchange_ref=exchange_ref,
    )
    # A rank left blank is kept: the move records the person's rank as its rank after, so the
    # move's page, the list and the approvers see it stays (a blank read as "no rank").
    if not transfer.after_rank:
        transfer.after_rank = person.rank
    transfer_check_changes(transfer)
    target_post = after_post if kind != K.SECONDMENT else None
    if _check_establishment(post=target_post, person=person, actor=actor,
                            override_reason=establishment_override_reason):
        transfer.establishment_override_reason = establishment_override_reason.strip()
        transfer.establishment_override_by = actor
    transfer.save()
    audit_record(action="personnel.transfer_request", actor=actor, obj=transfer,
                 after={"kind": kind, "effective_date": effective_date,
                        "establishment_override": transfer.establishment_override_reason or None})
    if transfer.establishment_override_reason:
        audit_record(action="personnel.establishment_override", actor=actor, obj=transfer,
                     detail=transfer.establishment_override_reason,
                     after={"post": str(after_post), "establishment": after_post.establishment})
    if submit:
        from zhengtong.approvals.services import approval_submit

        from .manifest import approval_type_key

        approval_submit(type_key=approval_type_key(kind), subject_id=transfer.pk, actor=actor, reason=reason)
        transfer.refresh_from_db()
    return transfer


@transaction.atomic
def transfer_status_set(*, transfer_id: int, status: str, actor) -> Transfer:
    """Called by the approval handler as the request moves (in the engine's transaction)."""
    transfer = Transfer.objects.select_for_update().get(pk=transfer_id)
    before = transfer.status
    transfer.status = status
    transfer.save(update_fields=["status", "updated_at"])
    if status == Transfer.Status.APPROVED and before != status:
        handover_generate(transfer=transfer)
    return transfer


# --------------------------------------------------------------------------- hand-over

def handover_generate(*, transfer: Transfer) -> list[HandoverItem]:
    """The checklist from every enabled module's provider (idempotent: refreshes it).

    An item a provider no longer reports was handed over in its module (the asset got
    another custodian): it is ticked off here, by the module ("handed over in the module").
    """
    person = transfer.person
    reported = registry_handover.handover_items_for(user_id=person.user_id) if person.user_id else []
    seen = set()
    created = []
    for item in reported:
        key = (item.module, item.kind, item.ref)
        seen.add(key)
        row, is_new = HandoverItem.objects.get_or_create(
            transfer=transfer, module=item.module, kind=item.kind, ref=item.ref,
            defaults={"label": item.label[:300], "mandatory": item.mandatory})
        if not is_new and row.done and row.done_by_id is None:
            # Reported again after the module had let it go: open again.
            row.done, row.done_at, row.note = False, None, ""
            row.save(update_fields=["done", "done_at", "note"])
        if is_new:
            created.append(row)
    for row in HandoverItem.objects.filter(transfer=transfer, done=False).exclude(module=""):
        if (row.module, row.kind, row.ref) not in seen:
            row.done, row.done_at = True, timezone.now()
            row.note = _("Handed over in the module")[:300]
            row.save(update_fields=["done", "done_at", "note"])
    return created


@transaction.atomic
def handover_item_add(*, actor, transfer: Transfer, label: str, mandatory: bool = True) -> HandoverItem:
    _require(actor, "personnel.change_transfer", transfer)
    if transfer.status not in (Transfer.Status.IN_APPROVAL, Transfer.Status.APPROVED):
        raise ValidationError(_("The checklist of a closed move cannot change (调配已办结，交接清单不能再修改)."))
    if not label.strip():
        raise ValidationError(_("Describe the item (请填写交接事项)."))
    item = HandoverItem.objects.create(transfer=transfer, label=label.strip()[:300], mandatory=mandatory)
    return item


@transaction.atomic
def handover_item_done(*, actor, item: HandoverItem, note: str = "") -> HandoverItem:
    """Tick off a manual item. Items from other modules are handed over there (the asset gets a
    new custodian) and tick themselves off when the checklist is refreshed."""
    _require(actor, "personnel.change_transfer", item.transfer)
    item = HandoverItem.objects.select_for_update().get(pk=item.pk)
    if item.module:
        raise ValidationError(_("This item is handed over in its own module (e.g. change the asset's custodian); "
                                "the checklist follows (该事项须在所属模块中办理移交).") )
    if not item.done:
        item.done, item.done_by, item.done_at, item.note = True, actor, timezone.now(), note.strip()[:300]
        item.save(update_fields=["done", "done_by", "done_at", "note"])
    return item


def handover_open_items(transfer: Transfer) -> list[HandoverItem]:
    return list(HandoverItem.objects.filter(transfer=transfer, mandatory=True, done=False))


@transaction.atomic
def transfer_handover_override(*, actor, transfer: Transfer, reason: str) -> Transfer:
    """Let the move complete although mandatory items are open (unit leader, written reason)."""
    if not actor.has_perm("personnel.override_handover"):
        raise PermissionDenied(_("Only a unit leader may complete a move with open hand-over items "
                                 "(仅单位领导可在交接未完成时办结)."))
    if not reason.strip():
        raise ValidationError(_("Give the reason in writing (请写明理由)."))
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    transfer.handover_override_reason = reason.strip()
    transfer.handover_override_by = actor
    transfer.save(update_fields=["handover_override_reason", "handover_override_by", "updated_at"])
    audit_record(action="personnel.handover_override", actor=actor, obj=transfer, detail=reason.strip(),
                 after={"open_items": [i.label for i in handover_open_items(transfer)]})
    return transfer


def _check_handover(transfer: Transfer) -> None:
    handover_generate(transfer=transfer)
    open_items = handover_open_items(transfer)
    if open_items and not transfer.handover_override_reason:
        raise HandoverOpen(open_items)


def _leaves_post(before: dict, after: dict) -> bool:
    return (before["post_id"] is not None and after["post_id"] != before["post_id"]) or (
        before["department_id"] != after["department_id"]) or (
        after["status"] in (S.LEFT, S.LEFT_TRANSFERRED, S.RETIRED, S.SECONDED_OUT))


def _emit_leaving(person: Person, *, reason: str, effective_date: date) -> None:
    registry_handover.emit(registry_handover.PERSON_LEAVING_POST, user_id=person.user_id, person_id=person.pk,
                           person_name=person.name, reason=reason, effective_date=effective_date)


@transaction.atomic
def transfer_apply(*, transfer_id: int, actor=None, today: date | None = None) -> Transfer:
    """Carry out an approved move on (or after) its effective date.

    Refused before the effective date, while mandatory hand-over items are open (unless
    overridden), and when the target post has filled up meanwhile (unless overridden).
    """
    today = today or timezone.localdate()
    transfer = Transfer.objects.select_for_update(of=("self",)).select_related("person", "after_post").get(pk=transfer_id)
    if transfer.status == Transfer.Status.APPLIED:
        return transfer  # idempotent: the job may see it twice
    if transfer.status != Transfer.Status.APPROVED:
        raise ValidationError(_("Only an approved move can take effect (仅已批准的调配可以生效)."))
    if transfer.effective_date > today:
        raise ValidationError(_("This move takes effect on %(d)s, not before (调配自%(d)s起生效).")
                              % {"d": transfer.effective_date})
    person = Person.objects.select_for_update().get(pk=transfer.person_id)
    _check_handover(transfer)
    if transfer.kind != K.SECONDMENT and not transfer.establishment_override_reason:
        _check_establishment(post=transfer.after_post, person=person, actor=None, override_reason="",
                             transfer_id=transfer.pk)
    before = _snapshot(person)
    after = _after_values(transfer)
    for field, value in after.items():
        setattr(person, field, value)
    person.version += 1
    person.save()
    _open_entry(person, start_date=transfer.effective_date, kind=PositionHistory.Kind.CHANGE, transfer=transfer,
                note=transfer.other_unit and f"{transfer.get_kind_display()}: {transfer.other_unit}")
    transfer.status = Transfer.Status.APPLIED
    transfer.applied_at = timezone.now()
    transfer.save(update_fields=["status", "applied_at", "updated_at"])
    audit_record(action="personnel.transfer_apply", actor=actor, obj=transfer, before=before, after=after)
    if _leaves_post(before, after):
        _emit_leaving(person, reason=transfer.get_kind_display(), effective_date=transfer.effective_date)
    return transfer


def transfer_apply_due(*, today: date | None = None) -> dict[str, int]:
    """The periodic job: apply every approved move whose date has come. Each move in its own
    transaction, so one blocked move (open hand-over, full post) does not hold up the rest;
    HR is told once per blocked move and reason."""
    from zhengtong.notifications.services import notify

    today = today or timezone.localdate()
    result = {"applied": 0, "blocked": 0}
    due = Transfer.objects.filter(status=Transfer.Status.APPROVED, effective_date__lte=today).order_by(
        "effective_date", "pk").values_list("pk", flat=True)
    for pk in list(due):
        try:
            transfer_apply(transfer_id=pk, today=today)
            result["applied"] += 1
        except ValidationError as exc:
            result["blocked"] += 1
            transfer = Transfer.objects.select_related("person").get(pk=pk)
            code = getattr(exc, "code", "") or "blocked"
            recipients = [transfer.requested_by_id]
            notify(recipients=recipients, kind="module_warning",
                   title=f"调配未能生效：{transfer.person.name}（{transfer.get_kind_display()}）",
                   title_en=f"Move not in effect yet: {transfer.person.name}",
                   body="; ".join(exc.messages), url=f"/m/personnel/transfers/{pk}/",
                   dedupe_key=f"personnel.blocked.{pk}.{code}")
    return result


@transaction.atomic
def transfer_reverse(*, actor, transfer: Transfer, reason: str, on: date | None = None,
                     establishment_override_reason: str = "") -> Transfer:
    """Undo a move that took effect: a REVERSAL entry restores the values before it, from
    ``on`` (default today). The original entry stays in the history, marked reversed."""
    _require(actor, "personnel.change_transfer", transfer)
    on = on or timezone.localdate()
    transfer = Transfer.objects.select_for_update().get(pk=transfer.pk)
    if transfer.status != Transfer.Status.APPLIED:
        raise ValidationError(_("Only a move in effect can be reversed (仅已生效的调配可以撤销)."))
    if transfer.exchange_ref and transfer.kind in (K.TRANSFER_OUT, K.TRANSFER_IN):
        raise ValidationError(_("A completed move between units is undone by a new move between the units "
                                "(跨单位调动办结后须重新办理调动)."))
    if not reason.strip():
        raise ValidationError(_("Give the reason for the reversal (请填写撤销理由)."))
    person = Person.objects.select_for_update().get(pk=transfer.person_id)
    later = Transfer.objects.filter(person=person, status=Transfer.Status.APPLIED, applied_at__gt=transfer.applied_at)
    if later.exists():
        raise ValidationError(_("A later move of this person is in effect; reverse that one first "
                                "(该人员其后还有已生效的调配，请先撤销后者)."))
    entry = PositionHistory.objects.filter(transfer=transfer, kind=PositionHistory.Kind.CHANGE).first()
    restore = {"department_id": transfer.before_department_id, "post_id": transfer.before_post_id,
               "rank": transfer.before_rank, "status": transfer.before_status or S.IN_POST}
    if transfer.kind == K.SECONDMENT:
        restore.update(seconded_to_department_id=None, secondment_unit="", secondment_end=None)
    overridden = False
    if transfer.before_post_id and restore["status"] in Person.OCCUPYING:
        overridden = _check_establishment(post=transfer.before_post, person=person, actor=actor,
                                          override_reason=establishment_override_reason)
    before = _snapshot(person)
    for field, value in restore.items():
        setattr(person, field, value)
    person.version += 1
    person.save()
    _open_entry(person, start_date=on, kind=PositionHistory.Kind.REVERSAL, transfer=transfer, reverses=entry,
                note=(_("Reversal of: %(k)s") % {"k": transfer.get_kind_display()})[:200])
    transfer.status = Transfer.Status.REVERSED
    transfer.reversed_at = timezone.now()
    transfer.reversal_reason = reason.strip()
    transfer.save(update_fields=["status", "reversed_at", "reversal_reason", "updated_at"])
    audit_record(action="personnel.transfer_reverse", actor=actor, obj=transfer, before=before,
                 after=_snapshot(person), detail=reason.strip())
    if overridden:
        audit_record(action="personnel.establishment_override", actor=actor, obj=transfer,
                     detail=establishment_override_reason.strip())
    return transfer


# --------------------------------------------------------------------------- secondments

@transaction.atomic
def secondment_return(*, transfer_id: int, actor=None, on: date | None = None) -> Transfer:
    """The seconded person is back (on the end date, or earlier when recalled)."""
    transfer = Transfer.objects.select_for_update().get(pk=transfer_id)
    if actor is not None:
        _require(actor, "personnel.change_transfer", transfer)
    if transfer.kind != K.SECONDMENT or transfer.status != Transfer.Status.APPLIED:
        raise ValidationError(_("Only a secondment in effect can end (仅进行中的借调可以结束)."))
    on = on or transfer.end_date
    person = Person.objects.select_for_update().get(pk=transfer.person_id)
    before = _snapshot(person)
    person.status = S.IN_POST
    person.seconded_to_department = None
    person.secondment_unit = ""
    person.secondment_end = None
    person.version += 1
    person.save()
    _open_entry(person, start_date=on + timedelta(days=1) if on == transfer.end_date else on,
                kind=PositionHistory.Kind.RETURN, transfer=transfer)
    transfer.status = Transfer.Status.RETURNED
    transfer.save(update_fields=["status", "updated_at"])
    audit_record(action="personnel.secondment_return", actor=actor, obj=transfer, before=before,
                 after=_snapshot(person))
    return transfer


def secondments_check(*, today: date | None = None) -> dict[str, int]:
    """Daily: remind before a secondment ends (unit rule ``secondment_reminder_days``), bring
    people back the day after it ended, end read-only seconded-in copies. Idempotent."""
    from zhengtong.notifications.services import notify
    from zhengtong.registry.registry import get_module
    from zhengtong.registry.rules import rules_for

    today = today or timezone.localdate()
    days = sorted(set(rules_for(get_module("personnel")).get("secondment_reminder_days") or []))  # nearest first
    result = {"reminded": 0, "returned": 0}
    running = Transfer.objects.filter(kind=K.SECONDMENT, status=Transfer.Status.APPLIED).select_related("person")
    for transfer in running:
        if transfer.end_date < today:
            secondment_return(transfer_id=transfer.pk, on=transfer.end_date)
            result["returned"] += 1
            continue
        left = (transfer.end_date - today).days
        for d in days:
            if left <= d:
                with transaction.atomic():
                    _, is_new = SecondmentReminder.objects.get_or_create(transfer=transfer, days_before=d)
                    if is_new:
                        recipients = {transfer.requested_by_id}
                        if transfer.person.user_id:
                            recipients.add(transfer.person.user_id)
                        dept = transfer.before_department
                        if dept and dept.head_id:
                            recipients.add(dept.head_id)
                        notify(recipients=recipients, kind="deadline_approaching",
                               title=f"借调将于{transfer.end_date}结束：{transfer.person.name}",
                               title_en=f"Secondment of {transfer.person.name} ends on {transfer.end_date}",
                               url=f"/m/personnel/transfers/{transfer.pk}/",
                               dedupe_key=f"personnel.secondment.{transfer.pk}.{d}")
                        result["reminded"] += 1
                break  # only the nearest threshold reached
    for person in Person.objects.filter(external=True, status=S.SECONDED_IN, secondment_end__lt=today):
        person_secondment_in_end(uid=person.uid, on=person.secondment_end + timedelta(days=1))
    return result


# --------------------------------------------------------------------------- cross-unit (called by exchange)

def person_history_export(person: Person) -> list[dict]:
    """The timeline as plain values: it travels with the person to the receiving unit."""
    return [
        {"start_date": e.start_date.isoformat(), "end_date": e.end_date.isoformat() if e.end_date else None,
         "unit_name": e.unit_name, "department_name": e.department_name, "post_title": e.post_title,
         "rank": e.rank, "status": e.status, "kind": e.kind, "note": e.note}
        for e in person.history.order_by("start_date", "pk")
    ]


def person_transfer_out_complete(*, person_id: int, to_unit_name: str, effective_date: date, actor=None,
                                 exchange_ref: str = "", reason: str = "", transfer_id: int | None = None) -> Person:
    """Sending side of a move to another unit: the person becomes "left (transferred)" here.

    With ``transfer_id`` (a transfer_out approved in this unit) that transfer is applied —
    the hand-over checklist must be complete. Without it a transfer_out record is written
    as applied, so the history and reports show the move. Run inside the sending unit's
    schema and transaction; raising rolls the sender back.
    """
    with transaction.atomic():
        if transfer_id is not None:
            transfer = Transfer.objects.select_for_update().get(pk=transfer_id, person_id=person_id)
            if transfer.status not in (Transfer.Status.APPROVED, Transfer.Status.APPLIED):
                raise ValidationError(_("Only an approved move can take effect (仅已批准的调配可以生效)."))
            if transfer.status == Transfer.Status.APPROVED:
                transfer_apply(transfer_id=transfer_id, actor=actor, today=max(effective_date,
                                                                                timezone.localdate()))
            return Person.objects.get(pk=person_id)
        person = Person.objects.select_for_update().get(pk=person_id)
        if person.status == S.LEFT_TRANSFERRED:
            return person  # idempotent: a retried step
        if person.status not in (S.IN_POST, S.SECONDED_OUT) or person.external:
            raise ValidationError(_("%(name)s is not active in this unit (该人员不在本单位在岗).") % {"name": person.name})
        transfer = Transfer.objects.create(
            person=person, kind=K.TRANSFER_OUT, status=Transfer.Status.APPROVED,
            reason=reason or _("Transfer to %(u)s") % {"u": to_unit_name}, effective_date=effective_date,
            before_department=person.department, before_post=person.post, before_rank=person.rank,
            before_status=person.status, after_status=S.LEFT_TRANSFERRED, other_unit=to_unit_name,
            requested_by=actor or _system_user(), exchange_ref=exchange_ref)
        transfer_apply(transfer_id=transfer.pk, actor=actor, today=max(effective_date, timezone.localdate()))
        return Person.objects.get(pk=person_id)


def _system_user():
    from zhengtong.accounts.models import User

    return User.objects.filter(is_system=True).order_by("pk").first()


@transaction.atomic
def person_receive(*, actor, uid, name: str, gender: str, id_number: str, birth_date: date | None,
                   entry_date: date, employment_type: str, effective_date: date, from_unit_name: str,
                   department: Department | None = None, post: Post | None = None, rank: str = "",
                   education: str = "", political_status: str = "", user=None, history: list[dict] = (),
                   exchange_ref: str = "", establishment_override_reason: str = "") -> Person:
    """Receiving side: the person arrives "in post" with their earlier history carried over
    (read-only entries) and a transfer_in record. Idempotent on (uid, exchange_ref)."""
    existing = Person.objects.filter(uid=uid, status__in=Person.ACTIVE, external=False).first()
    if existing is not None:
        return existing
    if post is not None and department is None:
        department = post.department
    person = Person(uid=uid, name=name.strip(), name_initials=name_initials(name.strip()), gender=gender,
                    birth_date=birth_date, entry_date=entry_date, employment_type=employment_type,
                    department=department, post=post, rank=rank, education=education,
                    political_status=political_status, user=user, status=S.IN_POST)
    _apply_id_number(person, id_number)
    overridden = _check_establishment(post=post, person=None, actor=actor,
                                      override_reason=establishment_override_reason)
    # Someone who left this unit earlier and comes back gets a new record; the old one stays
    # as it was (one *active* record per ID number, see the model's constraint).
    _save_unique(person)
    for e in history:
        if e.get("status") == S.LEFT_TRANSFERRED and not e.get("end_date"):
            continue  # the sender's "left (transferred)" line: here the move itself stands for it
        PositionHistory.objects.create(
            person=person, kind=PositionHistory.Kind.CARRIED, start_date=date.fromisoformat(e["start_date"]),
            end_date=date.fromisoformat(e["end_date"]) if e.get("end_date") else effective_date - timedelta(days=1),
            unit_name=e.get("unit_name", ""), department_name=e.get("department_name", ""),
            post_title=e.get("post_title", ""), rank=e.get("rank", ""),
            status=e.get("status") or S.IN_POST,
            note=e.get("note", "")[:200])
    transfer = Transfer.objects.create(
        person=person, kind=K.TRANSFER_IN, status=Transfer.Status.APPLIED, applied_at=timezone.now(),
        reason=_("Transfer from %(u)s") % {"u": from_unit_name}, effective_date=effective_date,
        after_department=department, after_post=post, after_rank=rank, after_status=S.IN_POST,
        other_unit=from_unit_name, requested_by=actor or _system_user(), exchange_ref=exchange_ref,
        establishment_override_reason=establishment_override_reason.strip() if overridden else "",
        establishment_override_by=actor if overridden else None)
    _open_entry(person, start_date=effective_date, kind=PositionHistory.Kind.CHANGE, transfer=transfer,
                note=f"{transfer.get_kind_display()}: {from_unit_name}")
    audit_record(action="personnel.person_receive", actor=actor, obj=person,
                 after={"from": from_unit_name, "exchange_ref": exchange_ref,
                        "establishment_override": transfer.establishment_override_reason or None})
    return person


@transaction.atomic
def person_secondment_in_record(*, actor, uid, name: str, gender: str, id_number: str, birth_date: date | None,
                                employment_type: str, from_unit_name: str, start_date: date, end_date: date,
                                department: Department | None = None, rank: str = "", user=None) -> Person:
    """A read-only copy of a person seconded in from another unit (their unit keeps the
    record). Listed here as "seconded in"; ends with person_secondment_in_end."""
    existing = Person.objects.filter(uid=uid, external=True, status=S.SECONDED_IN).first()
    if existing is not None:
        return existing
    person = Person(uid=uid, name=name.strip(), name_initials=name_initials(name.strip()), gender=gender,
                    birth_date=birth_date, entry_date=start_date, employment_type=employment_type,
                    department=department, rank=rank, user=user, status=S.SECONDED_IN, external=True,
                    secondment_unit=from_unit_name, secondment_end=end_date)
    _apply_id_number(person, id_number)
    _save_unique(person)
    _open_entry(person, start_date=start_date, kind=PositionHistory.Kind.ENTRY,
                note=(_("Seconded in from %(u)s") % {"u": from_unit_name})[:200])
    audit_record(action="personnel.secondment_in", actor=actor, obj=person,
                 after={"from": from_unit_name, "end": end_date})
    return person


@transaction.atomic
def person_secondment_in_end(*, uid, on: date, actor=None) -> Person | None:
    person = Person.objects.select_for_update().filter(uid=uid, external=True, status=S.SECONDED_IN).first()
    if person is None:
        return None
    person.status = S.LEFT
    person.version += 1
    person.save()
    _open_entry(person, start_date=on, kind=PositionHistory.Kind.RETURN,
                note=(_("Returned to %(u)s") % {"u": person.secondment_unit})[:200])
    audit_record(action="personnel.secondment_in_end", actor=actor, obj=person)
    return person
