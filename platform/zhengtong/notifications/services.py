"""Telling people things: the in-app inbox and e-mail.

``notify`` is what other code calls. Inbox rows live in the public schema (one inbox per
person across their units), each carrying the unit it is about; they are written inside the
caller's transaction, so a rolled-back approval leaves no "approved" message behind. E-mail
goes out only after commit, for the same reason.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from zhengtong.accounts.models import User
from zhengtong.core.tenancy import current_unit  # re-exported: what notify() and its callers ask

from .models import Notification

log = logging.getLogger(__name__)
Kind = Notification.Kind


def notify(*, recipients: Iterable[User | int], kind: str, title: str, title_en: str = "", body: str = "",
           body_en: str = "", url: str = "", unit=None, dedupe_key: str = "",
           email: bool = True) -> list[Notification]:
    """Put an item in each recipient's inbox and (after commit) e-mail them.

    ``unit`` defaults to the unit whose schema is active. With ``dedupe_key`` a recipient
    gets the item once, however often the caller runs (periodic checks). Returns the
    items created now.
    """
    if kind not in Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    if unit is None:
        unit = current_unit()
    ids = sorted({r if isinstance(r, int) else r.pk for r in recipients})
    if not ids:
        return []
    created: list[Notification] = []
    with transaction.atomic(), schema_context("public"):
        people = User.objects.filter(pk__in=ids, is_active=True, is_system=False)
        for person in people:
            fields = dict(unit=unit, kind=kind, title=title[:200], title_en=title_en[:200], body=body,
                          body_en=body_en, url=url[:500])
            if dedupe_key:
                item, is_new = Notification.objects.get_or_create(recipient=person, dedupe_key=dedupe_key[:200],
                                                                  defaults=fields)
                if not is_new:
                    continue
            else:
                item = Notification.objects.create(recipient=person, **fields)
            created.append(item)
    if email and created:
        pks = [n.pk for n in created]
        transaction.on_commit(lambda: send_notification_emails(pks))
    return created


def send_notification_emails(pks: list[int]) -> int:
    """Mail the items not mailed yet; a failing mail server never breaks the caller.

    Runs after the notifying transaction has committed (console backend in development,
    SMTP from ZT_EMAIL_* settings in production).
    """
    sent = 0
    with schema_context("public"):
        items = Notification.objects.filter(pk__in=pks, emailed_at__isnull=True).select_related("recipient", "unit")
        for item in items:
            if not item.recipient.email:
                continue
            unit_line = f"{item.unit.name}\n" if item.unit_id else ""
            parts_zh = [item.body, item.url]
            parts_en = [item.body_en or item.body, item.url]
            message = (f"{unit_line}{item.title}\n\n" + "\n".join(p for p in parts_zh if p) + "\n\n---\n"
                       + f"{item.title_en or item.title}\n\n" + "\n".join(p for p in parts_en if p) + "\n")
            subject = f"政通：{item.title}" + (f" / {item.title_en}" if item.title_en else "")
            try:
                send_mail(subject=subject[:250], message=message, from_email=settings.DEFAULT_FROM_EMAIL,
                          recipient_list=[item.recipient.email])
            except Exception:  # noqa: BLE001 - the inbox row stays; the next one may go through
                log.exception("notification mail %s to %s failed", item.pk, item.recipient.email)
                continue
            Notification.objects.filter(pk=item.pk).update(emailed_at=timezone.now())
            sent += 1
    return sent


def notification_open(*, user, pk: int) -> Notification:
    """Mark one of the user's items read (first open only) and return it."""
    with schema_context("public"):
        item = Notification.objects.get(pk=pk, recipient=user)
        if item.read_at is None:
            Notification.objects.filter(pk=pk, read_at__isnull=True).update(read_at=timezone.now())
            item.refresh_from_db(fields=["read_at"])
    return item


def notifications_mark_all_read(*, user) -> int:
    with schema_context("public"):
        return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
