"""The hostile-input corpus: what a misbehaving client sends, aimed at every API and the control plane.

Schemathesis sends schema-shaped data; a buggy or hostile client sends bytes. The corpus is derived from
each API's ``ApiIndex`` (and the control plane's ``specs/sandbox.yaml``): for a representative operation
of each kind (one taking a JSON body, one a form body) and for every query, path and header parameter
the API declares, it builds requests carrying

- deep nesting: JSON 2,000 deep, form brackets ``a[b][c]...`` 2,000 deep, every string query parameter
  wrapped in 500 nested ``tolower(`` (an OData-like filter) and 2,000 bare parentheses;
- huge and non-finite numbers: 4,301+ digits, 10^400, 1e308, 2^63 as JSON, form, query and path values,
  ``NaN``/``Infinity`` in JSON, ``nan``/``inf`` as text;
- invalid UTF-8 (raw in a body, percent-encoded in a query, a path or a form), odd Unicode (lone
  surrogates escaped, U+0000, U+0001, ESC, U+FFFE, a BOM before the body, overlong encodings);
- wrong, missing and odd-case content types, a multipart body with a bad boundary;
- oversized query (1 MiB), path (100 KiB), one 64 KiB header, 500 headers, duplicate Content-Type and
  Authorization headers;
- and, over a socket only (``framing``), malformed framing: a Content-Length longer than the body, both
  Content-Length and Transfer-Encoding, bad chunk sizes, a garbage request line, HTTP/1.0, a NUL in the
  request target.

Every JSON-body operation also gets its body (built from its schema) with every unbounded number set to
1e308 and to 2^63, and every free-text string set to control characters: values a handler must refuse or
carry, never fail on. Each request goes out with the API's credentials (``Credentials``), so it reaches
past the credential edge. ``contracts.fuzz.corpus`` sends them and judges the answers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from mockserver.index import ApiIndex, Operation
from mockserver.specs import load_spec
from mockserver.vendors import get_vendor

from .wire import Header, Probe

__all__ = ["CONTROL", "Surface", "corpus", "framing", "surface"]

# The control plane, by the name the corpus gives it; its prefix is its spec's server path.
CONTROL = "control"
CONTROL_SPEC = "sandbox.yaml"
FORM = "application/x-www-form-urlencoded"

DIGITS = "7" * 4301
TEN_TO_400 = "1" + "0" * 400
BIG_FLOAT = "1e308"
TWO_63 = str(2**63)
# Numbers as a client may type them in any text field: past Python's digit limit, past a double, odd.
NUMERALS = {
    "4,301 digits": DIGITS,
    "10^400": TEN_TO_400,
    "1e308": BIG_FLOAT,
    "2^63": TWO_63,
    "-2^63-1": str(-(2**63) - 1),
    "nan": "nan",
    "inf": "inf",
    "-Infinity": "-Infinity",
}
# Text as a client may send it percent-encoded in a URL or a form: bytes that are no UTF-8, odd characters.
ENCODED = {
    "invalid UTF-8": "%ff%fe%80",
    "overlong /": "%c0%af",
    "UTF-8 surrogate": "%ed%a0%80",
    "NUL": "a%00b",
    "U+0001 and ESC": "a%01%1bb",
    "U+FFFE": "%ef%bf%be",
}
NESTED_CALLS = "tolower(" * 500 + "x" + ")" * 500
PARENS = "(" * 2000 + ")" * 2000
# Strings a JSON body may carry that no XML answer can (and a strict reader refuses).
ODD_TEXT = "ctl \u0000\u0001\u001b\ufffe end"


def _path_value(param: Mapping[str, Any], fill: str) -> str:
    """A plain value of a path parameter: its first enum value, its example, else ``fill``."""
    schema = param.get("schema") or {}
    if schema.get("enum"):
        return quote(str(schema["enum"][0]), safe="")
    example = schema.get("example", param.get("example"))
    return fill if example is None else quote(str(example), safe="")


@dataclass(frozen=True, slots=True)
class Surface:
    """What the corpus aims at in one API: its index (the control plane's too) and its prefix."""

    api: str
    prefix: str
    index: ApiIndex
    client_headers: Mapping[str, str]

    def path(self, operation: Operation, values: Mapping[str, str] | None = None, fill: str = "1") -> str:
        """The operation's path under the prefix, its parameters filled (``fill`` where not given)."""
        path = operation.path
        for param in operation.parameters:
            if param.get("in") == "path":
                name = str(param.get("name"))
                path = path.replace("{" + name + "}", (values or {}).get(name, _path_value(param, fill)))
        return self.prefix + path

    def headers(self, operation: Operation | None) -> list[Header]:
        """The headers a client sends with ``operation``: the vendor's, each enum header's first value."""
        headers = dict(self.client_headers)
        for param in operation.parameters if operation else ():
            enum = (param.get("schema") or {}).get("enum")
            if param.get("in") == "header" and enum:
                headers[str(param["name"])] = str(enum[0])
        return [(k.lower().encode(), v.encode()) for k, v in headers.items()]


def surface(api: str) -> Surface:
    """The surface of a registered API, or of the control plane (``CONTROL``)."""
    if api == CONTROL:
        spec = load_spec(CONTROL_SPEC)
        prefix = urlsplit(str(spec["servers"][0]["url"])).path.rstrip("/")
        return Surface(CONTROL, prefix, ApiIndex({"": spec}), {})
    vendor = get_vendor(api)
    documents = {mount.base_path: load_spec(mount.file) for mount in vendor.specs}
    index = ApiIndex(documents, ignore_case=vendor.ignore_case)
    return Surface(api, vendor.prefix, index, dict(vendor.client_headers))


def _first(surface: Surface, wanted: Callable[[Operation], bool]) -> Operation | None:
    """The first operation ``wanted``, a write preferred (it reaches a handler that stores)."""
    found = [op for op in surface.index.every() if wanted(op)]
    writes = [op for op in found if op.method in ("POST", "PUT", "PATCH")]
    chosen = writes or found
    return chosen[0] if chosen else None


def _media(operation: Operation, kind: str) -> str | None:
    return next((media for media in operation.bodies if kind in media), None)


def _probe(
    surface: Surface,
    operation: Operation | None,
    case: str,
    *,
    target: str | bytes | None = None,
    body: bytes = b"",
    content_type: str | bytes | None = None,
    headers: list[Header] | None = None,
) -> Probe:
    path = target if target is not None else (surface.path(operation) if operation else surface.prefix + "/")
    sent = surface.headers(operation)
    if content_type is not None:
        sent.append(
            (b"content-type", content_type if isinstance(content_type, bytes) else content_type.encode())
        )
    sent += headers or []
    return Probe(
        api=surface.api,
        case=case,
        method=operation.method if operation else "GET",
        target=path if isinstance(path, bytes) else path.encode("latin-1"),
        headers=tuple(sent),
        body=body,
    )


# -- JSON bodies ---------------------------------------------------------------------------------------

JSON_BODIES = {
    "nested 2,000 deep": b"[" * 2000 + b"]" * 2000,
    "objects nested 2,000 deep": b'{"a":' * 2000 + b"1" + b"}" * 2000,
    "NaN": b'{"a": NaN}',
    "Infinity": b'{"a": Infinity}',
    "-Infinity": b'{"a": -Infinity}',
    "4,301-digit integer": b'{"a": ' + DIGITS.encode() + b"}",
    "10^400": b'{"a": ' + TEN_TO_400.encode() + b"}",
    "1e400": b'{"a": 1e400}',
    "lone surrogate": b'{"a": "\\ud800"}',
    "U+0000 escaped": b'{"a": "x\\u0000y"}',
    "raw invalid UTF-8": b'{"a": "\xff\xfe"}',
    "overlong encoding": b'{"a": "\xc0\xaf"}',
    "BOM at the start": b'\xef\xbb\xbf{"a": 1}',
    "truncated": b'{"a": [1, 2',
    "a bare string": b'"text"',
}


def json_cases(surface: Surface) -> Iterator[Probe]:
    operation = _first(surface, lambda op: _media(op, "json") is not None)
    if operation is None:
        return
    media = _media(operation, "json") or "application/json"
    for name, body in JSON_BODIES.items():
        yield _probe(surface, operation, f"json: {name}", body=body, content_type=media)
    valid = json.dumps(skeleton(surface, operation, "json")).encode()
    types = {
        "APPLICATION/JSON": "APPLICATION/JSON",
        "charset=latin-1": "application/json; charset=latin-1",
        "text/plain": "text/plain",
        "form type": FORM,
        "multipart, bad boundary": "multipart/form-data; boundary=",
        "garbage": "\x01\x02;;;=",
    }
    for name, content_type in types.items():
        yield _probe(surface, operation, f"json as {name}", body=valid, content_type=content_type)
    yield _probe(surface, operation, "json without a content type", body=valid)
    yield _probe(
        surface,
        operation,
        "json as multipart, truncated",
        body=b'--XX\r\nContent-Disposition: form-data; name="a"\r\n\r\n\xff',
        content_type="multipart/form-data; boundary=XX",
    )
    twice = [(b"content-type", b"text/plain")]
    yield _probe(
        surface, operation, "duplicate: two Content-Types", body=valid, content_type=media, headers=twice
    )


# -- form bodies ---------------------------------------------------------------------------------------


def form_cases(surface: Surface) -> Iterator[Probe]:
    operation = _first(surface, lambda op: _media(op, FORM) is not None)
    if operation is None:
        return
    fields = skeleton(surface, operation, FORM)
    names = [name for name in fields if isinstance(name, str)] or ["a"]
    base = "&".join(
        f"{quote(k)}={quote(str(v))}" for k, v in fields.items() if not isinstance(v, dict | list)
    )

    def form(extra: str) -> bytes:
        return "&".join(part for part in (base, extra) if part).encode("latin-1")

    deep = {"brackets 2,000 deep": "a" + "[b]" * 2000 + "=1", "encoded": "a" + "%5Bb%5D" * 2000 + "=1"}
    cases = {f"form: {name}": form(extra) for name, extra in deep.items()}
    # Every field at once: each numeral, each percent-encoded oddity.
    for name, value in {**NUMERALS, **ENCODED}.items():
        every = "&".join(f"{quote(field)}={value}" for field in names)
        cases[f"form: {name} in every field"] = form(every)
    for case, body in cases.items():
        yield _probe(surface, operation, case, body=body, content_type=FORM)
    raw = base.encode() + b"&" + names[0].encode() + b"=\xff\xfe"
    yield _probe(surface, operation, "form: raw invalid UTF-8", body=raw, content_type=FORM)
    yield _probe(
        surface, operation, "form: BOM at the start", body=b"\xef\xbb\xbf" + form(""), content_type=FORM
    )
    yield _probe(surface, operation, "form: FORM in capitals", body=form(""), content_type=FORM.upper())


# -- query, path and header parameters -----------------------------------------------------------------


def _text_values(schema: Mapping[str, Any]) -> dict[str, str]:
    """The hostile spellings worth sending for a parameter of ``schema``, percent-encoded."""
    values = {name: quote(value, safe="") for name, value in NUMERALS.items()}
    values.update(ENCODED)
    if schema.get("type") in (None, "string"):
        values["500 nested calls"] = quote(NESTED_CALLS, safe="")
        values["2,000 parentheses"] = quote(PARENS, safe="")
        values["a comparison with 4,301 digits"] = quote(f"id eq {DIGITS}", safe="")
    return values


def _parameters(surface: Surface, where: str) -> Iterator[tuple[Operation, Mapping[str, Any]]]:
    """Each parameter ``where`` (query, path, header) by name, with the first operation taking it."""
    seen: set[str] = set()
    for operation in surface.index.every():
        for param in operation.parameters:
            name = str(param.get("name"))
            if param.get("in") == where and name.lower() not in seen:
                seen.add(name.lower())
                yield operation, param


def query_cases(surface: Surface) -> Iterator[Probe]:
    for operation, param in _parameters(surface, "query"):
        name = quote(str(param["name"]))
        for label, value in _text_values(param.get("schema") or {}).items():
            target = f"{surface.path(operation)}?{name}={value}"
            yield _probe(surface, operation, f"query {param['name']}: {label}", target=target)


def path_cases(surface: Surface) -> Iterator[Probe]:
    for operation, param in _parameters(surface, "path"):
        name = str(param["name"])
        for label, value in _text_values(param.get("schema") or {}).items():
            target = surface.path(operation, {name: value})
            yield _probe(surface, operation, f"path {name}: {label}", target=target)


def header_cases(surface: Surface) -> Iterator[Probe]:
    for operation, param in _parameters(surface, "header"):
        name = str(param["name"]).lower().encode()
        values = {
            "4,301 digits": DIGITS.encode(),
            "latin-1 bytes": b"\xff\xfe",
            "U+0001 and ESC": b"\x01\x1b",
        }
        for label, value in values.items():
            sent = [(k, v) for k, v in surface.headers(operation) if k != name] + [(name, value)]
            probe = _probe(surface, operation, f"header {param['name']}: {label}")
            yield Probe(probe.api, probe.case, probe.method, probe.target, tuple(sent), probe.body)


def size_cases(surface: Surface) -> Iterator[Probe]:
    """Oversized requests and duplicate credentials, on the API's first operation."""
    operation = next(surface.index.every(), None)
    path = surface.path(operation) if operation else surface.prefix + "/"
    yield _probe(surface, operation, "oversized: query of 1 MiB", target=f"{path}?q={'a' * 1024 * 1024}")
    yield _probe(
        surface, operation, "oversized: path of 100 KiB", target=f"{surface.prefix}/{'a' * 100 * 1024}"
    )
    yield _probe(
        surface, operation, "oversized: one header of 64 KiB", headers=[(b"x-big", b"a" * 64 * 1024)]
    )
    many = [(f"x-h{i}".encode(), b"v") for i in range(500)]
    yield _probe(surface, operation, "oversized: 500 headers", headers=many)
    shapes = {
        "a name of invalid UTF-8": "%ff%fe=1",
        "1,000 repeats of one name": "&".join(["a=1"] * 1000),
        "names without values": "&&&=&a&=b&%",
        "semicolons": "a=1;b=2;;",
    }
    for name, query in shapes.items():
        yield _probe(surface, operation, f"query shape: {name}", target=f"{path}?{query}")
    yield _probe(
        surface, operation, "duplicate: a second Authorization", headers=[(b"authorization", b"Bearer \xff")]
    )


# -- values inside valid bodies ------------------------------------------------------------------------


def skeleton(surface: Surface, operation: Operation, kind: str) -> dict[str, Any]:
    """A body for ``operation`` of every property its ``kind`` (json or form) schema declares, filled
    with a plain value of its type (the first enum value, the example, else a placeholder)."""
    media = _media(operation, kind)
    schema = operation.bodies.get(media or "") or {}
    inlined = surface.index.refs[operation.base].inline(schema)
    value = _filled(inlined, 0)
    return value if isinstance(value, dict) else {}


def _filled(schema: Any, depth: int) -> Any:
    if not isinstance(schema, Mapping) or depth > 4:
        return None
    for key in ("example", "default"):
        if key in schema and not isinstance(schema[key], dict | list):
            return schema[key]
    if schema.get("enum"):
        return schema["enum"][0]
    for combined in ("allOf", "oneOf", "anyOf"):
        if schema.get(combined):
            return _filled(schema[combined][0], depth)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {k: _filled(v, depth + 1) for k, v in (schema.get("properties") or {}).items()}
    if kind == "array":
        return [_filled(schema.get("items") or {}, depth + 1)]
    return {"integer": 1, "number": 1.5, "boolean": True}.get(
        str(kind), _FORMATS.get(str(schema.get("format")), "x")
    )


_FORMATS = {
    "email": "corpus@example.com",
    "date": "2025-01-01",
    "date-time": "2025-01-01T00:00:00Z",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def _substituted(body: Any, schema: Any, replace: Callable[[Mapping[str, Any]], Any]) -> Any:
    """``body`` with each leaf for which ``replace(its schema)`` gives a value set to that value."""
    if not isinstance(schema, Mapping):
        return body
    for combined in ("allOf", "oneOf", "anyOf"):
        if schema.get(combined):
            schema = schema[combined][0]
    if isinstance(body, dict):
        props = schema.get("properties") or {}
        return {k: _substituted(v, props.get(k), replace) for k, v in body.items()}
    if isinstance(body, list):
        return [_substituted(item, schema.get("items"), replace) for item in body]
    found = replace(schema)
    return body if found is None else found


def _unbounded_number(value: Any) -> Callable[[Mapping[str, Any]], Any]:
    def replace(schema: Mapping[str, Any]) -> Any:
        bounded = "maximum" in schema or "enum" in schema or "exclusiveMaximum" in schema
        return value if schema.get("type") in ("number", "integer") and not bounded else None

    return replace


def _free_text(schema: Mapping[str, Any]) -> Any:
    free = schema.get("type") == "string" and not {"enum", "format", "pattern"} & set(schema)
    return ODD_TEXT if free else None


def value_cases(surface: Surface) -> Iterator[Probe]:
    """Every JSON-body operation, its body's unbounded numbers huge and its free text odd."""
    for operation in surface.index.every():
        media = _media(operation, "json")
        if media is None:
            continue
        schema = surface.index.refs[operation.base].inline(operation.bodies[media])
        body = skeleton(surface, operation, "json")
        variants = {
            "1e308": _unbounded_number(1e308),
            "2^63": _unbounded_number(2**63),
            "control characters": _free_text,
        }
        for label, replace in variants.items():
            changed = _substituted(body, schema, replace)
            if changed == body:
                continue
            # (the standard library's encoder: orjson refuses an integer past 64 bits)
            encoded = json.dumps(changed).encode()
            case = f"value {operation.id or operation.path}: {label}"
            yield _probe(surface, operation, case, body=encoded, content_type=media)


def corpus(api: str) -> list[Probe]:
    """Every in-process probe of the corpus for ``api`` (a registered API or ``CONTROL``)."""
    aimed = surface(api)
    builders = (json_cases, form_cases, query_cases, path_cases, header_cases, size_cases, value_cases)
    return [probe for build in builders for probe in build(aimed)]


def framing(api: str) -> list[Probe]:
    """Malformed framing, for a socket only: each probe carries its whole request in ``raw``."""
    aimed = surface(api)
    operation = _first(aimed, lambda op: _media(op, "json") is not None) or next(aimed.index.every())
    target = aimed.path(operation).encode()
    head = operation.method.encode() + b" " + target
    auth = b"".join(k + b": " + v + b"\r\n" for k, v in aimed.headers(operation))
    json_type = b"content-type: application/json\r\n"
    cases = {
        "Content-Length longer than the body, then close": head
        + b" HTTP/1.1\r\nhost: s\r\n"
        + auth
        + json_type
        + b'content-length: 100\r\n\r\n{"a":',
        "Content-Length and Transfer-Encoding": head
        + b" HTTP/1.1\r\nhost: s\r\n"
        + auth
        + json_type
        + b"content-length: 4\r\ntransfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        "a bad chunk size": head
        + b" HTTP/1.1\r\nhost: s\r\n"
        + auth
        + json_type
        + b"transfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        "a chunk size of 2^64": head
        + b" HTTP/1.1\r\nhost: s\r\n"
        + auth
        + json_type
        + b"transfer-encoding: chunked\r\n\r\n10000000000000000\r\n{}\r\n0\r\n\r\n",
        "a garbage request line": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 garbage\r\n\r\n",
        "HTTP/1.0": b"GET " + aimed.prefix.encode() + b"/ HTTP/1.0\r\n" + auth + b"\r\n",
        "a NUL in the request target": head + b"%00\x00x HTTP/1.1\r\nhost: s\r\n\r\n",
        "a bare LF head": head + b" HTTP/1.1\nhost: s\n" + auth.replace(b"\r\n", b"\n") + b"\n",
    }
    cut_short = "Content-Length longer than the body, then close"
    return [
        Probe(
            aimed.api,
            f"framing: {name}",
            operation.method,
            target,
            raw=raw,
            authenticated=False,
            half_close=name == cut_short,
        )
        for name, raw in cases.items()
    ]
