"""Large imports run here, in the unit's schema (tenant-schemas-celery stamps the task
with the schema it was sent from). Thin: the service does the work and is idempotent."""
from zhengtong.celery import app

# Come back this many times while another run holds the job (each wait is the stale
# limit): enough for an import of hours, bounded so a message cannot circle for ever.
MAX_WAITS = 200


@app.task(name="zhengtong.imports.run_job", bind=True, acks_late=True, max_retries=MAX_WAITS)
def run_import_job(self, job_id: int) -> None:
    from .models import stale_after
    from .services import import_job_run

    job = import_job_run(job_id=job_id)
    if not job.finished:
        # Another run holds the job. Usually this message is the redelivery of a run whose
        # worker process was killed (acks_late + reject_on_worker_lost put it back at once,
        # while the dead run's heartbeat still looks fresh): come back once it would be
        # stale; the claim then takes the job over, or finds it finished by a live run.
        raise self.retry(countdown=stale_after().total_seconds() + 1)
