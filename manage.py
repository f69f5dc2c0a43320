#!/usr/bin/env python
"""Django's command-line utility for Zhengtong."""
import os
import sys
from pathlib import Path

# platform/ is a source root, not a package (a package named `platform` would shadow
# the standard library). Put it on sys.path before Django imports settings.
ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "platform"))
sys.path.insert(1, str(ROOT))

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengtong.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
