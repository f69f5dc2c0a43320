"""The REST API of asset cards: the same selectors, services, permissions and unit boundaries
as the portal's pages; session or per-unit bearer token; OpenAPI schema and offline docs."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from tenants.services import unit_module_set
from tests.conftest import ALPHA_HOST, BETA_HOST, DISTRICT_HOST
from zhengtong.audit.models import AuditEvent

CARDS = "/api/assets/cards/"
NEW_CARD = {"name": "激光打印机", "category": "办公设备", "spec": "HP M404", "original_value": "2680.50",
            "acquired_on": "2025-03-01", "department": "办公室", "location": "三楼"}


def api(client, method, path, data=None, **extra):
    body = json.dumps(data) if data is not None else None
    return getattr(client, method)(path, body, content_type="application/json", **extra) if body is not None \
        else getattr(client, method)(path, **extra)


def bearer(client, host=ALPHA_HOST):
    r = client.post("/api/token/")
    assert r.status_code == 201, r.content
    return Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {r.json()['token']}")


def test_list_is_the_pages_list_filtered_and_paginated(alpha, beta, make_user, make_asset, client_for):
    officer = make_user(alpha, ["assets.asset_officer"])
    for i in range(30):
        make_asset(alpha, name=f"椅子{i:02d}")
    make_asset(alpha, name="投影仪")
    make_asset(beta, name="乙的电脑")
    c = client_for(officer)
    first = c.get(CARDS).json()
    assert first["count"] == 31 and len(first["results"]) == 25 and first["next"]
    second = c.get(first["next"]).json()
    assert len(second["results"]) == 6 and second["next"] is None
    names = {a["name"] for a in first["results"] + second["results"]}
    assert "投影仪" in names and "乙的电脑" not in names
    found = c.get(CARDS, {"q": "投影"}).json()
    assert [a["name"] for a in found["results"]] == ["投影仪"]
    assert found["results"][0]["original_value"] == "5000.00"  # money as an exact string
    assert c.get(CARDS, {"status": "disposed"}).json()["count"] == 0
    assert c.get(CARDS, {"status": "no-such-status"}).status_code == 400
    assert c.get(CARDS, {"page": 99}).status_code == 404


def test_custodian_sees_only_their_cards_like_on_the_page(alpha, make_user, make_asset, client_for):
    custodian = make_user(alpha, ["assets.custodian"])
    mine = make_asset(alpha, name="我的笔记本", custodian=custodian)
    theirs = make_asset(alpha, name="别人的相机", custodian=make_user(alpha, ["assets.custodian"]))
    c = client_for(custodian)
    assert [a["name"] for a in c.get(CARDS).json()["results"]] == ["我的笔记本"]
    assert c.get(f"{CARDS}{mine.pk}/").json()["custodian_name"] == custodian.name
    assert c.get(f"{CARDS}{theirs.pk}/").status_code == 404  # not 403: do not confirm it exists


def test_same_id_in_two_units_answers_with_each_units_own_card(alpha, beta, make_user, make_asset, client_for):
    officer_a = make_user(alpha, ["assets.asset_officer"])
    officer_b = make_user(beta, ["assets.asset_officer"])
    make_asset(alpha, pk=7101, name="甲的打印机")
    make_asset(beta, pk=7101, name="乙的投影仪")
    make_asset(alpha, pk=7102, name="只在甲")
    assert client_for(officer_a, ALPHA_HOST).get(f"{CARDS}7101/").json()["name"] == "甲的打印机"
    assert client_for(officer_b, BETA_HOST).get(f"{CARDS}7101/").json()["name"] == "乙的投影仪"
    assert client_for(officer_b, BETA_HOST).get(f"{CARDS}7102/").status_code == 404
    # officer of beta on alpha's host: not a member → 404 for reads and writes
    b_on_a = client_for(officer_b, ALPHA_HOST)
    for method in ("get", "put", "patch", "delete"):
        assert api(b_on_a, method, f"{CARDS}7101/", {"name": "x"} if method in ("put", "patch") else None) \
            .status_code == 404, method
    assert api(b_on_a, "post", CARDS, NEW_CARD).status_code == 404
    assert api(b_on_a, "patch", f"{CARDS}7101/", {"name": "x", "version": 1}).status_code == 404
    with schema_context(alpha.schema_name):
        from modules.assets.models import Asset

        assert Asset.objects.get(pk=7101).name == "甲的打印机"


def test_create_goes_through_the_service_and_is_audited(alpha, make_user, client_for):
    officer = make_user(alpha, ["assets.asset_officer"])
    r = api(client_for(officer), "post", CARDS, NEW_CARD)
    assert r.status_code == 201, r.content
    card = r.json()
    assert card["number"].startswith("ALPHA-2025-") and card["original_value"] == "2680.50"
    assert card["custodian"] is None  # an officer registering names no custodian
    with schema_context(alpha.schema_name):
        event = AuditEvent.objects.get(action="assets.asset.create", object_id=str(card["id"]))
    assert event.actor_id == officer.pk and event.after["name"] == "激光打印机"


def test_custodian_registering_holds_the_card(alpha, make_user, client_for):
    custodian = make_user(alpha, ["assets.custodian"])
    c = client_for(custodian)
    card = api(c, "post", CARDS, NEW_CARD).json()
    assert card["custodian"] == custodian.pk
    assert c.get(f"{CARDS}{card['id']}/").status_code == 200


def test_create_refused_without_the_role_and_the_refusal_is_audited(alpha, make_user, client_for):
    member = make_user(alpha, [])
    r = api(client_for(member), "post", CARDS, {"name": ""})  # refused before validation
    assert r.status_code == 403
    with schema_context(alpha.schema_name):
        from modules.assets.models import Asset

        assert not Asset.objects.exists()
        denied = AuditEvent.objects.get(action="api.assets.create", result="denied")
    assert denied.actor_id == member.pk


def test_validation_errors_are_400_per_field_and_nothing_is_saved(alpha, make_user, client_for):
    officer = make_user(alpha, ["assets.asset_officer"])
    c = client_for(officer)
    r = api(c, "post", CARDS, {**NEW_CARD, "original_value": "-1", "acquired_on": "not a date"})
    assert r.status_code == 400
    assert set(r.json()) == {"original_value", "acquired_on"}
    r = api(c, "post", CARDS, {**NEW_CARD, "name": "x" * 101})
    assert r.status_code == 400 and "name" in r.json()
    r = api(c, "post", CARDS, {**NEW_CARD, "name": "bad\x00name"})
    assert r.status_code == 400
    assert c.get(CARDS).json()["count"] == 0


def test_update_needs_change_permission_on_the_object(alpha, make_user, make_asset, client_for):
    from zhengtong.core.permissions import grant

    officer = make_user(alpha, ["assets.asset_officer"])
    custodian = make_user(alpha, ["assets.custodian"])
    viewer = make_user(alpha, [])
    asset = make_asset(alpha, name="旧名称", custodian=custodian)
    with schema_context(alpha.schema_name):
        grant("assets.view_asset", viewer, asset)  # may see it, not change it
    url = f"{CARDS}{asset.pk}/"

    r = api(client_for(custodian), "patch", url, {"location": "二楼", "version": 1})
    assert r.status_code == 200 and r.json()["location"] == "二楼"
    assert client_for(viewer).get(url).status_code == 200
    assert api(client_for(viewer), "patch", url, {"location": "地下室", "version": 2}).status_code == 403
    assert api(client_for(make_user(alpha, [])), "patch", url, {"location": "地下室", "version": 2}).status_code == 404
    r = api(client_for(officer), "put", url, {**NEW_CARD, "name": "新名称", "version": 2})
    assert r.status_code == 200 and r.json()["name"] == "新名称" and r.json()["number"] == asset.number
    with schema_context(alpha.schema_name):
        updates = list(AuditEvent.objects.filter(action="assets.asset.update", object_id=str(asset.pk))
                       .order_by("id").values_list("after", flat=True))
        assert AuditEvent.objects.filter(action="api.assets.partial_update", result="denied",
                                         actor_id=viewer.pk).exists()
    assert updates[0] == {"location": "二楼"} and updates[-1]["name"] == "新名称"
    # no delete through the API: cards are disposed of, never deleted
    assert api(client_for(officer), "delete", url).status_code == 405


def test_anonymous_gets_401_and_no_data(alpha, make_asset):
    asset = make_asset(alpha, name="秘密资产")
    anon = Client(HTTP_HOST=ALPHA_HOST)
    for path in (CARDS, f"{CARDS}{asset.pk}/", "/api/schema/", "/api/docs/"):
        r = anon.get(path)
        assert r.status_code == 401, path
        assert "秘密资产" not in r.content.decode()
    assert r["WWW-Authenticate"].startswith("Bearer")
    assert api(anon, "post", CARDS, NEW_CARD).status_code == 401


def test_bearer_token_works_only_in_its_own_unit_and_dies_with_the_password(alpha, beta, make_user, make_asset,
                                                                             client_for):
    user = make_user(alpha, ["assets.asset_officer"])
    from zhengtong.accounts.services import member_roles_set

    member_roles_set(unit=beta, user=user, role_keys=["assets.asset_officer"], actor=None, enforce_grantor=False)
    make_asset(alpha, pk=7201, name="甲资产")
    make_asset(beta, pk=7201, name="乙资产")
    token_client = bearer(client_for(user, ALPHA_HOST))
    with schema_context(alpha.schema_name):
        assert AuditEvent.objects.filter(action="api.token.issue", actor_id=user.pk).exists()
    assert token_client.get(f"{CARDS}7201/").json()["name"] == "甲资产"
    created = api(token_client, "post", CARDS, NEW_CARD)  # no CSRF needed with a token
    assert created.status_code == 201

    # the same token on beta's host — where the user is a member too — is refused
    token = token_client.defaults["HTTP_AUTHORIZATION"]
    on_beta = Client(HTTP_HOST=BETA_HOST, HTTP_AUTHORIZATION=token)
    r = on_beta.get(f"{CARDS}7201/")
    assert r.status_code == 401 and "乙资产" not in r.content.decode()

    # a token cannot mint another token (it would outlive every password change)
    assert token_client.post("/api/token/").status_code in (401, 403)

    user.set_password("An0ther-Passw0rd!")
    user.save()
    assert token_client.get(CARDS).status_code == 401


def test_token_of_a_deactivated_user_or_former_member_stops_working(alpha, make_user, client_for):
    from zhengtong.accounts.models import User

    user = make_user(alpha, ["assets.asset_officer"])
    token_client = bearer(client_for(user))
    assert token_client.get(CARDS).status_code == 200
    alpha.user_set.remove(user)  # membership row gone: the token's user is no longer a member
    assert token_client.get(CARDS).status_code == 404
    alpha.user_set.add(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert token_client.get(CARDS).status_code == 401
    assert Client(HTTP_HOST=ALPHA_HOST, HTTP_AUTHORIZATION="Bearer not-a-token").get(CARDS).status_code == 401


def test_session_writes_need_the_csrf_token(alpha, make_user):
    officer = make_user(alpha, ["assets.asset_officer"])
    c = Client(HTTP_HOST=ALPHA_HOST, enforce_csrf_checks=True)
    c.force_login(officer)
    assert api(c, "post", CARDS, NEW_CARD).status_code == 403
    c.get("/accounts/profile/")  # any page sets the CSRF cookie
    csrf = c.cookies["zt_csrftoken"].value
    assert api(c, "post", CARDS, NEW_CARD, HTTP_X_CSRFTOKEN=csrf).status_code == 201


def test_disabled_module_api_is_404_and_missing_from_the_schema(alpha, make_user, make_asset, client_for, operator):
    officer = make_user(alpha, ["assets.asset_officer"])
    asset = make_asset(alpha, name="保留的资产")
    c = client_for(officer)
    assert CARDS in c.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    unit_module_set(unit=alpha, module_key="assets", enabled=False, actor=operator)
    for method, path in (("get", CARDS), ("get", f"{CARDS}{asset.pk}/"), ("post", CARDS),
                         ("patch", f"{CARDS}{asset.pk}/")):
        r = api(c, method, path, NEW_CARD if method != "get" else None)
        assert r.status_code == 404, (method, path)
        assert "保留的资产" not in r.content.decode()
    token_client = bearer(c)
    assert token_client.get(f"{CARDS}{asset.pk}/").status_code == 404
    schema = c.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert not any(p.startswith("/api/assets/") for p in schema["paths"])


def test_the_permission_class_refuses_a_disabled_module_even_past_the_gate(alpha, make_user, operator, rf):
    """Defence in depth: the view set itself refuses, should a route ever escape the gate."""
    from modules.assets.api import AssetCardViewSet
    from zhengtong.registry.middleware import enabled_modules

    officer = make_user(alpha, ["assets.asset_officer"])
    unit_module_set(unit=alpha, module_key="assets", enabled=False, actor=operator)
    alpha.refresh_from_db()
    assert "assets" not in enabled_modules(alpha)
    request = rf.get(CARDS, HTTP_HOST=ALPHA_HOST)
    request.tenant = alpha
    request.user = officer
    with schema_context(alpha.schema_name):
        response = AssetCardViewSet.as_view({"get": "list"})(request)
    assert response.status_code == 404


def test_schema_and_offline_docs(alpha, make_user, client_for):
    c = client_for(make_user(alpha, ["assets.custodian"]))
    schema = c.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"][CARDS]) == {"get", "post"}
    assert set(schema["paths"][CARDS + "{id}/"]) == {"get", "put", "patch"}
    assert "unitToken" in schema["components"]["securitySchemes"]
    page = c.get("/api/docs/").content.decode()
    assert "/api/docs/ui/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
    js = c.get("/api/docs/ui/swagger-ui-bundle.js")
    assert js.status_code == 200 and js["Content-Type"] == "application/javascript"
    assert c.get("/api/docs/ui/..%2Fsettings.py").status_code == 404
    assert c.get("/api/docs/ui/LICENSE").status_code == 404


def test_api_is_not_served_on_the_district_host(operator, client_for):
    assert client_for(operator, DISTRICT_HOST).get(CARDS).status_code == 404


def test_a_stale_version_is_refused_with_409_and_nothing_changes(alpha, make_user, make_asset, client_for):
    officer = make_user(alpha, ["assets.asset_officer"])
    asset = make_asset(alpha, name="会议桌")
    c = client_for(officer)
    url = f"{CARDS}{asset.pk}/"
    read = c.get(url).json()
    assert read["version"] == 1
    assert api(c, "patch", url, {"location": "一楼", "version": read["version"]}).json()["version"] == 2
    # a second editor still holding version 1
    r = api(c, "patch", url, {"location": "五楼", "version": read["version"]})
    assert r.status_code == 409 and r.json()["detail"]
    assert c.get(url).json()["location"] == "一楼"


def test_api_errors_speak_chinese_by_default_and_english_on_request(alpha):
    bad = Client(HTTP_HOST=ALPHA_HOST, HTTP_AUTHORIZATION="Bearer not-a-token")
    assert "令牌无效" in bad.get(CARDS).json()["detail"]
    english = Client(HTTP_HOST=ALPHA_HOST, HTTP_AUTHORIZATION="Bearer not-a-token")
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert english.get(CARDS).json()["detail"].startswith("The API token is invalid")


def test_ids_are_integers_and_odd_ids_are_simply_not_found(alpha, make_user, client_for):
    c = client_for(make_user(alpha, ["assets.asset_officer"]))
    schema = c.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    (param,) = schema["paths"][CARDS + "{id}/"]["get"]["parameters"]
    assert param["schema"]["type"] == "integer"
    for odd in ("abc", "-1", "1.5", "9" * 30):
        assert c.get(f"{CARDS}{odd}/").status_code == 404, odd


def test_an_update_without_the_version_is_refused_with_428_and_nothing_changes(alpha, make_user, make_asset,
                                                                               client_for):
    """Without "version" an update could only overwrite whatever someone saved in the meantime
    (it did: last write won, silently)."""
    officer = make_user(alpha, ["assets.asset_officer"])
    asset = make_asset(alpha, name="会议桌")
    c = client_for(officer)
    url = f"{CARDS}{asset.pk}/"
    for method, body in (("patch", {"location": "五楼"}), ("put", {**NEW_CARD, "location": "五楼"})):
        r = api(c, method, url, body)
        assert r.status_code == 428, (method, r.content)
        assert "版本号" in r.json()["detail"]  # Chinese by default, naming the missing field
        assert "version" in r.json()["detail"]
    english = client_for(officer)
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert api(english, "patch", url, {"location": "五楼"}).json()["detail"].startswith("Send the version you read")
    with schema_context(alpha.schema_name):
        asset.refresh_from_db()
        assert (asset.location, asset.version) == ("", 1)
        assert not AuditEvent.objects.filter(action="assets.asset.update").exists()
    # still 404 first for a card the caller may not see: a refusal tells nothing about the card
    assert api(client_for(make_user(alpha, [])), "patch", url, {"location": "五楼"}).status_code == 404
    # with the version it read, the same update goes through
    assert api(c, "patch", url, {"location": "五楼", "version": 1}).json()["version"] == 2


def test_the_schema_requires_the_version_on_updates_and_documents_every_answer(alpha, make_user, client_for):
    c = client_for(make_user(alpha, ["assets.asset_officer"]))
    schema = c.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    card = schema["paths"][CARDS + "{id}/"]
    for method in ("put", "patch"):
        body = components[card[method]["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]]
        assert "version" in body["required"], method
        assert body["additionalProperties"] is False
        assert {"200", "400", "401", "403", "404", "409", "415", "428"} <= set(card[method]["responses"]), method
    assert {"200", "400", "401", "403", "404"} <= set(schema["paths"][CARDS]["get"]["responses"])
    assert {"201", "400", "401", "403", "404", "415"} <= set(schema["paths"][CARDS]["post"]["responses"])
    page_size = next(p for p in schema["paths"][CARDS]["get"]["parameters"] if p["name"] == "page_size")
    assert (page_size["schema"]["minimum"], page_size["schema"]["maximum"]) == (1, 200)
    error = components["Error"]
    assert error["properties"]["detail"]["type"] == "string"


def test_requests_outside_the_schema_are_refused_not_coerced(alpha, make_user, make_asset, client_for):
    """What the schema calls invalid is refused with 400 naming the field, not quietly coerced
    (schemathesis found an array page_size accepted and an integer department stored as text)."""
    officer = make_user(alpha, ["assets.asset_officer"])
    make_asset(alpha, name="文件柜")
    c = client_for(officer)
    for query in ("page_size=1&page_size=2", "page_size=abc", "page_size=0", "page_size=201", "page=0", "page=",
                  "page=1&page=2", "status=idle&status=in_use", "q=a&q=b"):
        r = c.get(f"{CARDS}?{query}")
        assert r.status_code == 400, query
        assert set(r.json()) & {"page", "page_size", "status", "q"}, query
    assert c.get(f"{CARDS}?page_size=200").json()["count"] == 1
    for field, value in (("department", 5), ("name", ["a"]), ("original_value", 2680.5), ("original_value", "1e3"),
                         ("original_value", " 5"), ("acquired_on", "2025-3-1"), ("acquired_on", "20250301"),
                         ("department", None), ("name", " " * 101 + "x")):
        r = api(c, "post", CARDS, {**NEW_CARD, field: value})
        assert r.status_code == 400, (field, value, r.content)
        assert field in r.json(), (field, value)
    r = api(c, "post", CARDS, {**NEW_CARD, "departmnet": "办公室", "status": "disposed"})  # unknown / read-only
    assert r.status_code == 400 and set(r.json()) == {"departmnet", "status"}
    assert "department" in r.json()["departmnet"][0]  # says which fields there are
    assert c.get(CARDS).json()["count"] == 1  # nothing was saved
    # what the schema allows is accepted: surrounding spaces trimmed, an amount without decimals
    r = api(c, "post", CARDS, {**NEW_CARD, "name": "  投影仪 ", "original_value": "5000"})
    assert r.status_code == 201 and r.json()["name"] == "投影仪"
    # any other path under /api/ answers the API's JSON 404, never the portal's HTML page
    for path in (f"{CARDS}abc/", f"{CARDS}1.5/", "/api/no-such-thing/"):
        r = api(c, "put", path, {"name": "x"})
        assert r.status_code == 404 and r["Content-Type"] == "application/json" and r.json()["detail"], path


def test_a_token_expires_after_its_max_age_on_the_servers_clock(alpha, make_user, make_asset, client_for):
    """Controlled clock: the token works until ZT_API_TOKEN_MAX_AGE has passed since it was
    issued, then every call is refused with 401 and the documented error."""
    max_age = settings.ZT_API_TOKEN_MAX_AGE
    assert 0 < max_age <= 24 * 3600  # a token is a credential: it lives hours, not forever
    user = make_user(alpha, ["assets.asset_officer"])
    make_asset(alpha, name="保密柜")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        issued_at = timezone.now()
        r = client_for(user).post("/api/token/")
        assert r.status_code == 201
        token = r.json()["token"]
        assert datetime.fromisoformat(r.json()["expires_at"]) == issued_at + timedelta(seconds=max_age)
        caller = Client(HTTP_HOST=ALPHA_HOST, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert caller.get(CARDS).status_code == 200

        clock.shift(timedelta(seconds=max_age - 5))
        assert caller.get(CARDS).json()["results"][0]["name"] == "保密柜"  # still valid just before

        clock.shift(timedelta(seconds=10))  # 5 s past its max age
        r = caller.get(CARDS)
        assert r.status_code == 401
        assert r["WWW-Authenticate"].startswith("Bearer")
        assert set(r.json()) == {"detail"} and "已过期" in r.json()["detail"]
        assert "保密柜" not in r.content.decode()
        assert api(caller, "patch", f"{CARDS}1/", {"name": "x", "version": 1}).status_code == 401
    # the 401 and its body are what the schema documents
    schema = client_for(user).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    unauthorized = schema["paths"][CARDS]["get"]["responses"]["401"]
    assert unauthorized["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    assert "expired" in unauthorized["description"]
