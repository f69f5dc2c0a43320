"""Public-schema records of cross-unit transfer handshakes (the district's view)."""
from django.db import models  # noqa: F401
