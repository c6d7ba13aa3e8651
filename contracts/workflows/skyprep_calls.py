"""How the SkyPrep workflow calls a target and checks an answer: status, schema, error body, XML twin.

Every answer the model reads is checked against the operation's documented schema for its status (so a
field the model did not send is checked too), every refusal for SkyPrep's error body, and the XML answer
(``format=xml``) for holding the same data as the JSON one. Failures stay short: the first few ids a list
misses or holds wrongly, with counts, and the first field that differs, with both values.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from mockserver.xmlcodec import decode

from ..documents import load_contract
from ..specdata import json_schema_of, resolve, schema_errors
from .base import Workflow

BASE = "/admin/api"
# How many ids or schema problems a failure shows (with the count of all of them).
SHOWN = 5


@functools.cache
def answer_schemas() -> Mapping[str, Mapping[str, Mapping[str, Any]]]:
    """operationId -> status -> the JSON schema SkyPrep's spec documents for that answer."""
    found: dict[str, dict[str, Mapping[str, Any]]] = {}
    for document in load_contract("skyprep").documents:
        for _method, _path, operation in document.operations():
            by_status = found.setdefault(str(operation.get("operationId")), {})
            for status, response in (operation.get("responses") or {}).items():
                schema = json_schema_of(document.spec, resolve(document.spec, response))
                if schema is not None:
                    by_status[str(status)] = schema
    return found


def first_difference(got: Any, want: Any, where: str = "") -> str | None:
    """Where ``got`` first differs from ``want``, with both values (``None`` when they are equal)."""
    if isinstance(got, Mapping) and isinstance(want, Mapping):
        for key in sorted(set(got) | set(want), key=str):
            found = first_difference(got.get(key, "<absent>"), want.get(key, "<absent>"), f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(got, list) and isinstance(want, list):
        if len(got) != len(want):
            return f"{where or '(body)'} has {len(got)} entries, not {len(want)}"
        for index, (one, other) in enumerate(zip(got, want, strict=True)):
            found = first_difference(one, other, f"{where}[{index}]")
            if found:
                return found
        return None
    if got != want or type(got) is not type(want):
        return f"{where.lstrip('.') or '(body)'} is {_short(got)}, not {_short(want)}"
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _few(ids: Iterable[int]) -> str:
    listed = sorted(ids)
    more = f" and {len(listed) - SHOWN} more" if len(listed) > SHOWN else ""
    return f"{listed[:SHOWN]}{more}"


class SkyprepCalls(Workflow):
    """How the SkyPrep workflow calls a target, and checks an answer."""

    def post(self, call: str, **params: Any) -> httpx.Response:
        return self.call("POST", f"/{call}", base_path=BASE, json=params)

    def get(self, call: str, **params: Any) -> httpx.Response:
        return self.call("GET", f"/{call}", base_path=BASE, params=params)

    def _body(self, response: httpx.Response, call: str) -> Any:
        try:
            return response.json()
        except ValueError:
            self.expect(False, call, "the answer is not JSON", response)

    def _conforms(self, response: httpx.Response, body: Any, call: str, status: int) -> None:
        schema = answer_schemas().get(call, {}).get(str(status))
        if schema is None:
            return
        problems = schema_errors(schema, body)
        self.expect(
            not problems,
            call,
            f"the {status} answer breaks its schema in {len(problems)} place(s): {problems[:3]}",
            response,
        )

    def _ok(self, response: httpx.Response, call: str, what: str) -> Any:
        """The JSON of a 200 answer of ``call``, checked against the schema ``call`` documents for it."""
        self.expect_status(response, 200, call, what)
        body = self._body(response, call)
        self._conforms(response, body, call, 200)
        return body

    def _refused(
        self, response: httpx.Response, status: int, blame: str, what: str, call: str | None = None
    ) -> None:
        """A refusal: ``status`` (else ``blame`` is at fault) with SkyPrep's error body of ``call``."""
        self.expect_status(response, status, blame, what)
        call = call or blame
        body = self._body(response, call)
        self._conforms(response, body, call, status)
        self.expect(
            isinstance(body, dict) and body.get("status") == status,
            call,
            f"the error body's status should repeat {status}",
            response,
        )

    def _enrolled_in_a_new_course(self, user: int, name: str, what: str) -> int:
        """A new course (``name`` made unique) with ``user`` enrolled directly; ``what``: the enroll's."""
        response = self.post("create_course", name=self.unique(name))
        course = int(self._ok(response, "create_course", "a new course")["id"])
        enrolled = self.post("enroll_user_in_course", user_id=user, course_id=course)
        self._ok(enrolled, "enroll_user_in_course", what)
        return course

    def _destroyed(self, destroy: str, ids: Mapping[str, Any], read: str, what: str, **read_ids: Any) -> None:
        """``destroy`` of ``ids`` succeeds; then ``read`` of ``read_ids`` (else ``ids``) is refused 404."""
        self._ok(self.post(destroy, **ids), destroy, "success")
        self._refused(self.post(read, **(read_ids or ids)), 404, destroy, what, read)

    def _xml_agrees(self, call: str, answer: Any, **params: Any) -> None:
        """``call`` asked for XML (``format=xml``) answers the same data as ``answer``, its JSON answer."""
        response = self.call("POST", f"/{call}", base_path=BASE, params={"format": "xml"}, json=params)
        self.expect_status(response, 200, call, "the XML answer (format=xml)")
        self.expect(
            "xml" in response.headers.get("content-type", ""), call, "format=xml answers XML", response
        )
        try:
            held = decode(response.content)
        except Exception as exc:  # any parse error is the target's: report it, naming the call
            self.expect(False, call, f"the XML answer does not parse: {type(exc).__name__}", response)
        differ = first_difference(held, answer)
        self.expect(differ is None, call, f"the XML answer differs from the JSON one: {differ}")

    def _ids_are(
        self,
        got: Iterable[int],
        want: Iterable[int],
        what: str,
        response: httpx.Response | None,
        *,
        missing: str,
        unexpected: str,
        among: Iterable[int] | None = None,
    ) -> None:
        """``got`` holds ``want`` exactly (counting only ids ``among``, when given)."""
        held, wanted = set(got), set(want)
        if among is not None:
            held &= set(among)
        lacking, extra = wanted - held, held - wanted
        self.expect(not lacking, missing, f"{what}: missing {_few(lacking)}, {len(lacking)} in all", response)
        self.expect(not extra, unexpected, f"{what}: unexpected {_few(extra)}, {len(extra)} in all", response)

    def _same(
        self, answer: dict[str, Any], expected: dict[str, Any], call: str, response: httpx.Response | None
    ) -> None:
        for name, value in expected.items():
            self.expect(
                answer.get(name) == value,
                call,
                f"{name} should be {_short(value)}, not {_short(answer.get(name))}",
                response,
            )
