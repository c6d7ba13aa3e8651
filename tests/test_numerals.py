"""Numerals in parameters are read as the vendors' servers read them: ASCII digits only."""

from __future__ import annotations

import pytest

from contracts import load_contract, sandbox_target
from mockserver.index import ApiIndex
from mockserver.numerals import is_numeral
from mockserver.vendors import REGISTRY

# Text Python's int() and float() read as numbers, and no vendor's server does.
NOT_NUMERALS = ["\u0663", "1_0", " 1", "1 ", "+1", "\u00a01", "\uff11", "nan", "inf", "Infinity", ""]
# And digits past what Python converts (``sys.get_int_max_str_digits()``): int() raises ValueError there.
NOT_NUMERALS += ["7" * 4301]


@pytest.mark.parametrize("text", NOT_NUMERALS)
def test_text_python_reads_as_a_number_is_no_numeral(text: str) -> None:
    assert not is_numeral(text, "integer")
    assert not is_numeral(text, "number")


@pytest.mark.parametrize(
    ("text", "kind"), [("0", "integer"), ("-12", "integer"), ("1.5", "number"), ("2e3", "number")]
)
def test_ascii_numerals_are_numerals(text: str, kind: str) -> None:
    assert is_numeral(text, kind)


def _integer_query_parameter(api: str) -> tuple[str, str, str] | None:
    """(base path, path, name) of a GET operation without path parameters taking an integer query value."""
    for document in load_contract(api).documents:
        for operation in ApiIndex({"": document.spec}).operations.values():
            path = operation.template
            if operation.method != "GET" or "{" in path or operation.definition.get("deprecated"):
                continue
            for param in operation.parameters:
                if param.get("in") == "query" and (param.get("schema") or {}).get("type") == "integer":
                    return document.base_path, path, str(param["name"])
    return None


WITH_INTEGERS = [api for api in REGISTRY if _integer_query_parameter(api) is not None]


@pytest.mark.parametrize("api", WITH_INTEGERS)
# Arabic-Indic three, an underscore, a padding space, a plus sign; 5,000 digits (past Python's int limit).
@pytest.mark.parametrize("text", ["\u0663", "1_0", "\u00a01", "+1", "7" * 5000])
def test_an_integer_parameter_refuses_what_only_python_reads_as_a_number(api: str, text: str) -> None:
    found = _integer_query_parameter(api)
    assert found is not None
    base, path, name = found
    target = sandbox_target(api)
    with target.client(base) as client:
        headers = dict(REGISTRY[api].client_headers)
        accepted = client.get(path, params={name: "1"}, headers=headers)
        refused = client.get(path, params={name: text}, headers=headers)
    assert 200 <= accepted.status_code < 300, accepted.text
    assert 400 <= refused.status_code < 500, refused.text[:300]
    assert name in refused.text
