"""An invitation link lasts INVITATION_VALID_DAYS, checked under a controlled clock (issue 13:
time limits need tests that fail when the limit is removed): a minute before the end the
invitee still joins, a minute after it the page says the link has expired and neither the
page nor the service lets anyone join."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from tenants.services import invitation_accept, invitation_create
from tests.conftest import DISTRICT_HOST

PASSWORD = "Late-Comer#2026x"


def _invite(unit, operator, email):
    _inv, url = invitation_create(unit=unit, email=email, role_keys=["assets.custodian"], actor=operator, send=False)
    return url.split("/invite/")[1].strip("/")


def test_an_invitation_expires_after_its_valid_days(alpha, operator, client_for):
    start = timezone.now()
    valid = timedelta(days=settings.INVITATION_VALID_DAYS)
    with time_machine.travel(start, tick=False):
        early = _invite(alpha, operator, "in-time@alpha.cn")
        late = _invite(alpha, operator, "too-late@alpha.cn")

    with time_machine.travel(start + valid - timedelta(minutes=1), tick=False):
        r = client_for(None, DISTRICT_HOST).post(f"/invite/{early}/", {
            "name": "按时", "password1": PASSWORD, "password2": PASSWORD})
        assert r.status_code == 302
        assert alpha.user_set.filter(email="in-time@alpha.cn").exists()

    with time_machine.travel(start + valid + timedelta(minutes=1), tick=False):
        page = client_for(None, DISTRICT_HOST).get(f"/invite/{late}/")
        assert page.status_code == 404 and "过期" in page.content.decode()
        r = client_for(None, DISTRICT_HOST).post(f"/invite/{late}/", {
            "name": "迟到", "password1": PASSWORD, "password2": PASSWORD})
        assert r.status_code == 404
        with pytest.raises(ValidationError, match="已过期"):
            invitation_accept(token=late, name="迟到", password=PASSWORD)
    assert not alpha.user_set.filter(email="too-late@alpha.cn").exists()
