"""Which asset cards a person finds: on the list page and in the unit's card export (the cards
of the ``cards`` fixture, tests/modules/assets/conftest.py, are numbered PM-00x and BETA-*)."""
from __future__ import annotations

import csv
import io


def listed(client, path="/m/assets/"):
    html = client.get(path).content.decode()
    return sorted(n for n in ("PM-001", "PM-002", "PM-003", "BETA-PM", "BETA-SAME-ID") if n in html)


def exported(client):
    raw = b"".join(client.get("/imports/export/assets.asset.csv").streaming_content)
    return sorted(r[0] for r in list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))[1:])
