"""Background jobs of the tenants app. Thin: the work is in tenants.pool."""
from zhengtong.celery import app


@app.task(name="tenants.pool_refill")
def pool_refill() -> int:
    """Bring the pool of ready unit schemas to ZT_UNIT_POOL_SIZE (sent after each onboarding
    that took one, and by beat). Idempotent; a concurrent run returns at once."""
    from .pool import pool_refill as refill

    return len(refill().created)


@app.task(name="tenants.bulk_onboard_run")
def bulk_onboard_run(job_id: int) -> None:
    """Create the units of a validated spreadsheet (tenants.bulk.bulk_job_run). acks_late with
    reject_on_worker_lost: a killed worker's message comes back and the job resumes."""
    from .bulk import bulk_job_run

    bulk_job_run(job_id)
