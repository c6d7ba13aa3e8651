"""Excerpts in error messages: a long value is quoted as its start and its length, a normal one whole."""

from __future__ import annotations

import pytest

from mockserver import Sandbox, create_app
from mockserver.excerpt import excerpt, shorten
from mockserver.testing import sync_client
from mockserver.vendors import vendor_names

from .bounds_helpers import BIG, CONTROL, client_of, invalid
from .conftest import AUTH


def test_a_message_about_normal_values_is_unchanged() -> None:
    message = "'" + "v" * 128 + "' is too long - 'user.first_name'"
    assert shorten(message) == message
    assert excerpt("w" * 128) == "w" * 128


def test_a_long_quoted_value_keeps_its_start_and_length_and_the_field_after_it() -> None:
    message = repr("x" * 1000) + " is not one of ['a', 'b'] - 'kind'"
    assert shorten(message) == "'" + "x" * 64 + "...' (1000 characters) is not one of ['a', 'b'] - 'kind'"


def test_a_huge_message_without_a_long_quoted_value_keeps_its_head_and_its_tail() -> None:
    message = repr(list(range(10000))) + " is not valid - 'ids'"
    cut = shorten(message)
    assert len(cut) < 2048 + 200
    assert cut.startswith("[0, 1, 2")
    assert cut.endswith("is not valid - 'ids'")
    assert f"({len(message)} characters)" in cut


@pytest.fixture(scope="module")
def roomy_app() -> Sandbox:
    """Bodies up to 8 MiB: room for a 5 MiB value to reach validation."""
    return create_app(max_body_size=8 * 1024 * 1024)


@pytest.mark.parametrize("name", vendor_names())
def test_an_error_quotes_an_excerpt_of_a_5_mib_value(roomy_app: Sandbox, name: str) -> None:
    roomy_app.reset(0)
    method, path, body, headers = invalid("x" * BIG)[name](roomy_app)
    with client_of(roomy_app, roomy_app, name) as client:
        response = client.request(method, path, json=body, headers=headers)
    assert 400 <= response.status_code < 500
    assert len(response.content) < 1024
    assert f"'{'x' * 64}...' ({BIG} characters)" in response.text
    assert roomy_app.errors == []


@pytest.mark.parametrize("name", vendor_names())
def test_an_error_quotes_a_normal_value_whole(roomy_app: Sandbox, name: str) -> None:
    roomy_app.reset(0)
    value = "y" * 120  # invalid wherever the 5 MiB value is, and short enough to be quoted whole
    method, path, body, headers = invalid(value)[name](roomy_app)
    with client_of(roomy_app, roomy_app, name) as client:
        response = client.request(method, path, json=body, headers=headers)
    assert 400 <= response.status_code < 500
    assert f"'{value}'" in response.text
    assert "characters)" not in response.text


@pytest.mark.parametrize("name", vendor_names())
def test_an_unknown_path_is_quoted_as_an_excerpt(roomy_app: Sandbox, name: str) -> None:
    path = f"{roomy_app.apis[name].prefix}/{'p' * 2000}"
    with sync_client(roomy_app) as client:
        response = client.get(path)
    assert 400 <= response.status_code < 500
    assert "p" * 200 not in response.text


@pytest.mark.parametrize("control", [False, True])
def test_a_query_parameter_error_quotes_an_excerpt(roomy_app: Sandbox, control: bool) -> None:
    value = "z" * 5000
    url, params = f"{CONTROL}/journal", {"method": value}
    if not control:  # a vendor's enumerated parameter
        url, params = "/apprentiscope/read-users/" + value, {}
    with sync_client(roomy_app, headers=AUTH) as client:
        response = client.get(url, params=params)
    assert response.status_code == 400
    assert f"'{'z' * 64}...' (5000 characters)" in response.text
    assert len(response.content) < 1024
