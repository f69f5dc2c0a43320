"""Every read of the equipment module, filtered by what the user may see."""
from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Device, Place


# --- for other modules (e2custody's hand-over tasks) -------------------------------------------
# These answer "what does this person hold" for the hand-over checklist; they are not
# permission-filtered because the caller (a hand-over service) acts for the unit.

def devices_held_by(*, user_id: int) -> QuerySet[Device]:
    """Devices whose custodian is ``user_id`` (not scrapped)."""
    return (Device.objects.filter(custodian_id=user_id).exclude(status=Device.Status.SCRAPPED)
            .select_related("device_type", "place").order_by("name", "id"))


def places_responsible_for(*, user_id: int) -> QuerySet[Place]:
    """Places where ``user_id`` is the responsible person or a deputy."""
    return (Place.objects.filter(Q(responsible_id=user_id) | Q(deputies__id=user_id)).distinct()
            .select_related("responsible").order_by("name"))
