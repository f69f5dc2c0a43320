"""Public-schema records: the district, its units (tenants) and their domains, which
modules each unit has switched on, and invitations for a unit's first users."""
from __future__ import annotations

from django.conf import settings
from django.db import connections, models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin
from django_tenants.postgresql_backend.base import _check_schema_name
from django_tenants.utils import (
    get_creation_fakes_migrations,
    get_tenant_base_schema,
    get_tenant_database_alias,
    schema_exists,
)
from tenant_users.tenants.models import TenantBase

from zhengtong.core.models import Timestamped

from .validators import validate_credit_code


class District(Timestamped):
    name = models.CharField(_("name"), max_length=100)
    # 6-digit administrative division code (行政区划代码), e.g. 110105.
    division_code = models.CharField(_("division code"), max_length=6, unique=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name


class Unit(TenantBase):
    """A unit (单位) — bureau, school or department — and its own schema.

    The public schema also has one row (unit_type=district) because django-tenants
    routes the district portal through a tenant row of its own.
    """

    class UnitType(models.TextChoices):
        BUREAU = "bureau", _("Bureau")
        SCHOOL = "school", _("School")
        OTHER = "other", _("Other")
        DISTRICT = "district", _("District portal")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        ARCHIVED = "archived", _("Archived")

    name = models.CharField(_("name"), max_length=100)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    unit_type = models.CharField(_("type"), max_length=16, choices=UnitType.choices, default=UnitType.BUREAU)
    district = models.ForeignKey(District, on_delete=models.PROTECT, null=True, related_name="units")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)

    # Cloned from TENANT_BASE_SCHEMA with its data (roles, permission rows).
    clone_mode = "DATA"
    auto_drop_schema = False  # archived units keep their data

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~models.Q(credit_code=""), name="unit_credit_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """Make the schema from the template and stop there.

        django-tenants follows a clone with a faked ``migrate`` of the new schema. With
        clone_mode DATA the clone already carries the template's ``django_migrations``,
        content types and permissions, so that step only re-checks what was copied — and
        was about half of the onboarding time (bench/onboarding.py).
        """
        base = get_tenant_base_schema() if get_creation_fakes_migrations() else None
        if not (sync_schema and base and schema_exists(base)):
            return super().create_schema(check_if_exists, sync_schema, verbosity)
        _check_schema_name(self.schema_name)
        if check_if_exists and schema_exists(self.schema_name):
            return False
        from .pool import schema_make

        # A ready schema from the pool, else replayed from the template's DDL snapshot, else
        # cloned (tenants/pool.py says why clone_schema grows with every unit).
        self._zt_schema_source = schema_make(self.schema_name, clone_mode=self.clone_mode)
        connections[get_tenant_database_alias()].set_schema_to_public()
        return True

    @property
    def is_district_portal(self) -> bool:
        return self.schema_name == "public"

    @property
    def primary_host(self) -> str:
        domain = self.get_primary_domain()
        return domain.domain if domain else ""


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")


class UnitModule(models.Model):
    """A module switched on (or off again) for a unit. Switching off keeps the data."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="module_switches")
    module_key = models.CharField(max_length=32)
    enabled = models.BooleanField(default=True)
    changed_at = models.DateTimeField(auto_now=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "module_key"], name="unit_module_unique")]

    def __str__(self) -> str:
        return f"{self.unit_id}:{self.module_key} {'on' if self.enabled else 'off'}"


class Invitation(Timestamped):
    """A one-time link for a person to join a unit with given roles.

    Only the SHA-256 of the token is stored; the link itself is shown once (and mailed).
    """

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=64, blank=True)
    role_keys = models.JSONField(default=list)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.unit_id}"


class TemplateSnapshot(Timestamped):
    """The unit template's DDL as statements with a placeholder for the schema name, read from
    the catalog (tenants/pool.py); taken again whenever ``migrations`` (the template key) moves."""

    digest = models.CharField(max_length=64, unique=True)
    # tenants.pool.template_key(): the template's applied migrations and the audit's tracked tables.
    migrations = models.CharField(max_length=32, db_index=True)
    statements = models.JSONField()

    def __str__(self) -> str:
        return f"template snapshot {self.migrations}"


class PoolSchema(Timestamped):
    """A ready unit schema waiting for onboarding. Not a unit: no domain, no logins, no data."""

    schema_name = models.CharField(max_length=63, unique=True)

    def __str__(self) -> str:
        return self.schema_name


class BulkOnboarding(Timestamped):
    """One spreadsheet of units being onboarded by the worker (tenants/bulk.py). Every row was
    validated before this was written; each row then becomes a unit in its own transaction."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Creating units")
        DONE = "done", _("Finished")

    filename = models.CharField(max_length=255)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    # Written after every unit: a running job whose heartbeat is old lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"


class BulkOnboardingRow(models.Model):
    """A row of the spreadsheet: validated fields, then the unit made from them (or why not)."""

    job = models.ForeignKey(BulkOnboarding, on_delete=models.CASCADE, related_name="rows")
    row_no = models.PositiveIntegerField()
    name = models.CharField(max_length=128)
    slug = models.CharField(max_length=63)
    fields = models.JSONField()
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    error = models.TextField(blank=True)
    seconds = models.FloatField(null=True, blank=True)  # how long this unit took: the estimate of what is left
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["row_no"]
        constraints = [models.UniqueConstraint(fields=["job", "row_no"], name="bulk_row_unique")]

    def __str__(self) -> str:
        return f"{self.job_id}#{self.row_no} {self.slug}"
