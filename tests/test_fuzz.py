"""Property-based fuzzing (schemathesis) of every documented operation of a real uvicorn.

The schema is the app's own OpenAPI document; `test_served_schema_is_the_fuzzed_one` checks
that the running server serves exactly that document, so the fuzzing covers /openapi.json of
the live process. (schemathesis' lazy `from_fixture` loader does not work with pytest 9:
it sets `Function._nodeid`, which pytest 9 no longer has.)
"""

from __future__ import annotations

import httpx
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from service.app import create_app

schema = schemathesis.openapi.from_dict(create_app().openapi())


def schema_valid_request_accepted(ctx, response, case) -> None:
    """schemathesis' positive_data_acceptance, with one exception the schema cannot state:
    `agency` is free text (an id, a name or an alias) resolved against the loaded corpus, so
    a schema-valid name the plan does not have is a 422 `unknown_agency`."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    if response.status_code < 400 or response.status_code == 404:
        return
    body = response.json()
    assert (
        case.operation.label == "GET /search"
        and (case.query or {}).get("agency") is not None
        and response.status_code == 422
        and body["error"]["code"] == "unknown_agency"
    ), f"schema-valid request rejected with {response.status_code}: {body}"


def test_served_schema_is_the_fuzzed_one(live_server):
    assert httpx.get(f"{live_server}/openapi.json").json() == schema.raw_schema


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms(case, live_server):
    """No 5xx; status codes, content types, headers and bodies as documented."""
    response = case.call_and_validate(
        base_url=live_server,
        excluded_checks=[positive_data_acceptance],
        additional_checks=[schema_valid_request_accepted],
        timeout=30,
    )
    assert response.status_code < 500
