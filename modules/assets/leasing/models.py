"""Lending and renting contracts (出租出借)."""
from django.db import models  # noqa: F401
