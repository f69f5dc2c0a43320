"""Demo data for the personnel module: for each demo unit a department tree, posts with their
establishment (编制数) and about 25 staff records with valid ID numbers; in the school a
completed internal transfer and a running secondment (both through the approval chain); across
units a transfer from the education bureau to the school waiting for the school's acceptance,
and one from the health commission to the bureau waiting for the district HR bureau.

Called from ``manage.py seed_demo`` after the units, the modules and the demo logins exist.
Idempotent: a unit that already has departments is left as it is, and a cross-unit transfer
between two demo units is issued once. Everything goes through the services, so the audit
trail, the history timelines and the approval records read like real work.
"""
from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from zhengtong.registry.manifest import DemoDistrict

# (department, parent department or None, [(post, post type, establishment)])
ORGANISATION = {
    "jyj": [
        ("局领导", None, [("局长", "leadership", 1), ("副局长", "leadership", 2)]),
        ("局办公室", None, [("办公室主任", "leadership", 1), ("文秘", "management", 4)]),
        ("档案室", "局办公室", [("档案管理员", "management", 1)]),
        ("人事科", None, [("人事专员", "management", 3)]),
        ("基础教育科", None, [("科长", "leadership", 1), ("教研员", "professional", 10)]),
        ("计划财务科", None, [("会计", "management", 3), ("出纳", "management", 1)]),
        ("信息中心", None, [("网络管理员", "professional", 4)]),
    ],
    "syxx": [
        ("校长室", None, [("校长", "leadership", 1), ("副校长", "leadership", 1)]),
        ("办公室", None, [("办公室主任", "leadership", 1), ("人事干事", "management", 2)]),
        ("教务处", None, [("教务主任", "leadership", 1), ("教务干事", "management", 3)]),
        ("语文教研组", "教务处", [("语文教师", "professional", 8)]),
        ("数学教研组", "教务处", [("数学教师", "professional", 7)]),
        ("信息技术中心", None, [("信息中心主任", "leadership", 1), ("信息技术教师", "professional", 3)]),
        ("后勤处", None, [("后勤管理员", "support", 2)]),
    ],
    "wjj": [
        ("委领导", None, [("主任", "leadership", 1), ("副主任", "leadership", 2)]),
        ("委办公室", None, [("文秘", "management", 4)]),
        ("人事科", None, [("人事专员", "management", 2)]),
        ("医政医管科", None, [("科员", "management", 8)]),
        ("疾病预防控制科", None, [("科员", "management", 10)]),
        ("财务科", None, [("会计", "management", 3)]),
    ],
}
# Demo logins who have a staff record: (login, person's name, gender, department, post)
LINKED = {
    "jyj": [("jyj-leader", "邓辉", "male", "局领导", "局长"), ("jyj-hr", "韩梅", "female", "人事科", "人事专员"),
            ("jyj-head", "郑涛", "male", "基础教育科", "科长")],
    "syxx": [("syxx-principal", "袁博", "male", "校长室", "校长"),
             ("syxx-office", "曹宁", "female", "办公室", "办公室主任"),
             ("syxx-hr", "杨柳", "female", "办公室", "人事干事"),
             ("syxx-head", "罗敏", "female", "教务处", "教务主任"),
             ("syxx-eqm", "谢军", "male", "信息技术中心", "信息中心主任"),
             ("syxx-tech", "蒋超", "male", "信息技术中心", "信息技术教师"),
             ("syxx-teacher", "林静", "female", "语文教研组", "语文教师"),
             ("syxx-teacher2", "马明", "male", "数学教研组", "数学教师")],
    "wjj": [("wjj-hr", "田甜", "female", "人事科", "人事专员")],
}
# The department each unit's department head heads (they see its people and those below).
HEADS = {"jyj": ("基础教育科", "jyj-head"), "syxx": ("教务处", "syxx-head")}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
         "秀兰", "霞", "平", "刚", "桂英", "建华", "文", "华", "红", "建国", "晓东", "海燕", "志强", "丹", "鹏", "宇"]
RANKS = {"leadership": ["正科级", "副科级"], "management": ["一级科员", "二级科员", "四级主任科员"],
         "professional": ["中级职称", "副高级职称", "初级职称"], "support": ["技术工三级", "普通工"]}
EDUCATION = ["master", "bachelor", "bachelor", "bachelor", "junior_college"]
POLITICS = ["cpc_member", "cpc_member", "masses", "cyl_member", "democratic_party", "non_partisan"]
UNIT_INDEX = {"jyj": 1, "syxx": 2, "wjj": 3}
STAFF_PER_UNIT = 25
REASON = "工作需要"


def id_number(*, birth: date, male: bool, serial: int) -> str:
    """A valid 18-character 居民身份证号码 (GB 11643): region, birth date, a sequence whose last
    digit is odd for men and even for women, and the ISO 7064 check character."""
    from .crypto import id_number_check_digit

    order = f"{serial % 100:02d}{(serial % 5) * 2 + (1 if male else 0)}"
    first17 = f"110105{birth:%Y%m%d}{order}"
    return first17 + id_number_check_digit(first17)


def seed(district: DemoDistrict) -> None:
    from .models import Department

    units, users = district.units, district.users

    for slug in ("jyj", "syxx", "wjj"):
        with schema_context(units[slug].schema_name):
            if Department.objects.exists():
                continue
            with transaction.atomic():
                _organisation(slug, users)
                if slug == "syxx":
                    _school_moves(users)
    _cross_unit(units, users)


def _hr(slug: str, users: dict):
    return users[f"{slug}-hr"]


def _organisation(slug: str, users: dict) -> None:
    from . import services

    rng = random.Random(20261127 + UNIT_INDEX[slug])
    hr = _hr(slug, users)
    departments, posts = {}, []
    for n, (name, parent, post_specs) in enumerate(ORGANISATION[slug]):
        head_of = HEADS.get(slug)
        head = users[head_of[1]] if head_of and head_of[0] == name else None
        dept = services.department_create(actor=hr, name=name, parent=departments.get(parent), head=head,
                                          code=f"{UNIT_INDEX[slug]}{n + 1:02d}", sort_order=n + 1)
        departments[name] = dept
        for title, kind, establishment in post_specs:
            posts.append(services.post_create(actor=hr, department=dept, title=title, post_type=kind,
                                              establishment=establishment))
    by_key = {(p.department.name, p.title): p for p in posts}
    serial = UNIT_INDEX[slug] * 30
    today = timezone.localdate()
    people = [(name, gender, by_key[(dept, title)], users[login]) for login, name, gender, dept, title in LINKED[slug]]
    # The rest of the staff fill the posts in turn; posts of three or more keep a vacancy, so
    # moves into them need no override.
    count = Counter(p.pk for _n, _g, p, _u in people)
    room = {p.pk: p.establishment - (1 if p.establishment >= 3 else 0) for p in posts}
    while len(people) < STAFF_PER_UNIT:
        added = False
        for post in posts:
            if len(people) < STAFF_PER_UNIT and count[post.pk] < room[post.pk]:
                name = rng.choice(SURNAMES) + rng.choice(GIVEN)
                people.append((name, "male" if rng.random() < 0.5 else "female", post, None))
                count[post.pk] += 1
                added = True
        if not added:
            break
    for name, gender, post, user in people:
        serial += 1
        birth = date(rng.randint(1966, 1998), rng.randint(1, 12), rng.randint(1, 28))
        entry = max(date(birth.year + 23, rng.randint(7, 9), 1), date(2000, 9, 1))
        entry = min(entry, today - timedelta(days=400))
        services.person_create(
            actor=hr, name=name, gender=gender, id_number=id_number(birth=birth, male=gender == "male", serial=serial),
            entry_date=entry, employment_type="institution" if slug == "syxx" else "civil_servant", post=post,
            rank=rng.choice(RANKS[post.post_type]), education=rng.choice(EDUCATION),
            political_status=rng.choice(POLITICS), user=user)


def _approve(transfer, reviewer, leader) -> None:
    """The move's chain: HR review by a second HR officer, then the unit leader."""
    from zhengtong.approvals.models import ApprovalRequest, ApprovalStep
    from zhengtong.approvals.services import approval_decide

    req = ApprovalRequest.objects.get(subject_type="personnel.Transfer", subject_id=transfer.pk)
    for actor, comment in ((reviewer, "材料齐全，符合调配条件。"), (leader, "同意。")):
        step = req.steps.get(status=ApprovalStep.Status.ACTIVE)
        approval_decide(request_id=req.pk, step_id=step.pk, actor=actor, decision="approve", comment=comment)


def _school_moves(users: dict) -> None:
    """A maths teacher moved to the academic affairs office two months ago (in effect), and a
    Chinese teacher seconded to the IT centre for this term (running)."""
    from . import services
    from .models import Department, Person, Post

    hr, reviewer, leader = users["syxx-hr"], users["syxx-office"], users["syxx-principal"]
    today = timezone.localdate()
    unlinked = Person.objects.filter(user__isnull=True)
    mover = unlinked.filter(post__title="数学教师").order_by("pk").first()
    office_post = Post.objects.get(department__name="教务处", title="教务干事")
    moved = services.transfer_request(actor=hr, person=mover, kind="internal", after_post=office_post,
                                      effective_date=today - timedelta(days=60),
                                      reason="教务处缺编，经本人同意调任教务干事")
    _approve(moved, reviewer, leader)
    services.transfer_apply(transfer_id=moved.pk, actor=hr)
    seconded = unlinked.filter(post__title="语文教师").order_by("pk").first()
    it_centre = Department.objects.get(name="信息技术中心")
    loan = services.transfer_request(actor=hr, person=seconded, kind="secondment", after_department=it_centre,
                                     effective_date=today - timedelta(days=20), end_date=today + timedelta(days=100),
                                     reason="智慧校园建设期间借调至信息技术中心协助资源建设")
    _approve(loan, reviewer, leader)
    services.transfer_apply(transfer_id=loan.pk, actor=hr)


def _cross_unit(units: dict, users: dict) -> None:
    """jyj → syxx: issued, waiting for the school's HR to accept. wjj → jyj: wjj asks for the
    district's approval of transfers out (its rule), jyj accepted, waiting for the district HR
    bureau (the district login ``hr@demo.zt`` decides it on the district portal)."""
    from zhengtong.registry.registry import get_module
    from zhengtong.registry.rules import module_rules_update, rules_for

    from .exchange import services as exchange
    from .exchange.models import CrossUnitTransfer
    from .models import Department, Person, Post

    jyj, syxx, wjj = units["jyj"], units["syxx"], units["wjj"]
    today = timezone.localdate()
    if not CrossUnitTransfer.objects.filter(sender=jyj, receiver=syxx).exists():
        with schema_context(jyj.schema_name):
            person = (Person.objects.filter(user__isnull=True, status="in_post", post__title="教研员")
                      .order_by("pk").first())
        exchange.exchange_issue(actor=users["jyj-hr"], sender=jyj, person_id=person.pk, receiver_id=syxx.pk,
                                reason="充实学校教学一线力量，经本人申请调入区第一实验小学任教",
                                effective_date=today + timedelta(days=30))
    if not CrossUnitTransfer.objects.filter(sender=wjj, receiver=jyj).exists():
        manifest = get_module("personnel")
        with schema_context(wjj.schema_name):
            values = {**rules_for(manifest), "district_approval_for_transfer_out": True}
            module_rules_update(manifest=manifest, values=values, actor=users["wjj-admin"])
            person = (Person.objects.filter(user__isnull=True, status="in_post", post__title="文秘")
                      .order_by("pk").first())
        transfer = exchange.exchange_issue(actor=users["wjj-hr"], sender=wjj, person_id=person.pk,
                                           receiver_id=jyj.pk, reason="教育系统卫生健康工作需要，调入区教育局",
                                           effective_date=today + timedelta(days=45))
        with schema_context(jyj.schema_name):
            dept = Department.objects.get(name="局办公室")
            post = Post.objects.get(department=dept, title="文秘")
        exchange.exchange_accept(actor=users["jyj-hr"], receiver=jyj, transfer_id=transfer.pk, department_id=dept.pk,
                                 post_id=post.pk)
