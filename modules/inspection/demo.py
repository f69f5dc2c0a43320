"""Demo data for the inspection module: the district tax inspection bureau (区税务局稽查局,
slug "jcj") with one person per role, a small taxpayer register with two years of filings,
computed benchmarks, a few regulation articles and cases at different stages.

Called from ``manage.py seed_demo``. Idempotent: a unit that already has taxpayers is left
as it is. Everything goes through the services, so the demo's audit trail and case
timelines read like real work.
"""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from django_tenants.utils import schema_context

from zhengtong.registry.manifest import DemoDistrict

SLUG, NAME = "jcj", "区税务局稽查局"
CREDIT17 = "11110105MB0000007"
PEOPLE = [
    ("jcj-admin", "稽查局管理员 马骏", ["platform.unit_admin", "inspection.module_admin"]),
    ("jcj-selector", "选案科 林晓", ["inspection.selector"]),
    ("jcj-inspector1", "检查一科 高远", ["inspection.inspector"]),
    ("jcj-inspector2", "检查一科 唐宁", ["inspection.inspector"]),
    ("jcj-inspector3", "检查二科 许诺", ["inspection.inspector"]),
    ("jcj-reviewer", "审理科 严正", ["inspection.reviewer"]),
    ("jcj-executor", "执行科 程果", ["inspection.executor"]),
    ("jcj-chief", "稽查局长 方正", ["inspection.supervisor"]),
]
# (industry code, industry name, taxpayer names)
INDUSTRIES = [
    ("F5137", "计算机、软件及辅助设备批发", ["华信电脑", "联创科技", "汇智数码", "恒远电子", "博达信息", "新锐网络"]),
    ("E4701", "住宅房屋建筑", ["宏基建设", "安居建工", "鼎盛建筑", "城建六公司"]),
    ("H6210", "正餐服务", ["福满楼餐饮", "湘味轩", "老北京涮肉"]),
]
ARTICLES = [
    ("中华人民共和国税收征收管理法", "第三十二条", "滞纳金",
     "纳税人未按照规定期限缴纳税款的，扣缴义务人未按照规定期限解缴税款的，税务机关除责令限期缴纳外，从滞纳税款之日起，"
     "按日加收滞纳税款万分之五的滞纳金。", date(2001, 5, 1)),
    ("中华人民共和国税收征收管理法", "第六十三条", "偷税的认定与处罚",
     "纳税人伪造、变造、隐匿、擅自销毁帐簿、记帐凭证，或者在帐簿上多列支出或者不列、少列收入，或者经税务机关通知申报而"
     "拒不申报或者进行虚假的纳税申报，不缴或者少缴应纳税款的，是偷税。对纳税人偷税的，由税务机关追缴其不缴或者少缴的税款、"
     "滞纳金，并处不缴或者少缴的税款百分之五十以上五倍以下的罚款。", date(2001, 5, 1)),
    ("中华人民共和国税收征收管理法", "第六十四条", "编造虚假计税依据",
     "纳税人、扣缴义务人编造虚假计税依据的，由税务机关责令限期改正，并处五万元以下的罚款。", date(2001, 5, 1)),
    ("中华人民共和国税收征收管理法", "第四十条", "强制执行措施",
     "从事生产、经营的纳税人、扣缴义务人未按照规定的期限缴纳或者解缴税款，纳税担保人未按照规定的期限缴纳所担保的税款，"
     "由税务机关责令限期缴纳，逾期仍未缴纳的，经县以上税务局（分局）局长批准，税务机关可以采取强制执行措施。",
     date(2001, 5, 1)),
    ("中华人民共和国增值税暂行条例", "第十九条", "纳税义务发生时间",
     "增值税纳税义务发生时间：发生应税销售行为，为收讫销售款项或者取得索取销售款项凭据的当天；先开具发票的，为开具发票的当天。",
     date(2017, 11, 19)),
]


def _credit(n: int) -> str:
    from tenants.validators import credit_code_check_char

    first17 = f"91110105MA{n:07d}"
    return first17 + credit_code_check_char(first17)


def _figures(rng: random.Random, scale: int, *, tax_rate: str, margin: str) -> dict[str, Decimal]:
    revenue = Decimal(scale * rng.randint(80, 120)) * 1000
    cost = (revenue * (1 - Decimal(margin))).quantize(Decimal("0.01"))
    inv_open = (cost / Decimal(rng.randint(6, 9))).quantize(Decimal("0.01"))
    inv_close = (inv_open * Decimal(rng.randint(90, 110)) / 100).quantize(Decimal("0.01"))
    rec_open = (revenue / Decimal(rng.randint(8, 12))).quantize(Decimal("0.01"))
    tax = (revenue * Decimal(tax_rate)).quantize(Decimal("0.01"))
    profit = (revenue * Decimal(margin) / 3).quantize(Decimal("0.01"))
    return {
        "revenue": revenue, "cost_of_sales": cost, "tax_payable": tax, "taxes_paid": tax, "total_profit": profit,
        # what the revenue did not leave as profit: cost of sales, taxes and surcharges, expenses
        "cost_expense_total": revenue - profit,
        "inventory_opening": inv_open, "inventory_closing": inv_close,
        "purchases": (cost * Decimal(rng.randint(95, 105)) / 100).quantize(Decimal("0.01")),
        "receivables_opening": rec_open, "receivables_closing": (rec_open * Decimal("1.05")).quantize(Decimal("0.01")),
        "current_assets": (revenue * Decimal("0.6")).quantize(Decimal("0.01")),
        "current_liabilities": (revenue * Decimal("0.4")).quantize(Decimal("0.01")), "cash": (revenue / 8).quantize(
            Decimal("0.01")),
    }


def seed(district: DemoDistrict) -> None:
    """The bureau is a unit of its own (区税务局稽查局, slug jcj) with its own people; it prints their logins."""
    from tenants.models import Unit
    from tenants.services import unit_onboard
    from zhengtong.accounts.models import User
    from zhengtong.accounts.services import member_roles_set
    from zhengtong.core.hosts import unit_url

    from .models import InspectedEntity

    password, stdout = district.password, district.stdout

    unit = Unit.objects.filter(slug=SLUG).first()
    if unit is None:
        from tenants.validators import credit_code_check_char

        unit = unit_onboard(name=NAME, slug=SLUG, unit_type="bureau",
                            credit_code=CREDIT17 + credit_code_check_char(CREDIT17), module_keys=["inspection"],
                            actor=None, check_actor=False, send_invite=False).unit
    users = {}
    for local, name, roles in PEOPLE:
        email = f"{local}@demo.zt"
        user = User.objects.filter(email=email).first() or User.objects.create_user(email=email, password=password,
                                                                                   name=name)
        member_roles_set(unit=unit, user=user, role_keys=roles, actor=None, enforce_grantor=False)
        users[local] = user
    with schema_context(unit.schema_name):
        if not InspectedEntity.objects.exists():
            _data(users)
    if stdout is not None:
        stdout.write(f"  {NAME}（税务稽查）: {unit_url(unit)}")
        for local, _name, roles in PEOPLE:
            stdout.write(f"  {local + '@demo.zt':<26} jcj: {'+'.join(roles)}")
        stdout.write("=" * 72)


def _data(users) -> None:
    from . import services

    rng = random.Random(20261127)
    sel, chief = users["jcj-selector"], users["jcj-chief"]
    i1, i2, i3 = users["jcj-inspector1"], users["jcj-inspector2"], users["jcj-inspector3"]
    reviewer, executor = users["jcj-reviewer"], users["jcj-executor"]
    n = 100
    entities = {}
    for code, industry, names in INDUSTRIES:
        margin = {"F": "0.18", "E": "0.12", "H": "0.45"}[code[0]]
        tax_rate = {"F": "0.028", "E": "0.035", "H": "0.045"}[code[0]]
        for k, short in enumerate(names):
            n += 1
            e = services.entity_register(actor=sel, name=f"{short}有限公司", credit_code=_credit(n), industry_code=code,
                                         industry_name=industry, tax_office=rng.choice(["第一税务所", "第二税务所"]),
                                         size=rng.choice(["medium", "small", "micro"]), is_key_taxpayer=(k == 0))
            entities[short] = e
            for period in ("2023", "2024"):
                figures = _figures(rng, 10 if code[0] != "E" else 40, tax_rate=tax_rate, margin=margin)
                services.filing_save(actor=sel, entity=e, period=period, filed_on=date(int(period) + 1, 4, 30),
                                     **figures)
    # Three that stand out in 2024: low tax, purchases far above sales, revenue collapse.
    _tweak(sel, entities["恒远电子"], tax_payable=Decimal("2600.00"), taxes_paid=Decimal("2600.00"))
    _tweak(sel, entities["博达信息"], purchases=Decimal("2100000.00"))
    _tweak(sel, entities["湘味轩"], revenue=Decimal("300000.00"), tax_payable=Decimal("0.00"),
           taxes_paid=Decimal("0.00"))
    _tweak(sel, entities["鼎盛建筑"], tax_payable=Decimal("30000.00"), taxes_paid=Decimal("30000.00"),
           total_profit=Decimal("-120000.00"))
    for code, _industry, _names in INDUSTRIES:
        services.benchmark_compute(actor=sel, industry_code=code, period="2024")
    articles = [services.regulation_add(actor=reviewer, law_name=law, article_no=no, title=title, text=text,
                                        effective_from=since) for law, no, title, text, since in ARTICLES]
    ranking = {c.entity.name: c for c in _ranking()}
    # 1. closed: selected, inspected by two, reviewed, paid, closed
    c1 = services.case_select(actor=sel, entity=entities["恒远电子"], period="2024")
    _to_review(c1, chief, i1, i2, reviewer, articles, tax="28000.00", late="1960.00", penalty="14000.00")
    services.review_decide(actor=reviewer, case=c1, kind="tax_and_penalty", opinion="事实清楚，证据确凿，定性准确。",
                           tax_amount=Decimal("28000.00"), late_fee_amount=Decimal("1960.00"),
                           penalty_amount=Decimal("14000.00"))
    services.case_assign(actor=chief, case=c1, role="executor", users=[executor])
    services.conflict_declare(actor=executor, case=c1, has_conflict=False)
    today = timezone.localdate()
    for kind, amount in (("tax", "28000.00"), ("late_fee", "1960.00"), ("penalty", "14000.00")):
        services.payment_record(actor=executor, case=c1, kind=kind, amount=Decimal(amount), received_on=today,
                                reference=f"电子缴款书{rng.randint(100000, 999999)}")
    services.case_close(actor=executor, case=c1, outcome="settled", note="税款、滞纳金、罚款已全部入库。")
    # 2. execution with an enforcement measure and part paid
    c2 = services.case_select(actor=sel, entity=entities["湘味轩"], period="2024")
    _to_review(c2, chief, i2, i3, reviewer, articles, tax="54000.00", late="3200.00", penalty="27000.00")
    services.review_decide(actor=reviewer, case=c2, kind="tax_and_penalty", opinion="隐匿收入，少缴税款。",
                           tax_amount=Decimal("54000.00"), late_fee_amount=Decimal("3200.00"),
                           penalty_amount=Decimal("27000.00"))
    services.case_assign(actor=chief, case=c2, role="executor", users=[executor])
    services.conflict_declare(actor=executor, case=c2, has_conflict=False)
    services.payment_record(actor=executor, case=c2, kind="tax", amount=Decimal("30000.00"), received_on=today)
    services.measure_record(actor=executor, case=c2, kind="freeze", started_on=today,
                            note="冻结基本存款账户存款24000元")
    # 3. under review
    c3 = services.case_select(actor=sel, entity=entities["博达信息"], period="2024")
    _to_review(c3, chief, i1, i3, reviewer, articles, tax="36000.00", late="0.00", penalty="0.00")
    # 4. inspecting, one inspector declared a conflict and was replaced; the step is overdue
    c4 = services.case_open_manual(actor=sel, entity=entities["宏基建设"], kind="tip_off", period="2024",
                                   reason="群众举报该企业以个人账户收取工程款，未申报收入。")
    services.case_assign(actor=chief, case=c4, role="inspector", users=[i1, i2])
    services.conflict_declare(actor=i2, case=c4, has_conflict=True, note="本人配偶在该企业任会计。")
    services.case_assign(actor=chief, case=c4, role="inspector", users=[i3])
    services.conflict_declare(actor=i1, case=c4, has_conflict=False)
    services.conflict_declare(actor=i3, case=c4, has_conflict=False)
    services.paper_add(actor=i1, case=c4, title="工程款收取情况核查",
                       content="调取法定代表人个人账户流水，与工程合同比对。")
    from .models import InspectionCase

    InspectionCase.objects.filter(pk=c4.pk).update(step_due_on=today - timedelta(days=3))
    services.overdue_warnings_issue()
    # 5. just selected, waiting for inspectors
    if "鼎盛建筑有限公司" in ranking:
        services.case_select(actor=sel, entity=entities["鼎盛建筑"], period="2024")


def _ranking():
    from .selectors import candidate_ranking

    return candidate_ranking(period="2024")


def _tweak(actor, entity, **figures) -> None:
    from . import services

    services.filing_save(actor=actor, entity=entity, period="2024", **figures)


def _to_review(case, chief, a, b, reviewer, articles, *, tax: str, late: str, penalty: str) -> None:
    from . import services

    services.case_assign(actor=chief, case=case, role="inspector", users=[a, b])
    services.conflict_declare(actor=a, case=case, has_conflict=False)
    services.conflict_declare(actor=b, case=case, has_conflict=False)
    paper = services.paper_add(actor=a, case=case, title="账簿与申报比对",
                               content="核对2024年度销售收入、进项发票与银行流水。")
    services.evidence_add(actor=b, case=case, paper=paper, description="2024年度银行对账单（复印件，加盖银行印章）",
                          obtained_how="向开户银行调取", obtained_on=timezone.localdate() - timedelta(days=20))
    services.finding_add(actor=a, case=case, paper=paper, description="账外收入未申报纳税，少缴增值税及附加。",
                         articles=[articles[1], articles[0]], tax_amount=Decimal(tax), late_fee_amount=Decimal(late),
                         penalty_amount=Decimal(penalty))
    services.report_submit(actor=a, case=case,
                           summary="经检查，该企业存在账外收入未申报的问题，建议追缴税款、加收滞纳金并处罚款。")
    services.report_cosign(actor=b, case=case)
    services.case_assign(actor=chief, case=case, role="reviewer", users=[reviewer])
    services.conflict_declare(actor=reviewer, case=case, has_conflict=False)
