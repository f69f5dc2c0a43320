"""Modules and what they tell the platform (manifest.py, registry.py); how they reach each other:
lookups (reads), hand-over items and events (handover.py)."""
from .lookups import lookup

__all__ = ["lookup"]
