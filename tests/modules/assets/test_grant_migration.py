"""Custody grants written before cards had their direct-FK grant table move there on upgrade
(migration assets 0011), so custodians keep seeing their cards."""
import importlib
from types import SimpleNamespace

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django_tenants.utils import schema_context

from tests.conftest import ALPHA_HOST

move_card_grants = importlib.import_module(
    "modules.assets.migrations.0011_direct_object_permissions").move_card_grants


def test_generic_grants_on_cards_move_to_the_direct_table(alpha, make_user, make_asset, client_for):
    from guardian.models import UserObjectPermission

    from modules.assets.models import Asset, AssetUserObjectPermission

    custodian = make_user(alpha, ["assets.custodian"])
    asset = make_asset(alpha, name="旧授权的电脑")
    with schema_context(alpha.schema_name):
        # As an older release stored it: guardian's generic table, object id as text.
        card_type = ContentType.objects.get_for_model(Asset)
        view = card_type.permission_set.get(codename="view_asset")
        UserObjectPermission.objects.create(user=custodian, permission=view, content_type=card_type,
                                            object_pk=str(asset.pk))
        assert client_for(custodian, ALPHA_HOST).get(f"/m/assets/{asset.pk}/").status_code == 404

        move_card_grants(apps, SimpleNamespace(connection=connection))

        assert not UserObjectPermission.objects.filter(content_type=card_type).exists()
        assert AssetUserObjectPermission.objects.filter(user=custodian, content_object=asset,
                                                        permission=view).exists()
    page = client_for(custodian, ALPHA_HOST).get(f"/m/assets/{asset.pk}/")
    assert page.status_code == 200 and "旧授权的电脑" in page.content.decode()
