from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Asset(models.Model):
    """An asset card (资产卡片). Values are yuan with 2 decimal places."""

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
    custodian = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("custodian"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    location = models.CharField(_("location"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.IN_USE)
    # Optimistic locking: the edit form carries the version it was opened at, and
    # asset_update refuses the save when the card has moved on since (someone else saved).
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("asset")
        verbose_name_plural = _("assets")

    def __str__(self) -> str:
        return f"{self.number} {self.name}"
