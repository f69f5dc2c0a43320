from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from zhengtong.core.dates import HAPPENED, DateRangesMixin
from zhengtong.core.models import Timestamped


class Category(models.Model):
    """A class of the asset classification (GB/T 14885 固定资产等资产基础分类与代码).

    The tree ships with the top levels and the common office, IT, vehicle and furniture
    classes (migration 0003, data in classification.py); the full table is loaded with
    classification.category_load(). Depreciation years are the defaults of the
    government accounting standards' table (a card may set its own service life);
    land and cultural relics are not depreciated.
    """

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey("self", verbose_name=_("parent class"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    depreciation_years = models.PositiveSmallIntegerField(_("depreciation years"), null=True, blank=True)
    depreciable = models.BooleanField(_("depreciated"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("asset class")
        verbose_name_plural = _("asset classes")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Asset(DateRangesMixin, Timestamped):
    """An asset card (资产卡片). Values are yuan with 2 decimal places."""

    # Typed dates outside a plausible range are refused (zhengtong.core.dates).
    date_ranges = {"acquired_on": HAPPENED}

    class Status(models.TextChoices):
        IN_USE = "in_use", _("In use")
        IDLE = "idle", _("Idle")
        LENT = "lent", _("Lent")
        RENTED = "rented", _("Rented out")
        REPAIR = "repair", _("Under repair")
        PENDING_DISPOSAL = "pending_disposal", _("Pending disposal")
        DISPOSED = "disposed", _("Disposed")

    number = models.CharField(_("asset number"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("class"), max_length=100, blank=True)
    spec = models.CharField(_("model / specification"), max_length=200, blank=True)
    original_value = models.DecimalField(_("original value (yuan)"), max_digits=16, decimal_places=2,
                                         validators=[MinValueValidator(Decimal("0"))])
    acquired_on = models.DateField(_("acquisition date"))
    department = models.CharField(_("department"), max_length=100, blank=True)
    # Users live in the public schema; the FK crosses schemas through the search_path.
    custodian = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                  verbose_name=_("custodian"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    location = models.CharField(_("location"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.IN_USE)
    # The day the card entered its current status (idle detection, lending and stocktakes
    # count from it). Set only by services.asset_status_set (and to the acquisition date
    # when a card is registered: it has been in use since then).
    status_changed_on = models.DateField(_("status since"), default=timezone.localdate, editable=False)
    # Why the card is in its status and the decision behind it (e.g. the disposal approval's
    # decision number 处置批复文号), from the last asset_status_set.
    status_reason = models.CharField(_("reason for the status"), max_length=500, blank=True, editable=False)
    decision_number = models.CharField(_("decision number"), max_length=100, blank=True, editable=False)

    class DisposalMethod(models.TextChoices):
        TRANSFER = "transfer", _("Transfer to another unit")
        SALE = "sale", _("Sale")
        SCRAP = "scrap", _("Scrap")
        DONATION = "donation", _("Donation")
        WRITE_OFF = "write_off", _("Loss write-off")

    # How a disposed card left the books and what it brought in (处置收入, turned over to the
    # treasury), recorded by the asset officer once the disposal is approved.
    disposal_method = models.CharField(_("disposal method"), max_length=20, choices=DisposalMethod.choices,
                                       blank=True, editable=False)
    disposal_proceeds = models.DecimalField(_("disposal proceeds (yuan)"), max_digits=16, decimal_places=2, null=True,
                                            blank=True, editable=False)

    class AcquisitionMethod(models.TextChoices):
        PURCHASE = "purchase", _("Purchase")
        TRANSFER_IN = "transfer_in", _("Transfer in")
        DONATION = "donation", _("Donation received")
        SELF_BUILT = "self_built", _("Self-built")
        SURPLUS = "surplus", _("Stocktake surplus")
        OTHER = "other", _("Other")

    class FundingSource(models.TextChoices):
        BUDGET = "budget", _("Fiscal budget")
        SPECIAL = "special", _("Special funds")
        OWN = "own", _("Own funds")
        OTHER = "other", _("Other")

    asset_class = models.ForeignKey(Category, verbose_name=_("asset class"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="assets")
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2, default=Decimal("1"),
                                   validators=[MinValueValidator(Decimal("0.01"))])
    unit_of_measure = models.CharField(_("unit of measure"), max_length=20, blank=True, default="台")
    acquisition_method = models.CharField(_("acquisition method"), max_length=20, choices=AcquisitionMethod.choices,
                                          default=AcquisitionMethod.PURCHASE)
    funding_source = models.CharField(_("funding source"), max_length=20, choices=FundingSource.choices,
                                      default=FundingSource.BUDGET)
    # Empty: the class's depreciation years apply.
    service_life_years = models.PositiveSmallIntegerField(_("service life (years)"), null=True, blank=True)
    # Maintained by the monthly depreciation job (depreciation.depreciation_run); never typed in.
    accumulated_depreciation = models.DecimalField(_("accumulated depreciation (yuan)"), max_digits=16,
                                                   decimal_places=2, default=Decimal("0"), editable=False)
    depreciated_through = models.DateField(_("depreciated through"), null=True, blank=True, editable=False)
    # Optimistic locking: the edit form carries the version it was opened at, and
    # asset_update refuses the save when the card has moved on since (someone else saved).
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def net_value(self) -> Decimal:
        return self.original_value - self.accumulated_depreciation

    @property
    def is_disposed(self) -> bool:
        """Off the books (its disposal approved): the card shows the disposal's proceeds."""
        return self.status == self.Status.DISPOSED


class DepartmentHead(Timestamped):
    """Which department(s) a department head (role assets.department_head) leads in this
    unit, set by the unit admin or the asset officer. Memberships carry no department, and
    a card's department is the text on the card, so the head sees the cards whose
    department is one of theirs (read only; custodians keep editing what they hold)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                             verbose_name=_("department head"), on_delete=models.CASCADE,
                             related_name="+")
    department = models.CharField(_("department"), max_length=100)

    class Meta:
        ordering = ["department", "user_id"]
        constraints = [models.UniqueConstraint(fields=["user", "department"], name="assets_department_head_unique")]
        verbose_name = _("department head")
        verbose_name_plural = _("department heads")

    def __str__(self) -> str:
        return self.department


class QuotaItem(Timestamped):
    """An allocation quota (配置定额) of this unit for one class and year, set by the district
    finance bureau after the "two up, two down" negotiation (两上两下). The quota covers the
    class and every class below it; it is based on the unit's functions and posts."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the unit's proposal")
        PROPOSED = "proposed", _("Proposed by the unit")
        RETURNED = "returned", _("Returned by the bureau")
        REVISED = "revised", _("Revised by the unit")
        APPROVED = "approved", _("Approved")
        CHANGE_REQUESTED = "change_requested", _("Change applied for by the unit")

    asset_class = models.ForeignKey(Category, verbose_name=_("asset class"), on_delete=models.PROTECT,
                                    related_name="quota_items")
    year = models.PositiveSmallIntegerField(_("year"))
    basis = models.TextField(_("basis (functions and posts)"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    approved_quantity = models.PositiveIntegerField(_("approved quota"), null=True, blank=True)

    class Meta:
        ordering = ["year", "asset_class__code"]
        constraints = [models.UniqueConstraint(fields=["asset_class", "year"], name="assets_quota_class_year")]
        verbose_name = _("allocation quota")
        verbose_name_plural = _("allocation quotas")

    def __str__(self) -> str:
        return f"{self.year} {self.asset_class.name}"


class QuotaRound(models.Model):
    """One round of the negotiation, kept for good: 一上 (unit proposes), 一下 (bureau returns
    its figures), 二上 (unit revises), 二下 (bureau approves); later, a change application
    and the bureau's answer to it. Never updated or deleted."""

    class Step(models.TextChoices):
        PROPOSE = "propose", _("Unit proposal (first up)")
        RETURN = "return", _("Bureau figures (first down)")
        REVISE = "revise", _("Unit revision (second up)")
        APPROVE = "approve", _("Bureau approval (second down)")
        # After approval, when the unit's functions change (职能调整):
        CHANGE = "change", _("Unit applies for a change (functions changed)")
        CHANGE_APPROVE = "change_approve", _("Bureau approves the change")
        CHANGE_REFUSE = "change_refuse", _("Bureau keeps the approved quota")

    item = models.ForeignKey(QuotaItem, on_delete=models.PROTECT, related_name="rounds")
    number = models.PositiveSmallIntegerField()
    step = models.CharField(max_length=20, choices=Step.choices)
    quantity = models.PositiveIntegerField(_("quantity"))
    note = models.TextField(_("note"), blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="assets_quota_round_number")]

    def __str__(self) -> str:
        return f"quota item {self.item_id} round {self.number}: {self.step} {self.quantity}"


class AcquisitionRequest(Timestamped):
    """A planned acquisition, checked against the class's quota minus current stock.
    Over quota, the unit's rule over_quota_policy either refuses it or sends it, with a
    justification, to the district finance bureau."""

    class Status(models.TextChoices):
        WITHIN_QUOTA = "within_quota", _("Within quota")
        BUREAU_REVIEW = "bureau_review", _("Over quota: waiting for the bureau")
        APPROVED = "approved", _("Approved by the bureau")
        REFUSED = "refused", _("Refused by the bureau")

    asset_class = models.ForeignKey(Category, verbose_name=_("asset class"), on_delete=models.PROTECT,
                                    related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    year = models.PositiveSmallIntegerField(_("year"))
    reason = models.TextField(_("reason"), blank=True)
    justification = models.TextField(_("justification for exceeding the quota"), blank=True)
    # The figures the check saw, kept with the request.
    quota = models.PositiveIntegerField(null=True, blank=True)
    stock = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                     on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                   null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.year} class {self.asset_class_id} × {self.quantity} ({self.status})"


class BudgetDeclaration(Timestamped):
    """The unit's annual asset allocation budget (资产配置预算) for one year: planned
    acquisitions declared online, reviewed by the district finance bureau against the
    unit's stock and approved quotas, answered line by line with an opinion."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being prepared by the unit")
        SUBMITTED = "submitted", _("Submitted to the finance bureau")
        REVIEWED = "reviewed", _("Reviewed by the finance bureau")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                     null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False,
                                    null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    opinion = models.TextField(_("the bureau's opinion"), blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("asset budget declaration")

    def __str__(self) -> str:
        return f"{self.year}"


class BudgetLine(models.Model):
    """One planned acquisition of a budget declaration and the bureau's decision on it."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Not reviewed yet")
        APPROVED = "approved", _("Approved")
        ADJUSTED = "adjusted", _("Approved with an adjusted quantity")
        REFUSED = "refused", _("Refused")

    declaration = models.ForeignKey(BudgetDeclaration, on_delete=models.CASCADE, related_name="lines")
    asset_class = models.ForeignKey(Category, verbose_name=_("asset class"), on_delete=models.PROTECT,
                                    related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(_("unit price (yuan)"), max_digits=14, decimal_places=2,
                                     validators=[MinValueValidator(Decimal("0"))])
    reason = models.TextField(_("reason"), blank=True)
    # What the books and the quota said when the unit submitted, kept with the line.
    stock_at_submission = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    quota_at_submission = models.PositiveIntegerField(null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, default=Decision.PENDING)
    approved_quantity = models.PositiveIntegerField(_("approved quantity"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["declaration", "asset_class__code", "pk"]

    def __str__(self) -> str:
        return f"{self.declaration_id}: class {self.asset_class_id} × {self.quantity}"

    @property
    def amount(self) -> Decimal:
        return (self.unit_price * self.quantity).quantize(Decimal("0.01"))

    @property
    def approved_amount(self) -> Decimal | None:
        if self.approved_quantity is None:
            return None
        return (self.unit_price * self.approved_quantity).quantize(Decimal("0.01"))


# Object permissions on cards (custody) with a real foreign key: django-guardian's direct-FK
# models, found by guardian itself when it grants, revokes and checks. The generic table keys
# objects by a text object_pk, so every list filter had to cast each grant's id; here the
# custodian's list joins on an integer (bench/asset_list.py). Cards are the hot table this is
# for (docs/architecture.md, Decisions).
class AssetUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Asset, on_delete=models.CASCADE)
    # guardian's field, without the database constraint into the public schema (docs/scaling.md).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, db_constraint=False)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class AssetGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Asset, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass

