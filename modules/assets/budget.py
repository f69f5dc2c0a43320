"""Annual asset allocation budget (资产配置预算): the unit declares its planned acquisitions
for a year online; the district finance bureau reviews each line against the unit's stock
and approved quota for that class (the approved quotas are the basis of the budget) and
answers approved / adjusted / refused with a comment, plus an overall opinion.

Lines can be changed only while the declaration is a draft; submitting records the stock
and quota each line was declared against; the review is final and is recorded once.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from zhengtong.audit.services import audit_record
from zhengtong.core.errors import Invalid, Refused, audited_refusal

from .models import BudgetDeclaration, BudgetLine, Category
from .quotas import UNIT_SIDE, current_stock, governing_quota, is_bureau
from .warnings import tell_bureau, tell_unit


def _not_unit_side(user) -> Refused | None:
    if not user.has_role(*UNIT_SIDE):
        return Refused("只有资产专管员或单位管理员可以申报资产配置预算 / "
                       "Only the asset officer or the unit admin may declare the asset budget.")
    return None


# --- the transitions' guards: each says why ``user`` may not take it now (the refusal the service
# raises), or None; selectors.budget_actions offers on the pages exactly the ones that say None.

def can_change(declaration: BudgetDeclaration, user) -> Refused | Invalid | None:
    """Add or remove lines and submit (draft → submitted): the unit side, while it is a draft."""
    if refusal := _not_unit_side(user):
        return refusal
    if declaration.status != BudgetDeclaration.Status.DRAFT:
        return Invalid("预算已报送，不能再修改 (The declaration has been submitted and can no longer change).")
    return None


def can_review(declaration: BudgetDeclaration, user) -> Refused | Invalid | None:
    """The bureau's answer (submitted → reviewed), given once."""
    if not is_bureau(user):
        return Refused("只有区财政局可以审核资产配置预算 / Only the district finance bureau reviews the budget.")
    if declaration.status != BudgetDeclaration.Status.SUBMITTED:
        return Invalid("该预算不在待审状态 (This declaration is not waiting for review).")
    return None


def _locked_for_change(declaration: BudgetDeclaration, actor) -> BudgetDeclaration:
    declaration = BudgetDeclaration.objects.select_for_update().get(pk=declaration.pk)
    if refusal := can_change(declaration, actor):
        raise refusal
    return declaration


@audited_refusal("assets.budget.refused", object_type="assets.BudgetDeclaration")
@transaction.atomic
def budget_declaration_start(*, actor, year: int) -> BudgetDeclaration:
    if refusal := _not_unit_side(actor):
        raise refusal
    declaration, created = BudgetDeclaration.objects.get_or_create(year=year)
    if created:
        audit_record(action="assets.budget.start", actor=actor, obj=declaration, after={"year": year})
    return declaration


@audited_refusal("assets.budget.refused", obj_arg="declaration")
@transaction.atomic
def budget_line_add(*, actor, declaration: BudgetDeclaration, asset_class: Category, quantity: int,
                    unit_price: Decimal, reason: str = "") -> BudgetLine:
    declaration = _locked_for_change(declaration, actor)
    line = BudgetLine(declaration=declaration, asset_class=asset_class, quantity=quantity,
                      unit_price=Decimal(unit_price).quantize(Decimal("0.01")), reason=reason)
    line.full_clean()
    line.save()
    audit_record(action="assets.budget.line_add", actor=actor, obj=declaration,
                 after={"class": asset_class.code, "quantity": quantity, "unit_price": str(line.unit_price)})
    return line


@audited_refusal("assets.budget.refused", obj_arg="line")
@transaction.atomic
def budget_line_remove(*, actor, line: BudgetLine) -> None:
    declaration = _locked_for_change(line.declaration, actor)
    audit_record(action="assets.budget.line_remove", actor=actor, obj=declaration,
                 before={"class": line.asset_class.code, "quantity": line.quantity})
    line.delete()


@audited_refusal("assets.budget.refused", obj_arg="declaration")
@transaction.atomic
def budget_submit(*, actor, declaration: BudgetDeclaration) -> BudgetDeclaration:
    declaration = _locked_for_change(declaration, actor)
    lines = list(declaration.lines.select_related("asset_class"))
    if not lines:
        raise Invalid("预算没有任何配置计划 (Add at least one planned acquisition).")
    for line in lines:
        figures = budget_figures(line)
        line.stock_at_submission, line.quota_at_submission = figures.stock, figures.quota
        line.save(update_fields=["stock_at_submission", "quota_at_submission"])
    declaration.status = BudgetDeclaration.Status.SUBMITTED
    declaration.submitted_by, declaration.submitted_at = actor, timezone.now()
    declaration.save(update_fields=["status", "submitted_by", "submitted_at"])
    audit_record(action="assets.budget.submit", actor=actor, obj=declaration,
                 after={"lines": len(lines), "amount": str(sum((x.amount for x in lines), Decimal("0.00")))})
    tell_bureau(title=f"{declaration.year}年资产配置预算待审", title_en=f"{declaration.year} asset budget to review",
                view="assets_district:budget", args=(declaration.year,),
                dedupe_key=f"assets.budget_submitted:{declaration.pk}")
    return declaration


@dataclass(frozen=True)
class BudgetFigures:
    stock: Decimal
    quota: int | None

    @property
    def room(self) -> Decimal | None:
        """What the quota still leaves for new acquisitions."""
        return None if self.quota is None else Decimal(self.quota) - self.stock


def budget_figures(line: BudgetLine) -> BudgetFigures:
    """Stock and approved quota of the line's class for the declaration's year, as the
    acquisition check counts them (the quota of the class or its nearest parent)."""
    quota = governing_quota(line.asset_class, line.declaration.year)
    stock = current_stock(quota.asset_class if quota else line.asset_class)
    return BudgetFigures(stock=stock, quota=quota.approved_quantity if quota else None)


@audited_refusal("assets.budget.refused", obj_arg="declaration")
@transaction.atomic
def budget_review(*, actor, declaration: BudgetDeclaration, decisions: dict[int, dict], opinion: str = ""
                  ) -> BudgetDeclaration:
    """The bureau's answer: ``decisions`` maps each line id to
    {"decision": approved|adjusted|refused, "approved_quantity": int (for adjusted), "comment": str}."""
    declaration = BudgetDeclaration.objects.select_for_update().get(pk=declaration.pk)
    if refusal := can_review(declaration, actor):
        raise refusal
    lines = list(declaration.lines.all())
    missing = [x.pk for x in lines if x.pk not in decisions]
    if missing:
        raise Invalid("每一项都须给出审核意见 (Decide every line).")
    for line in lines:
        d = decisions[line.pk]
        decision = d.get("decision")
        if decision == BudgetLine.Decision.APPROVED:
            approved = line.quantity
        elif decision == BudgetLine.Decision.REFUSED:
            approved = 0
        elif decision == BudgetLine.Decision.ADJUSTED:
            approved = d.get("approved_quantity")
            if approved is None or approved < 0 or approved == line.quantity:
                raise Invalid("调整的项目须给出不同的核定数量 (An adjusted line needs a different approved "
                              "quantity).")
        else:
            raise Invalid("审核意见只能是同意、调整或不同意 (Decide approved, adjusted or refused).")
        if decision != BudgetLine.Decision.APPROVED and not (d.get("comment") or "").strip():
            raise Invalid("调整或不同意的项目须说明理由 (Give a comment for adjusted or refused lines).")
        line.decision, line.approved_quantity, line.comment = decision, approved, (d.get("comment") or "").strip()
        line.save(update_fields=["decision", "approved_quantity", "comment"])
    declaration.status = BudgetDeclaration.Status.REVIEWED
    declaration.reviewed_by, declaration.reviewed_at, declaration.opinion = actor, timezone.now(), opinion
    declaration.save(update_fields=["status", "reviewed_by", "reviewed_at", "opinion"])
    audit_record(action="assets.budget.review", actor=actor, obj=declaration,
                 after={"opinion": opinion, "lines": {str(x.pk): [x.decision, x.approved_quantity] for x in lines}})
    tell_unit(title=f"财政局已审核{declaration.year}年资产配置预算",
              title_en=f"The {declaration.year} asset budget was reviewed", view="assets:budget",
              args=(declaration.year,), dedupe_key=f"assets.budget_reviewed:{declaration.pk}")
    return declaration
