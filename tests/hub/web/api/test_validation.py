"""Request validation: clear 4xx messages naming the field, JSON error shape, 413."""

from __future__ import annotations

import httpx
import pytest

from tests.hub.web.api.conftest import assert_error, conforms_to_doc

C = "/customers/{customer_id}"
T = "/customers/{customer_id}/timeline"


@pytest.mark.parametrize(
    ("url", "documented", "status", "needle"),
    [
        ("/customers", "/customers", 422, "phone, email or q"),
        ("/customers?q=%00", "/customers", 422, "q: must not contain NUL"),
        ("/customers/abc", C, 422, "customer_id: must be an integer"),
        ("/customers/0", C, 422, "customer_id: must be at least 1"),
        ("/customers/99999999999999999999", C, 422, "customer_id: must be an integer"),
        ("/customers/9223372036854775807", C, 404, "not found"),
        ("/customers/1/timeline?limit=0", T, 422, "limit: must be at least 1"),
        ("/customers/1/timeline?limit=500", T, 422, "limit: must be at most 200"),
        ("/customers/1/timeline?limit=ten", T, 422, "limit: must be an integer"),
        ("/customers/1/timeline?before=abc", T, 422, "before: must match"),
        ("/threads?status=closed", "/threads", 422, "status: must be one of open, pending"),
        ("/threads?before=1", "/threads", 422, "before: must match"),
    ],
)
async def test_bad_query_and_path_parameters(
    api: httpx.AsyncClient, url: str, documented: str, status: int, needle: str
) -> None:
    response = await api.get(url)
    assert needle in assert_error(response, status)
    conforms_to_doc(response, documented)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({}, "external_id is required"),
        ({"external_id": "A1"}, "give customer_id, phone or email"),
        ({"external_id": "A1", "phone": "+15550001", "colour": "red"}, "unknown field colour"),
        (
            {"external_id": 12, "phone": "+15551230000"},
            "external_id: must be a string, not integer",
        ),
        (
            {"external_id": "A1", "phone": "+15551230000", "items": [{"name": "x", "quantity": 0}]},
            "items[0].quantity: must be at least 1",
        ),
        (
            {"external_id": "A1", "phone": "+15551230000", "items": [{"quantity": 1}]},
            "items[0]: items[0].name is required",
        ),
        ({"external_id": "A1", "phone": "not a phone"}, "not a phone number"),
        ({"external_id": "A1", "email": "x@y.z", "source": "catalogue"}, "source: must be one of"),
        ({"external_id": "A1", "email": "x@y.z", "placed_at": "yesterday"}, "placed_at: must be"),
        (
            {"external_id": "A1", "email": "x@y.z", "placed_at": "2024-05-01T10:00:00"},
            "placed_at: must include a UTC offset",
        ),
        ({"external_id": "x" * 200, "email": "x@y.z"}, "external_id: must be at most"),
        ([1, 2], "must be a JSON object, not array"),
    ],
)
async def test_bad_order_bodies(api: httpx.AsyncClient, body: object, needle: str) -> None:
    response = await api.post("/orders", json=body)
    assert needle in assert_error(response, 422)
    conforms_to_doc(response, "/orders", "post")


async def test_malformed_json_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/orders", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert "not valid JSON" in assert_error(response, 400, "invalid_json")
    assert_error(await api.post("/orders"), 400, "invalid_json")


async def test_oversized_body_is_413(api: httpx.AsyncClient) -> None:
    big = {"external_id": "A1", "email": "x@y.z", "name": "x" * 2_000_000}
    response = await api.post("/orders", json=big)
    assert_error(response, 413, "too_large")
    conforms_to_doc(response, "/orders", "post")


async def test_unknown_route_and_wrong_method_answer_json(api: httpx.AsyncClient) -> None:
    assert_error(await api.get("/nothing-here"), 404)
    assert_error(await api.delete("/orders"), 405)
