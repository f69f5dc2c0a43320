"""Retention jobs. Thin: the work and its rules are in services.audit_purge and in the
database function it calls (which refuses anything under 183 days)."""
from zhengtong.celery import app


@app.task(name="zhengtong.audit.purge_all")
def purge_all() -> int:
    """Daily (beat): one purge task per unit, each run in its unit's schema, plus the
    district's own trail. Returns how many were sent."""
    from django_tenants.utils import get_tenant_model, schema_context

    sent = 0
    for schema in get_tenant_model().objects.order_by("pk").values_list("schema_name", flat=True):
        with schema_context(schema):  # tenant-schemas-celery stamps the task with it
            purge.delay()
        sent += 1
    return sent


@app.task(name="zhengtong.audit.purge")
def purge() -> int:
    """Purge the trail of the schema this task was sent from. Idempotent: a second run
    finds nothing older than the cutoff that is not already gone."""
    from django.db import connection

    from .services import audit_purge

    return audit_purge(schema=connection.schema_name).deleted
