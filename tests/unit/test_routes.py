"""The HTTP layer over the unit engine: routes map use cases and errors, nothing more."""

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.settings import Settings


@pytest.fixture(scope="module")
def client(engine):
    with TestClient(create_app(Settings(), engine=engine)) as client:
        yield client


def test_readyz_says_loading_before_the_engine_is_there():
    app = create_app(Settings())
    client = TestClient(app)  # no lifespan: nothing is loading in the background
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "loading"


def test_readyz_says_load_failed_with_the_reason():
    app = create_app(Settings())
    app.state.load_error = "no index in ATP_INDEX_DIR"
    response = TestClient(app).get("/readyz")
    assert response.status_code == 503
    body = response.json()["error"]
    assert body["code"] == "load_failed" and "ATP_INDEX_DIR" in body["message"]


def test_search_and_ask(client, engine):
    hits = client.get("/search", params={"q": "拐卖", "k": 3}).json()["results"]
    assert len(hits) == 3
    ask = client.post("/ask", json={"question": "拐卖儿童怎么办"}).json()
    assert ask["answered"] and ask["citations"]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"q": " \x85 "}, "empty_query"),
        ({"q": "x" * 501}, "query_too_long"),
        ({"q": "拐卖", "agency": "0/0"}, "unknown_agency"),
        ({"q": "拐卖", "lang": "fr"}, "invalid_request"),
    ],
)
def test_bad_search_input_is_a_4xx_with_its_code(client, params, code):
    response = client.get("/search", params=params)
    assert 400 <= response.status_code < 500
    assert response.json()["error"]["code"] == code


def test_unknown_passage_is_not_echoed_whole(client):
    response = client.get("/passages/" + "x" * 5000)
    assert response.status_code == 404
    assert len(response.json()["error"]["message"]) < 200


def test_agency_counts_are_the_role_table(client, engine):
    agencies = {a["id"]: a for a in client.get("/agencies").json()["agencies"]}
    for agency_id, (lead, coop) in engine.roles.totals.items():
        assert (agencies[agency_id]["lead_count"], agencies[agency_id]["cooperating_count"]) == (
            lead,
            coop,
        )
