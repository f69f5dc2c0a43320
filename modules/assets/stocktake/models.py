"""Stocktake campaigns (清查): snapshot, counting, discrepancies, public notice, adjustments."""
from django.db import models  # noqa: F401
