"""Property-based tests over the OpenAPI document, against the app itself (WSGI): no
server error, and every answer matches the document (status, content type, schema).

The document is the one /api/v1/schema/ serves (checked below); it is built at collection,
when the database is not open yet, hence `from_dict` rather than `from_wsgi`."""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.api import api
from api.keys import api_key_create
from api.models import Scope
from config.wsgi import application
from tests.api.conftest import ApiClient
from tests.factories import CategoryFactory, make_idea

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
DOCUMENT = json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"), default=str))
schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.app = application


def test_the_document_tested_is_the_one_served(community_a):
    served = ApiClient().get("/schema/")
    assert served.status_code == 200
    assert served.json() == DOCUMENT
    assert DOCUMENT["openapi"].startswith("3.1.")


@pytest.fixture
def in_test_transaction():
    """Requests through the WSGI app keep the test's connection (and its transaction)
    open, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def secret(admin_a, member_a, community_a, in_test_transaction) -> str:
    """A key with every scope, and a community with something to read and write."""
    CategoryFactory(community=community_a, slug="transport")
    for number in range(3):
        make_idea(community_a, member_a, title=f"Une idée à tester {number}", tags=["wifi"])
    return api_key_create(community=community_a, name="fuzz", scopes=list(Scope.values), created_by=admin_a).secret


@schema.parametrize()
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_answers_as_documented(case, secret):
    case.call_and_validate(headers={"Authorization": f"Bearer {secret}", "Host": "ideas.brand-a.test"}, checks=CHECKS)
