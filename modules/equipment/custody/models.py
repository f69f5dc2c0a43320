"""Keys and credentials custody, hand-over tasks, damage incidents, semester evaluations."""
from django.db import models  # noqa: F401
