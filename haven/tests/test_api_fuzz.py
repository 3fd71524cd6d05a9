"""The whole API schema fuzzed with schemathesis, as a coordinator using an API token: no
server error, no answer the schema does not document, every answer in its documented shape.

Each operation gets a few valid requests (ids of real rows) and a few that break the schema,
with hypothesis derandomized so that a run is repeatable; about a thousand requests."""

import re

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import ServerError
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from haven.api import api
from haven.care.tests.helpers import build_world, register
from haven.cases import services as case_services
from haven.intake.tests.helpers import submit
from haven.prevention import selectors as prevention_selectors
from haven.prevention import services as prevention_services
from haven.security.services import api_token_create
from haven.surveys.tests.helpers import campaign

EXAMPLES = 6
POSITIVE_CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
NEGATIVE_CHECKS = [not_a_server_error, status_code_conformance, negative_data_rejection]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes "old" connections around each request, as a server should; on
    PostgreSQL that drops the connection holding the test's transaction. Django's test client
    disconnects the same receivers."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(tree, settings):
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    coordinator = tree.users["coordinator"]
    care = build_world(tree)
    concern = register(care)
    case = case_services.case_open(actor=coordinator, school=tree.school_a, title="Yard")
    report, _receipt = submit(tree.school_a)
    year = prevention_selectors.school_year_now(tree.school_a)
    prevention_services.plan_create(actor=coordinator, unit=tree.school_a, year=year)
    survey = campaign(coordinator, tree.school_a, classes=[tree.class_a])
    ids = {
        "case_id": case.pk,
        "report_id": report.pk,
        "unit_id": tree.school_a.pk,
        "school_id": tree.school_a.pk,
        "class_id": tree.class_a.pk,
        "concern_id": concern.pk,
        "campaign_id": survey.pk,
        "year": year,
    }
    _token, secret = api_token_create(actor=coordinator, name="fuzz", scope="read-write")
    return ids, {"Authorization": f"Bearer {secret}"}


def _operations():
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    schema.app = WSGIHandler()
    for result in schema.get_all_operations():
        yield result.ok()


def _run(operation, mode, checks, headers, path_parameters=None):
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @settings(
        max_examples=EXAMPLES,
        database=None,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case):
        case.call_and_validate(headers=headers, checks=checks)

    check()


def test_the_whole_schema_holds_under_fuzzing(db, world):
    ids, headers = world
    for operation in _operations():
        names = re.findall(r"{(\w+)}", operation.path)
        known = {name: ids[name] for name in names if name in ids}
        print(operation.label)  # shown with a failure
        _run(operation, GenerationMode.POSITIVE, POSITIVE_CHECKS, headers, known)
        try:
            _run(operation, GenerationMode.NEGATIVE, NEGATIVE_CHECKS, headers)
        except Unsatisfiable:
            pass  # nothing it takes can be sent wrong (no parameter, no body)


def test_the_fuzzer_fails_on_a_server_error(db, world, monkeypatch):
    """The run above can fail: a selector that breaks is reported, not passed over."""
    from haven.cases import selectors

    def broken(**kwargs):
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(selectors, "case_list", broken)
    _ids, headers = world
    operation = next(o for o in _operations() if o.path == "/api/v1/cases" and o.method == "get")
    with pytest.raises(BaseExceptionGroup) as failed:
        _run(operation, GenerationMode.POSITIVE, POSITIVE_CHECKS, headers)
    assert failed.group_contains(ServerError)
