"""IT projects (信息化项目管理, 篇六): the project a unit applies for (立项) and its business project
group (业务项目组). The class (一般/大型/重大) is computed from the estimated investment by the
services with the unit's rules (classification.py) and stored, so lists filter by it and the
approval chain routes by it. People are accounts in the public schema: references to them carry
no database constraint, as in every unit model (tenants/scale_out.py)."""
from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhengtong.core.models import Timestamped

from . import classification


class Project(Timestamped):
    class Scope(models.TextChoices):
        NETWORK = "network", _("Information network")
        SECURITY = "security", _("Information security")
        RESOURCES = "resources", _("Information resources")
        APPLICATION = "application", _("Application system")

    class Kind(models.TextChoices):
        NEW = "new", _("New build")
        EXTENSION = "extension", _("Extension")
        REBUILD = "rebuild", _("Rebuild")

    class Class(models.TextChoices):
        GENERAL = classification.GENERAL, _("General (一般)")
        LARGE = classification.LARGE, _("Large (大型)")
        MAJOR = classification.MAJOR, _("Major (重大)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_APPROVAL = "in_approval", _("In approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    name = models.CharField(_("project name"), max_length=200)
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    kind = models.CharField(_("kind of work"), max_length=20, choices=Kind.choices)
    estimated_investment = models.DecimalField(_("estimated investment (yuan)"), max_digits=14, decimal_places=2,
                                               validators=[MinValueValidator(0)])
    project_class = models.CharField(_("class"), max_length=10, choices=Class.choices)
    year = models.PositiveIntegerField(_("plan year"))
    description = models.TextField(_("purpose and content"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("applicant"))
    # The approval notice's number, 信立〔year〕第N号, given on approval; numbered per unit and year.
    number = models.CharField(_("approval number"), max_length=40, blank=True)
    number_seq = models.PositiveIntegerField(null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("IT project")
        ordering = ("-created_at", "-pk")
        constraints = [
            models.UniqueConstraint(fields=("year", "number_seq"), name="projects_number_unique_per_year"),
        ]

    def __str__(self):
        return f"{self.number} {self.name}" if self.number else self.name


class ProjectMember(Timestamped):
    """A member of the business project group (业务项目组, 第十三条); 重大 projects need full-time
    (脱产) members (第二十五条), checked when the project is submitted."""

    class Role(models.TextChoices):
        BUSINESS_PM = "business_pm", _("Business project manager")
        DEPUTY = "deputy", _("Deputy manager")
        MEMBER = "member", _("Member")
        DOCUMENT_CLERK = "document_clerk", _("Part-time document clerk")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, db_constraint=False, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("person"))
    role = models.CharField(_("role in the group"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    full_time = models.BooleanField(_("full-time (脱产)"), default=False)

    class Meta:
        verbose_name = _("project group member")
        constraints = [models.UniqueConstraint(fields=("project", "person"), name="projects_member_once")]

    def __str__(self):
        return f"{self.project_id}: {self.person_id} ({self.role})"
