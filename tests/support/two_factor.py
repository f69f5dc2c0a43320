"""Second factor in tests: real TOTP devices and codes, no stubs.

``verified_session`` enrols a confirmed TOTP device for a person (if they have none) and
marks a test client's session as having passed the second factor — what signing in through
/accounts/2fa/ leaves behind — so fixtures' logged-in clients behave like a completed
sign-in for administrators and operators too.
"""
from __future__ import annotations

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context


def confirmed_device(user) -> TOTPDevice:
    with schema_context("public"):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        return device or TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)


def verified_session(client, user) -> TOTPDevice:
    device = confirmed_device(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def current_code(device: TOTPDevice, *, at: float | None = None) -> str:
    """The code an authenticator app shows now, computed from the device's key."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at if at is not None else time.time()
    return f"{totp.token():0{device.digits}d}"
