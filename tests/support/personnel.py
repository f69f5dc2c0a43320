"""Personnel set-ups for the tests: one unit's departments, posts, HR officers and a leader
(``Org``) and transfers (调配) requested and approved as the pages do; and, for the transfers
between units (调出 → 调入), rows with the SAME ids in two units (written by hand: the services
number rows themselves) and a transfer issued by the sending unit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django_tenants.utils import schema_context

from modules.personnel import services
from modules.personnel.models import Person
from tests.support.factories import DepartmentFactory, PersonFactory, PostFactory
from tests.support.factories.personnel import id_number

HR = "personnel.hr"
LEADER = "personnel.leader"
D0 = date(2026, 3, 1)  # the effective date of the transfers below
ID_NUMBER = "11010519491231002X"  # GB 11643 sample: valid check digit


class Org:
    """Departments, posts and people of one unit, made through the services."""

    def __init__(self, unit, make_user):
        self.unit = unit
        self.hr = make_user(unit, [HR], name="人事甲")
        self.hr2 = make_user(unit, [HR], name="人事乙")
        self.leader = make_user(unit, [LEADER], name="领导")
        self.head = make_user(unit, [], name="科长")
        made_by_hr = {"unit": unit, "actor": self.hr}
        self.office = DepartmentFactory(**made_by_hr, name="办公室", head=self.head)
        self.finance = DepartmentFactory(**made_by_hr, name="财务科")
        self.archive = DepartmentFactory(**made_by_hr, name="档案室", parent=self.office)
        self.clerk = PostFactory(**made_by_hr, department=self.office, title="文秘", establishment=2)
        self.accountant = PostFactory(**made_by_hr, department=self.finance, title="会计", establishment=1)
        self.archivist = PostFactory(**made_by_hr, department=self.archive, title="档案员", establishment=1)

    def person(self, name="张三丰", *, post=None, user=None, entry=date(2020, 1, 1), number=None, **kw) -> Person:
        """A staff record in ``post`` (文秘 unless given), entered by HR."""
        return PersonFactory(unit=self.unit, actor=self.hr, name=name, post=post or self.clerk, user=user,
                             entry_date=entry, id_number=number or id_number(), rank=kw.pop("rank", "一级科员"),
                             **kw)


def transfer_requested(org, person, **kw):
    """HR asks for a transfer of ``person`` (an internal move on D0 unless ``kw`` says otherwise)."""
    kw.setdefault("kind", "internal")
    kw.setdefault("effective_date", D0)
    kw.setdefault("reason", "工作需要")
    with schema_context(org.unit.schema_name):
        return services.transfer_request(actor=org.hr, person=person, **kw)


def transfer_approved(org, transfer):
    """HR review by the second HR officer, then the leader (the requester cannot sign)."""
    from zhengtong.approvals.models import ApprovalRequest, ApprovalStep
    from zhengtong.approvals.services import approval_decide

    with schema_context(org.unit.schema_name):
        req = ApprovalRequest.objects.get(subject_type="personnel.Transfer", subject_id=transfer.pk)
        for actor in (org.hr2, org.leader):
            step = req.steps.get(status=ApprovalStep.Status.ACTIVE)
            approval_decide(request_id=req.pk, step_id=step.pk, actor=actor, decision="approve")
        transfer.refresh_from_db()
    return transfer


# ------------------------------------------------------------------ between units
def person_with_history(unit, *, pk, name, department, post, id_number=ID_NUMBER, history_from=date(2015, 3, 1)):
    """Person ``pk`` in ``unit``, in post since ``history_from`` with two history entries (an
    entry and a promotion on 2020-01-01)."""
    from modules.personnel import crypto
    from modules.personnel.models import PositionHistory

    with schema_context(unit.schema_name):
        person = Person.objects.create(
            pk=pk, name=name, gender="female", birth_date=crypto.id_number_birth_date(id_number),
            id_number_encrypted=crypto.id_number_encrypt(id_number), id_number_hash=crypto.id_number_hash(id_number),
            id_number_last4=id_number[-4:], id_number_region=id_number[:4], entry_date=history_from,
            department=department, post=post, rank="一级科员", employment_type="civil_servant", status="in_post")
        PositionHistory.objects.create(person=person, kind="entry", start_date=history_from,
                                       end_date=date(2019, 12, 31), department=department, post=post,
                                       unit_name=unit.name, department_name=department.name,
                                       post_title=post.title, rank="科员", status="in_post")
        PositionHistory.objects.create(person=person, kind="change", start_date=date(2020, 1, 1),
                                       department=department, post=post, unit_name=unit.name,
                                       department_name=department.name, post_title=post.title,
                                       rank="一级科员", status="in_post", note="晋升一级科员")
    return person


def department_with_post(unit, *, dept_name, post_title, establishment, pk=7001):
    """Department ``pk`` with post ``pk`` (``establishment`` places) in ``unit``."""
    from modules.personnel.models import Department, Post

    with schema_context(unit.schema_name):
        department = Department.objects.create(pk=pk, name=dept_name)
        post = Post.objects.create(pk=pk, department=department, title=post_title, establishment=establishment)
    return department, post


@dataclass
class Exchange:
    """Both sides of a transfer between alpha and beta (the ``exchange`` fixture)."""

    alpha_hr: object
    beta_hr: object
    beta_leader: object
    district_hr: object
    alpha_dept: object
    alpha_post: object
    beta_dept: object
    beta_post: object
    person: object


def transfer_issued(ex, alpha, beta, *, effective=None):
    """Alpha's HR issues the transfer of ``ex.person`` to beta (effective today unless given)."""
    from modules.personnel.exchange.services import exchange_issue

    return exchange_issue(actor=ex.alpha_hr, sender=alpha, person_id=ex.person.pk, receiver_id=beta.pk,
                          reason="工作需要", effective_date=effective or date.today())
