"""Background jobs of the tenants app. Thin: the work is in tenants.pool."""
from zhengtong.celery import app


@app.task(name="tenants.pool_refill")
def pool_refill() -> int:
    """Bring the pool of ready unit schemas to ZT_UNIT_POOL_SIZE (sent after each onboarding
    that took one, and by beat). Idempotent; a concurrent run returns at once."""
    from .pool import pool_refill as refill

    return len(refill().created)

