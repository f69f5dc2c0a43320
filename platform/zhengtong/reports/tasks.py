"""Report tasks: thin, by id, idempotent. tenant-schemas-celery runs each in the schema of the
unit that requested it, so the builder reads that unit's data and the file lands in its folder."""
from zhengtong.celery import app


@app.task(name="zhengtong.reports.generate_document", acks_late=True)
def generate_document(document_id: int) -> None:
    from .services import document_generate

    document_generate(document_id=document_id)
