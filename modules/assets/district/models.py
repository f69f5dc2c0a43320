"""Public-schema per-unit summary rows behind the district roll-up."""
from django.db import models  # noqa: F401
