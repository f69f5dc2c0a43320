"""Which unit am I in, and what is switched on there: answered one way for pages, services
and tasks.

- ``unit_for_host(hostname)``: the request's unit, read with what every page of it needs
  (the modules switched on, the security policy) in the one query that finds the unit anyway.
- ``current_unit()``: the unit whose schema the connection is in — a request's, a task's
  (tenant-schemas-celery), or the one ``schema_context()`` switched to; None in the public schema.
- ``enabled_modules(unit)`` / ``module_enabled(key)``: the module switches.
- ``unit_task(name, in_public=...)``: a Celery task that runs in the unit schema it was sent
  from and does nothing in the public schema.

Nothing here is cached beyond one request or one ``schema_context()``: what a page reads from
the unit row is read afresh with it, so a module switched off, a policy tightened or a unit
archived by any process applies on the very next request (docs/scaling.md, "Per-request queries").
"""
from __future__ import annotations

import copy
import functools
from typing import TYPE_CHECKING, Any

from django.db import connection
from django_tenants.utils import get_public_schema_name, get_tenant_domain_model, get_tenant_model, schema_context

if TYPE_CHECKING:
    from tenants.models import Unit
    from zhengtong.security.models import SecurityPolicy

# Attributes the lookups leave on a Unit instance: one request's (or one task's) answers.
_MODULES = "_zt_enabled_modules"
_POLICY = "_zt_security_policy"
_UNIT = "_zt_unit"  # on schema_context()'s stand-in tenant: the unit it stands for


def unit_for_host(hostname: str) -> Unit:
    """The unit served on ``hostname`` (``Domain.DoesNotExist`` when none), with its enabled
    modules and the security policy read in the same statement.

    A page needs the three on every request; reading them here instead of one query each keeps
    a page's platform queries fixed and fresh without a cache to invalidate across web processes.
    """
    from django.contrib.postgres.expressions import ArraySubquery
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import JSONObject

    from zhengtong.security.models import SecurityPolicy

    # The platform names the unit model through django-tenants (settings.TENANT_MODEL), never
    # by importing tenants/ (docs/architecture.md, "Which way imports go").
    UnitModule = get_tenant_model()._meta.get_field("module_switches").related_model
    modules = UnitModule.objects.filter(unit_id=OuterRef("tenant_id"), enabled=True).values("module_key")
    policy_fields = {f.attname: f.attname for f in SecurityPolicy._meta.concrete_fields}
    policy = SecurityPolicy.objects.filter(pk=1).values(row=JSONObject(**policy_fields))
    domain = (get_tenant_domain_model().objects.select_related("tenant")
              .annotate(zt_modules=ArraySubquery(modules), zt_policy=Subquery(policy))
              .get(domain=hostname))
    unit = domain.tenant
    setattr(unit, _MODULES, frozenset() if unit.is_district_portal else frozenset(domain.zt_modules))
    setattr(unit, _POLICY, _policy_from_row(SecurityPolicy, domain.zt_policy))
    return unit


def _policy_from_row(model: type[SecurityPolicy], row: dict | None) -> SecurityPolicy:
    if row is None:  # nobody saved one yet: the level-3 defaults (security.selectors.security_policy)
        return model(pk=1)
    return model(**{f.attname: f.to_python(row[f.attname]) for f in model._meta.concrete_fields})


def security_policy_for(unit: Unit | None) -> SecurityPolicy:
    """The policy read with ``unit`` by ``unit_for_host``, else read now."""
    policy = getattr(unit, _POLICY, None)
    if policy is None:
        from zhengtong.security.selectors import security_policy

        policy = security_policy()
    return policy


def enabled_modules(unit: Unit | None) -> frozenset[str]:
    """Keys of the modules switched on for ``unit``; read once per unit instance (a request's
    or a task's), never kept longer."""
    cached = getattr(unit, _MODULES, None)
    if cached is None:
        if unit is None or unit.is_district_portal:
            return frozenset()
        cached = frozenset(unit.module_switches.filter(enabled=True).values_list("module_key", flat=True))
        setattr(unit, _MODULES, cached)
    return cached


def enabled_modules_forget(unit: Unit) -> None:
    """After a module switch of ``unit``: the instance answers afresh."""
    unit.__dict__.pop(_MODULES, None)


def current_unit() -> Unit | None:
    """The unit whose schema the connection is in; None in the public schema (the district
    portal) and in schemas that are not a unit's (the template, the pool).

    ``schema_context()`` installs a stand-in tenant that knows only the schema name: the unit
    is looked up once and kept on that stand-in for as long as the context lasts.
    """
    Unit = get_tenant_model()
    schema = connection.schema_name
    if schema == get_public_schema_name():
        return None
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Unit) and tenant.pk and tenant.schema_name == schema:
        return tenant
    if tenant is not None and getattr(tenant, "schema_name", None) == schema and hasattr(tenant, _UNIT):
        return getattr(tenant, _UNIT)
    with schema_context(get_public_schema_name()):  # the unit rows are public's
        unit = Unit.objects.filter(schema_name=schema).first()
    if tenant is not None:
        setattr(tenant, _UNIT, unit)
    return unit


def module_enabled(key: str, unit: Unit | None = None) -> bool:
    """Whether module ``key`` is switched on in ``unit`` (default: the current unit)."""
    unit = unit if unit is not None else current_unit()
    return unit is not None and key in enabled_modules(unit)


def unit_task(name: str, *, in_public: Any = None, **options):
    """Register a Celery task that works on one unit's data.

    The periodic fan-out (``zhengtong.notifications.periodic``) sends such a task from each
    unit's schema and tenant-schemas-celery runs it there. Sent from the public schema — by
    hand, or by code that forgot to switch — it has no unit's tables to work on and returns
    ``in_public`` (a copy: callers may change what they get) without doing anything.
    """
    from zhengtong.celery import app

    def register(func):
        @functools.wraps(func)
        def run(*args, **kwargs):
            if connection.schema_name == get_public_schema_name():
                return copy.copy(in_public)
            return func(*args, **kwargs)

        return app.task(name=name, **options)(run)

    return register
