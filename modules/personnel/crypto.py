"""ID numbers (居民身份证号码, GB 11643-1999): validation, encryption at rest, search keys.

Storage (columns of personnel_person):

* ``id_number_encrypted`` — a Fernet token (AES-128-CBC + HMAC-SHA256, random IV) of the number;
* ``id_number_hash`` — HMAC-SHA256 of the number under a separate key: exact look-up and a
  unique index without decrypting every row (a plain hash of an 18-digit number with a
  date and a region inside would be brute-forced in minutes; a keyed one is not);
* ``id_number_last4`` / ``id_number_region`` — suffix search and the masked display
  (1101**********123X).

Keys
----
``ZT_FIELD_KEY`` (environment) is a comma-separated list of secrets, newest first; without it
the key derives from ``SECRET_KEY``. Every secret is stretched with HKDF into a Fernet key, so
any string of enough entropy works. The newest key encrypts; every listed key decrypts
(MultiFernet).

Key rotation: put the new secret first (``ZT_FIELD_KEY=new,old``), deploy, run
``id_numbers_rotate()`` (services; re-encrypts every row of every unit with the newest key),
then drop the old secret. The search hash has its own key (``ZT_FIELD_HASH_KEY``, default derived from ``SECRET_KEY``;
set it explicitly in production so a SECRET_KEY change does not touch it); if it must change,
``id_numbers_rotate(rehash=True)`` recomputes every hash from the decrypted numbers with the
key configured now.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from datetime import date
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_PATTERN = re.compile(r"^\d{17}[\dX]$")


def id_number_normalise(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper()


def id_number_check_digit(first17: str) -> str:
    """GB 11643: sum of digit × weight, mod 11, mapped through 1 0 X 9 8 7 6 5 4 3 2."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=False)) % 11]


def id_number_validate(raw: str) -> str:
    """The normalised number, or ValidationError (format, date of birth, check digit)."""
    number = id_number_normalise(raw)
    if not _PATTERN.match(number):
        raise ValidationError(_("An ID number has 18 characters: 17 digits and a digit or X "
                                "(身份证号码应为18位，前17位为数字，末位为数字或X)."), code="id_format")
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("The date of birth inside the ID number is not a real date "
                                "(身份证号码中的出生日期无效)."), code="id_birth") from None
    if id_number_check_digit(number[:17]) != number[17]:
        raise ValidationError(_("The check digit of the ID number is wrong; please check the number "
                                "(身份证号码校验位错误，请核对).") , code="id_check")
    return number


def id_number_birth_date(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def _secrets() -> list[str]:
    configured = os.environ.get("ZT_FIELD_KEY") or getattr(settings, "ZT_FIELD_KEY", "")
    secrets = [s.strip() for s in configured.split(",") if s.strip()] if configured else []
    return secrets or [settings.SECRET_KEY]


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"zhengtong.personnel", info=purpose).derive(
        secret.encode())


@lru_cache(maxsize=8)
def _fernet(secrets: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(base64.urlsafe_b64encode(_derive(s, b"id-number-encryption"))) for s in secrets])


@lru_cache(maxsize=8)
def _hash_key(secret: str) -> bytes:
    return _derive(secret, b"id-number-search-hash")


def _current_hash_secret() -> str:
    return os.environ.get("ZT_FIELD_HASH_KEY") or getattr(settings, "ZT_FIELD_HASH_KEY", "") or settings.SECRET_KEY


def id_number_encrypt(number: str) -> str:
    return _fernet(tuple(_secrets())).encrypt(number.encode()).decode()


def id_number_decrypt(token: str) -> str:
    try:
        return _fernet(tuple(_secrets())).decrypt(token.encode()).decode()
    except InvalidToken:
        raise ValueError("ID number cannot be decrypted with the configured keys (ZT_FIELD_KEY)") from None


def id_number_reencrypt(token: str) -> str:
    """The same number under the newest key (MultiFernet.rotate)."""
    return _fernet(tuple(_secrets())).rotate(token.encode()).decode()


def id_number_hash(number: str) -> str:
    return hmac.new(_hash_key(_current_hash_secret()), number.encode(), hashlib.sha256).hexdigest()


def id_number_mask(number: str) -> str:
    return f"{number[:4]}{'*' * 10}{number[-4:]}"
