"""Every message shown to people has its Chinese translation, and the compiled catalogue
shipped in the repository is the one built from the source catalogue."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "platform" / "zhengtong" / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_message_is_translated():
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    untranslated = []
    for block in text.split("\n\n"):
        if "#, fuzzy" in block and 'msgid ""\nmsgstr ""\n"' not in block:
            untranslated.append(block)
        elif re.search(r'\nmsgstr ""$', block.strip()) and not block.strip().startswith('msgid ""'):
            untranslated.append(block)
    assert untranslated == [], "\n\n".join(untranslated[:5])


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="gettext's msgfmt is not installed")
def test_catalogue_compiles_and_the_shipped_mo_is_current(tmp_path):
    out = tmp_path / "django.mo"
    r = subprocess.run(["msgfmt", "--check-format", "-o", str(out), str(LOCALE / "django.po")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == (LOCALE / "django.mo").read_bytes(), "run deploy/i18n.sh and commit the .mo"
