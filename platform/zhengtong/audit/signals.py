"""Keeping every schema's trail protected: hooks on django-tenants' schema signals. No business
logic here. (The periodic purge is in the beat schedule with every other job: settings/base.py.)"""
from __future__ import annotations

from . import conf, database

_functions_installed_here = False


def schema_migrated(sender, schema_name: str, **kwargs) -> None:
    global _functions_installed_here
    if not _functions_installed_here:  # once per migrate run is enough: they are shared
        database.install_functions()
        _functions_installed_here = True
    database.install_triggers(schema_name)
    role = conf.app_role()
    if role:
        database.grant_app_role(schema_name, role)


def schema_created(sender, tenant, **kwargs) -> None:
    schema = getattr(tenant, "schema_name", None)
    if not schema:
        return
    # A schema taken from the pool or replayed from the template's snapshot (tenants/pool.py)
    # carries the template's triggers, which the snapshot brings up to date first; reinstalling
    # here reads pg_class of every unit, ~0.5 s per onboarding at 1,000 units.
    if getattr(tenant, "_zt_schema_source", None) not in ("pool", "snapshot"):
        database.install_triggers(schema)
    role = conf.app_role()
    if role and database.trail_exists(schema):
        # The clone belongs to whoever ran it — the application, when a district operator
        # onboards a unit on the web. Hand the trail to the owner role now.
        database.seal_trail(schema, role)
