"""Running an import: upload → read and convert every row → check references, natural
keys and domain rules → commit all or nothing, audited.

The work is the same inline (small files, in the request) and in Celery (large files);
either way the outcome lands on the ImportJob row the user is looking at.

Re-running a file never duplicates: an identical file (same SHA-256) that was already
imported is refused as a whole, and rows whose natural key exists are compared with
what is stored — identical rows count as "unchanged", different ones are refused with
the differing columns named. We refuse rather than update because an import creates
records; changing existing ones has its own rules in each module (for asset cards:
custodian changes by the asset officer only, value changes are audited field by field).

One file per stage: ``run`` (create a job from an upload, run it, retry a stuck one),
``reading`` (headers, cells, checks, batches), ``progress`` (the job row's progress and
heartbeat from inside the transaction), ``outcome`` (the report and its messages),
``exports`` (the list's rows out again).
"""
from .exports import export_prepare
from .outcome import MAX_STORED_ERRORS, render_message
from .progress import Progress
from .run import import_job_create, import_job_retry, import_job_run, inline_max_bytes, upload_max_bytes

__all__ = [
    "MAX_STORED_ERRORS", "Progress", "export_prepare", "import_job_create", "import_job_retry", "import_job_run",
    "inline_max_bytes", "render_message", "upload_max_bytes",
]
