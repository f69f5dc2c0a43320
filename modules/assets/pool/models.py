"""Public-schema idle asset pool and cross-unit redistribution records (闲置资产调剂)."""
from django.db import models  # noqa: F401
