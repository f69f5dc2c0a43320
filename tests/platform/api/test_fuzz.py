"""The REST API fuzzed with schemathesis, in-process against the WSGI application.

As a signed-in asset officer of unit A, every operation of the unit's OpenAPI schema gets
schemathesis' coverage cases (boundary values, each constraint broken in turn, wrong types,
repeated query parameters, undeclared methods: a fixed set) and ``MAX_EXAMPLES`` generated
requests per operation and mode (valid and invalid data), and every answer passes all of
schemathesis' checks, as ``schemathesis run --checks all`` would: no server error, every status
code documented, every answer matching its schema, invalid requests refused and valid ones
accepted. Anonymously, every answer is a refusal that carries no data.
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path

from django.conf import settings as django_settings
from hypothesis.configuration import set_hypothesis_home_dir

# Hypothesis (and schemathesis, from its import on) keep caches in a folder: keep it out of the
# source tree, with this run's var files. Set before schemathesis is imported.
set_hypothesis_home_dir(str(Path(django_settings.VAR_DIR) / "hypothesis"))

import pytest  # noqa: E402
import schemathesis  # noqa: E402
from django.core import signals  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.generation.modes import GenerationMode  # noqa: E402

from tests.conftest import ALPHA_HOST  # noqa: E402

MAX_EXAMPLES = 10
MARK = "FUZZMARK-ALPHA-5d2a"
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,  # no saved examples: every run explores afresh
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture(autouse=True)
def _quiet_request_log():
    # Thousands of deliberate 4xx answers: keep Django's per-request warnings out of the output.
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


@pytest.fixture
def wsgi_app(db):
    """Django's own WSGI handler, called in this thread, so its requests see the test's
    transaction. Like Django's test client, keep it from closing the test's connection at
    the start and end of each request."""
    from django.core.handlers.wsgi import WSGIHandler

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def officer_headers(alpha, make_user):
    from django_tenants.utils import schema_context

    from zhengtong.api.authentication import token_for

    officer = make_user(alpha, ["assets.asset_officer"])
    with schema_context(alpha.schema_name):
        token = token_for(officer).token
    return {"Host": ALPHA_HOST, "Authorization": f"Bearer {token}"}


@pytest.fixture
def seeded_cards(alpha, make_asset):
    return [make_asset(alpha, name=f"{MARK} 卡片{i}").pk for i in range(3)]


def load_schema(app, headers):
    return schemathesis.openapi.from_wsgi(
        "/api/schema/", app, headers={**headers, "Accept": "application/vnd.oai.openapi+json"})


BOTH_MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def coverage(schema, check, *, modes=BOTH_MODES) -> int:
    """Run ``check(case)`` on schemathesis' coverage cases of every operation (its "coverage"
    phase: deterministic, a few dozen per operation). Returns how many were run."""
    ran = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for case in schema.iter_coverage_cases(operation, generation_modes=list(modes),
                                               generation_config=schema.config.generation_for(operation=operation)):
            check(case)
            ran += 1
    return ran


def fuzz(schema, check, *, modes=BOTH_MODES) -> list[str]:
    """Run ``check(case)`` on MAX_EXAMPLES generated cases per operation and mode.

    (schemathesis' own pytest integration does not run under pytest 9 yet, so the operations
    are driven with Hypothesis directly.) Returns the operations × modes that were run.
    """
    ran = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in modes:
            @FUZZ_SETTINGS
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                check(case)

            try:
                run()
            except Exception as exc:
                raise AssertionError(f"{operation.label} ({mode.value} data): {exc}") from exc
            ran.append(f"{operation.label} [{mode.value}]")
    return ran


def test_member_requests_pass_all_schemathesis_checks(alpha, wsgi_app, officer_headers, seeded_cards):
    from django_tenants.utils import schema_context
    from schemathesis.core.failures import FailureGroup

    from modules.assets.models import Asset

    answers = Counter()
    failures = {}

    def check(case):
        # Aim most generated ids at stored cards, so updates run against real rows; larger
        # ids stay as generated and exercise "not found". (Coverage cases carry "0" as text.)
        card_id = (case.path_parameters or {}).get("id")
        if isinstance(card_id, str) and re.fullmatch("[0-9]{1,4}", card_id):
            card_id = int(card_id)
        if isinstance(card_id, int) and not isinstance(card_id, bool) and 0 <= card_id < 10_000:
            card_id = case.path_parameters["id"] = seeded_cards[card_id % len(seeded_cards)]
            # A random "version" is nearly always stale (409); in valid data, send the card's
            # current one for even numbers, so both the conflict and the save are exercised.
            body = case.body if isinstance(case.body, dict) else {}
            version = body.get("version")
            if (case.meta.generation.mode == GenerationMode.POSITIVE and isinstance(version, int)
                    and not isinstance(version, bool) and version % 2 == 0):
                with schema_context(alpha.schema_name):
                    body["version"] = Asset.objects.get(pk=card_id).version
        response = case.call(headers=officer_headers)
        answers[(case.method, case.path, response.status_code)] += 1
        try:
            # No ``checks=``: every check schemathesis has (all are enabled by default), as
            # ``--checks all``; those that need a stateful run (use_after_free, ...) pass here.
            case.validate_response(response, headers=officer_headers,
                                   transport_kwargs={"headers": officer_headers})
        except FailureGroup as group:
            for failure in group.exceptions:
                # One example of each distinct failure, as schemathesis reports it (with a curl line).
                failures.setdefault((case.operation.label, failure.title), str(group)[:1500])

    schema = load_schema(wsgi_app, officer_headers)
    covered = coverage(schema, check)
    ran = fuzz(schema, check)
    print(f"\nschemathesis: {covered} coverage cases, {len(ran)} operation × mode runs of up to {MAX_EXAMPLES} "
          "examples; answers: " + ", ".join(f"{m} {p} {code}×{n}" for (m, p, code), n in sorted(answers.items())))
    assert not failures, "\n\n".join(f"{op}: {title}\n{example}" for (op, title), example in failures.items())
    assert any("PATCH /api/assets/cards/{id}/" in r for r in ran), ran
    # The fuzzing reached the services, not only the validation: cards were created and changed,
    # and invalid requests were refused with 400, stale versions with 409, missing ones with 428.
    assert answers[("POST", "/api/assets/cards/", 201)] and answers[("POST", "/api/assets/cards/", 400)]
    assert answers[("PATCH", "/api/assets/cards/{id}/", 200)] + answers[("PUT", "/api/assets/cards/{id}/", 200)]
    assert answers[("PATCH", "/api/assets/cards/{id}/", 409)] + answers[("PUT", "/api/assets/cards/{id}/", 409)]
    assert answers[("PATCH", "/api/assets/cards/{id}/", 428)] + answers[("PUT", "/api/assets/cards/{id}/", 428)]
    assert answers[("GET", "/api/assets/cards/", 400)]


def test_anonymous_gets_no_data(wsgi_app, officer_headers, seeded_cards):
    def check(case):
        response = case.call(headers={"Host": ALPHA_HOST})
        # 401/403, or 404 for an id that is no id at all (the route does not match)
        assert response.status_code in (401, 403, 404), (case.method, case.formatted_path, response.status_code)
        assert MARK not in response.text
        if response.status_code != 404:
            assert set(response.json()) == {"detail"}

    # The schema itself is for members: read it as one, then call every operation without
    # credentials.
    ran = fuzz(load_schema(wsgi_app, officer_headers), check, modes=(GenerationMode.POSITIVE,))
    assert len(ran) >= 5
