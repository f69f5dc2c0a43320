"""On the asset card: who has the asset now (an active lending/renting contract) and, for a
card moved through the idle pool, where it went or came from with the decision number."""
from django import template

register = template.Library()


@register.inclusion_tag("assets_leasing/_on_card.html", takes_context=True)
def lending_on_card(context, asset):
    from ...pool.selectors import transfer_for_card
    from ..selectors import active_contract_for_card, may_view_contracts
    from ..services import can_lend

    request = context.get("request")
    unit = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    return {"contract": active_contract_for_card(asset),
            "may_open": bool(user and may_view_contracts(user)),
            "may_lend": bool(user) and can_lend(asset, user) is None,
            "asset": asset,
            "transfer": transfer_for_card(unit=unit, asset_id=asset.pk) if unit is not None else None}
