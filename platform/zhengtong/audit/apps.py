from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "zhengtong.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from django_tenants.signals import post_schema_sync, schema_migrated

        from . import signals

        # After every migration of a schema (public, the template, each unit): the shared
        # functions, the trail's own triggers and the change triggers of tracked tables.
        schema_migrated.connect(signals.schema_migrated, dispatch_uid="zt_audit_schema_migrated")
        # A new unit is cloned from the template without running migrate; clones keep
        # their triggers, but reinstalling is cheap and covers tables tracked since.
        post_schema_sync.connect(signals.schema_created, dispatch_uid="zt_audit_schema_created")
