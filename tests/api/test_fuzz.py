"""Schemathesis against the whole API, in-process over WSGI, as a partner user's token.

Every operation gets positive (schema-valid) and negative (schema-breaking) cases, then the
stateful phase chains operations. Checks: no 5xx, every status code and body as the schema
says. Derandomized, so a failure reproduces; at least 1,000 cases in total.
"""

from __future__ import annotations

import time

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from orion.api.models import ApiToken
from orion.api.services import token_create
from orion.numbers.services import numbers_add_range
from orion.orders import services as order_services
from orion.wsgi import application
from tests import factories as f

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]
EXAMPLES_PER_MODE = 15  # per operation and mode; ~45 operations -> well over 1,000 cases
STATEFUL_EXAMPLES = 40
MIN_CASES = 1000

hypothesis.settings.register_profile(
    "orion-api-fuzz", max_examples=EXAMPLES_PER_MODE, deadline=None, derandomize=True,
    database=None, print_blob=True,
    suppress_health_check=list(HealthCheck))


class Fuzzer:
    """Holds the bearer token; re-issues it if a fuzzed call revoked it."""

    def __init__(self, user):
        self.user = user
        self.calls = 0
        self.statuses: dict[int, int] = {}
        self._issue()

    def _issue(self) -> None:
        created = token_create(user=self.user, name="fuzz")
        self.token_id, self.secret = created.token.pk, created.secret

    def headers(self) -> dict[str, str]:
        if ApiToken.objects.filter(pk=self.token_id, revoked_at__isnull=True).count() == 0:
            self._issue()
        return {"Authorization": f"Bearer {self.secret}"}

    def run(self, case) -> None:
        response = case.call(headers=self.headers())
        self.calls += 1
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        case.validate_response(response, checks=CHECKS)


@pytest.fixture
def keep_test_connection():
    """As Django's test Client does: a request must not close the test's DB connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.usefixtures("keep_test_connection")
def test_fuzz_the_whole_api(tenant_a, tenant_b, staff):
    # Something to find: numbers, a draft with lines, a placed order, another partner's data.
    numbers_add_range(spec="2125550100-2125550149")
    draft = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    placed = f.draft_with_packages(user=tenant_a.user, enterprise=tenant_a.enterprise)
    order_services.order_save(user=tenant_a.user, order_id=placed.pk,
                              details=f.new_customer_details())
    f.draft_with_packages(user=tenant_b.user, enterprise=tenant_b.enterprise)
    assert draft.pk

    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)
    fuzzer = Fuzzer(tenant_a.user)
    settings = hypothesis.settings.get_profile("orion-api-fuzz")
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                fuzzer.run(case)

            check()

    machine = schema.as_state_machine()

    class Machine(machine):
        def call(self, case, **kwargs):
            kwargs.setdefault("headers", {}).update(fuzzer.headers())
            fuzzer.calls += 1
            return case.call(**kwargs)

        def validate_response(self, response, case, **kwargs):
            case.validate_response(response, checks=CHECKS)

    Machine.run(settings=hypothesis.settings(settings, max_examples=STATEFUL_EXAMPLES,
                                             stateful_step_count=10))
    elapsed = time.monotonic() - started
    statuses = sorted(fuzzer.statuses.items())
    print(f"\nfuzz: {fuzzer.calls} cases in {elapsed:.0f}s; statuses {statuses}")
    assert fuzzer.calls >= MIN_CASES
    assert not any(status >= 500 for status in fuzzer.statuses)
