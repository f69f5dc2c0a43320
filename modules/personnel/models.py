"""Staff records, establishment and transfers (人员流动调配)."""
from django.db import models  # noqa: F401
