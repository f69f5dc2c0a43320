"""Large imports run here, in the unit's schema (tenant-schemas-celery stamps the task
with the schema it was sent from). Thin: the service does the work and is idempotent."""
from zhengtong.celery import app


@app.task(name="zhengtong.imports.run_job", acks_late=True)
def run_import_job(job_id: int) -> None:
    from .services import import_job_run

    import_job_run(job_id=job_id)
