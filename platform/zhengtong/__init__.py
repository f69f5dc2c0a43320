"""Zhengtong (政通): the shared platform layer.

This package lives under ``platform/``, a source root that is deliberately *not* a
Python package: a package named ``platform`` would shadow the standard library module
that celery and others import.
"""
from .celery import app as celery_app

__all__ = ["celery_app"]
