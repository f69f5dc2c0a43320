"""What every part of the personnel services shares: the fields a person's record and
position consist of, what each kind of move may change, the refusals with their own meaning
(post full, hand-over open) and the permission check."""
from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from zhengtong.core.errors import Invalid, Refused
from zhengtong.core.permissions import can

from ..models import HandoverItem, Person, Post, Transfer

PERSON_FIELDS = ("name", "gender", "birth_date", "education", "political_status", "entry_date", "employment_type",
                 "user")
POSITION_FIELDS = ("department_id", "post_id", "rank", "status", "seconded_to_department_id", "secondment_unit",
                   "secondment_end")
K = Transfer.Kind
S = Person.Status

# What each kind of move may change, and the status it leads to (None: unchanged).
KIND_RULES: dict[str, dict[str, Any]] = {
    K.INTERNAL: {"needs": ("after_department",), "status": S.IN_POST},
    K.PROMOTION: {"needs": ("after_rank",), "status": None},
    K.DEMOTION: {"needs": ("after_rank",), "status": None},
    K.APPOINTMENT: {"needs": ("after_post",), "status": S.IN_POST},
    K.REMOVAL: {"needs": (), "status": None, "clears_post": True},
    K.RETIREMENT: {"needs": (), "status": S.RETIRED},
    K.RESIGNATION: {"needs": (), "status": S.LEFT},
    K.TRANSFER_OUT: {"needs": ("other_unit",), "status": S.LEFT_TRANSFERRED},
    K.TRANSFER_IN: {"needs": (), "status": S.IN_POST},
    K.SECONDMENT: {"needs": ("end_date",), "status": S.SECONDED_OUT},
}
LEAVING_KINDS = (K.RETIREMENT, K.RESIGNATION, K.TRANSFER_OUT)


class EstablishmentFull(Invalid):
    """The post has no vacancy (超编); an authorised role may override with a reason."""

    def __init__(self, post: Post, vacancy: int):
        super().__init__(
            _("The post %(post)s has no vacancy (establishment %(est)s, vacancy %(vac)s). Only a unit leader "
              "may exceed the establishment, with a written reason (%(post)s 已无空编，超编须由单位领导写明理由).")
            % {"post": str(post), "est": post.establishment, "vac": vacancy}, code="establishment_full")
        self.post = post


class HandoverOpen(Invalid):
    def __init__(self, items: list[HandoverItem]):
        labels = "; ".join(i.label for i in items[:5])
        super().__init__(
            _("%(n)s mandatory hand-over item(s) are still open: %(items)s. Hand them over first or have a unit "
              "leader complete the move with a written reason (尚有%(n)s项必须交接的事项未完成).")
            % {"n": len(items), "items": labels}, code="handover_open")
        self.items = items


def may(user, perm: str, obj=None) -> Refused | None:
    """The refusal a person without ``perm`` meets (object permissions included when ``obj``
    is given), or None. ``user=None`` is the platform's own jobs: no permission applies."""
    if user is None:
        return None
    if not (can(user, perm, obj) if obj is not None else user.has_perm(perm)):
        return Refused(_("You may not do this (您无权执行此操作)."), detail=f"lacks {perm}")
    return None


def _require(actor, perm: str, obj=None) -> None:
    refusal = may(actor, perm, obj)
    if refusal is not None:
        raise refusal


def name_initials(name: str) -> str:
    """张三丰 → zsf (lower case; non-Chinese characters kept as they are)."""
    return "".join(p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default") if p).lower()[:50]
