"""Places, devices, usage rules, logbook, training, faults and maintenance (信息化设施管理)."""
from django.db import models  # noqa: F401
