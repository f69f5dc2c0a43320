"""Periodic security jobs (thin: the work is in services)."""
from zhengtong.celery import app


@app.task(name="security.disable_dormant_accounts")
def disable_dormant_accounts() -> int:
    """Daily (beat): switch off accounts unused for the policy's dormant period."""
    from .services import dormant_accounts_disable

    return len(dormant_accounts_disable())
