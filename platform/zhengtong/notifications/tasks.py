"""Thin tasks: the beat entry point that fans periodic jobs out to units."""
from zhengtong.celery import app


@app.task(name="zhengtong.notifications.periodic_tick")
def periodic_tick() -> int:
    from .periodic import periodic_tick as tick

    return len(tick())
