"""Platform-level tasks. Tasks are thin: they take ids, call a service, are idempotent."""
from zhengtong.celery import app


@app.task(name="zhengtong.core.heartbeat")
def heartbeat(marker: str) -> None:
    """Leave a trace in the schema the task was sent from (used to prove tasks keep their unit)."""
    from django.db import connection

    from zhengtong.audit.models import AuditEvent
    from zhengtong.audit.services import audit_record

    if not AuditEvent.objects.filter(action="worker.heartbeat", object_id=marker).exists():
        audit_record(action="worker.heartbeat", object_type="celery", object_id=marker,
                     object_repr=f"heartbeat in {connection.schema_name}")
