"""How the sandbox sees an API's OpenAPI documents: one ``ApiIndex`` per API, built in one walk.

An API is served from one or more documents, each under a base path (``Vendor.specs``). The index
walks them once, at start, and holds what every layer needs to know of them:

- ``operations``: each ``Operation`` by operationId, with its parameters, request body schemas and
  responses resolved, and whether it needs credentials;
- the route table: ``match(method, path)`` finds the operation a request falls to, and ``allowed``
  the methods a path serves (the ``Allow`` of a 405);
- ``refs``: each document's ``$ref`` resolution, through ``referencing`` (``Refs``): the only place
  that follows a ``$ref``.

A request's operation is found once: ``Routed``, the outermost layer of each API's app, puts it in
the ASGI scope, and the journal, the faults, the credential edge, the codec and the vendor fronts
read it there (``route_of``).

Import-light (``referencing`` and Starlette, no Connexion), so ``contracts`` indexes a vendor's documents
without the server.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from starlette.types import ASGIApp, Receive, Scope, Send

from .asgi import route_path

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})
# Where ``Routed`` puts the request's operation (``None`` when it falls to none) in scope["extensions"].
ROUTE = "lms_sandbox.route"
_URI = "urn:lms-sandbox:document"
_REF = "$ref"
_NOTHING = object()

Spec = Mapping[str, Any]


class Refs:
    """The local ``$ref``s of one document (JSON pointers, ``~1``/``~0`` escaped), by ``referencing``."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self._resolver = Registry().with_resource(_URI, Resource.opaque(spec)).resolver(base_uri=_URI)
        # What each reference named (a document is read, never changed, once indexed).
        self._found: dict[str, Any] = {}

    def __reduce__(self) -> tuple[type[Refs], tuple[Spec]]:
        # (the resolver holds functions pickle cannot name: a copy builds its own, e.g. in a spawned worker)
        return Refs, (self.spec,)

    @staticmethod
    def target(node: Any) -> str | None:
        """The reference ``node`` is, or ``None`` when it is not one."""
        ref = node.get(_REF) if isinstance(node, Mapping) else None
        return ref if isinstance(ref, str) else None

    def lookup(self, ref: str) -> Any:
        """What ``ref`` names; ``KeyError`` when it names nothing in the document."""
        found = self._found.get(ref, _NOTHING)
        if found is _NOTHING:
            try:
                found = self._found[ref] = self._resolver.lookup(ref).contents
            except Unresolvable:
                raise KeyError(ref) from None
        return found

    def follow(self, node: Any) -> Any:
        """``node``, or what its ``$ref`` names, followed until it is none (references inside stay)."""
        while (ref := self.target(node)) is not None:
            node = self.lookup(ref)
        return node

    def inline(self, node: Any, _seen: frozenset[str] = frozenset()) -> Any:
        """``node`` with every local ``$ref`` inlined, at any depth (a recursive one becomes ``{}``)."""
        ref = self.target(node)
        if ref is not None and ref.startswith("#"):
            return {} if ref in _seen else self.inline(self.lookup(ref), _seen | {ref})
        if isinstance(node, Mapping):
            return {key: self.inline(value, _seen) for key, value in node.items()}
        if isinstance(node, list):
            return [self.inline(item, _seen) for item in node]
        return node


def reference(target: str) -> dict[str, str]:
    """A reference node naming ``target``."""
    return {_REF: target}


def holds_ref(node: Any, skip: frozenset[str] = frozenset(), _seen: set[int] | None = None) -> bool:
    """Whether ``node`` holds a ``$ref`` anywhere (outside keys in ``skip``); safe on cyclic documents."""
    seen = set() if _seen is None else _seen
    if isinstance(node, Mapping):
        if id(node) in seen:
            return False
        seen.add(id(node))
        return _REF in node or any(holds_ref(v, skip, seen) for k, v in node.items() if k not in skip)
    if isinstance(node, list):
        return any(holds_ref(v, skip, seen) for v in node)
    return False


def spec_operations(spec: Spec) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(method, path template, operation)`` for every operation of ``spec``, in document order."""
    for template, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                yield method, template, operation


def path_pattern(template: str) -> re.Pattern[str]:
    """A regex matching the concrete paths of an OpenAPI path template (a trailing slash allowed)."""
    regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template.rstrip("/")))
    return re.compile(f"^{regex}/?$", re.DOTALL)


@dataclass(frozen=True, slots=True, eq=False)
class Operation:
    """One operation of an API, as its document declares it, ``$ref``s resolved one level deep.

    ``parameters`` holds the path item's and the operation's (the operation's win by name and place);
    ``bodies`` maps each request media type to its schema; ``responses`` each status to its response.
    """

    id: str
    method: str
    base: str
    template: str
    definition: Mapping[str, Any] = field(repr=False)
    parameters: tuple[Mapping[str, Any], ...] = field(repr=False)
    bodies: Mapping[str, Any] = field(repr=False)
    responses: Mapping[str, Mapping[str, Any]] = field(repr=False)
    secured: bool = True

    @property
    def path(self) -> str:
        """The template under the document's base path, as a request names it below the API's prefix."""
        return self.base + self.template

    def parameter(self, name: str, where: str = "query") -> Mapping[str, Any] | None:
        return next((p for p in self.parameters if p.get("name") == name and p.get("in") == where), None)


class ApiIndex:
    """An API's documents, walked once. See the module's docstring.

    Args:
        documents: base path -> the OpenAPI document served under it.
        ignore_case: route as ASP.NET does (``Vendor.ignore_case``): a path matches a template in any
            case, and the template with the most literal segments wins, whatever the method; a method
            it does not serve is then no operation (a 405), not a try of the next template.
    """

    def __init__(self, documents: Mapping[str, Spec], *, ignore_case: bool = False) -> None:
        self.documents = documents
        self.ignore_case = ignore_case
        self.refs = {base: Refs(spec) for base, spec in documents.items()}
        # Longest base path first, so "/vacancies/..." is not taken for the document at "".
        self._bases = sorted(documents, key=len, reverse=True)
        self.operations: dict[str, Operation] = {}
        self._routes: list[tuple[re.Pattern[str], Operation]] = []
        # A template without parameters matches one path (and it with a slash): found by lookup.
        # Templates with parameters are tried in order, only those before the path's own entry.
        self._static: dict[tuple[str, str], int] = {}
        self._templated: list[int] = []
        by_path: dict[str, dict[str, Operation]] = {}
        for base, spec in documents.items():
            for method, template, operation in spec_operations(spec):
                found = self._operation(base, spec, method, template, operation)
                self.operations.setdefault(found.id, found)
                self._add_route(found)
                by_path.setdefault(found.path, {})[found.method] = found
        # Path templates in the order a path is tried against them for its Allow (and, ignoring case,
        # for its operation): the document's order, or the most literal segments first.
        paths = sorted(by_path, key=lambda path: -_literals(path)) if ignore_case else list(by_path)
        flags = re.IGNORECASE if ignore_case else 0
        self._paths = [
            (re.compile(path_pattern(path).pattern, flags), by_path[path], _allow_value(list(by_path[path])))
            for path in paths
        ]

    def _operation(
        self, base: str, spec: Spec, method: str, template: str, operation: dict[str, Any]
    ) -> Operation:
        refs = self.refs[base]
        item = spec["paths"][template]
        declared: dict[tuple[str, str], Mapping[str, Any]] = {}
        for param in [*item.get("parameters", []), *operation.get("parameters", [])]:
            resolved = refs.follow(param)
            declared[(str(resolved.get("name")), str(resolved.get("in")))] = resolved
        body = refs.follow(operation.get("requestBody")) or {}
        return Operation(
            id=str(operation.get("operationId", "")),
            method=method.upper(),
            base=base,
            template=template,
            definition=operation,
            parameters=tuple(declared.values()),
            bodies={
                media: refs.follow((content or {}).get("schema"))
                for media, content in (body.get("content") or {}).items()
            },
            responses={
                str(status): refs.follow(r) for status, r in (operation.get("responses") or {}).items()
            },
            # An operation needs credentials unless it (or its document) says ``security: []``: a scheme
            # that takes them in a body field cannot be stated as an OpenAPI security scheme.
            secured=bool(operation.get("security", spec.get("security", [{}]))),
        )

    def _add_route(self, operation: Operation) -> None:
        index = len(self._routes)
        self._routes.append((path_pattern(operation.path), operation))
        if "{" in operation.template:
            self._templated.append(index)
            return
        bare = operation.path.rstrip("/")
        for path in (bare, bare + "/"):
            self._static.setdefault((operation.method, path), index)

    def match(self, method: str, path: str) -> Operation | None:
        """The operation serving ``method path`` (HEAD as GET; ``path`` below the API's prefix), in the
        order Connexion's router tries them."""
        wanted = "GET" if method == "HEAD" else method
        if self.ignore_case:
            served = self._path_of(path)
            return None if served is None else served[1].get(wanted)
        found = self._static.get((wanted, path))
        if found is None and path.endswith("\n"):  # (the patterns' ``$`` allows a final newline)
            found = self._static.get((wanted, path[:-1]))
        for index in self._templated:
            if found is not None and index > found:
                break
            pattern, operation = self._routes[index]
            if operation.method == wanted and pattern.match(path):
                return operation
        return None if found is None else self._routes[found][1]

    def operation_id(self, method: str, path: str) -> str | None:
        """The operationId serving ``method path``, or ``None``."""
        found = self.match(method, path)
        return (found.id or None) if found else None

    def _path_of(self, path: str) -> tuple[re.Pattern[str], Mapping[str, Operation], str] | None:
        return next((entry for entry in self._paths if entry[0].match(path)), None)

    def allowed(self, path: str) -> str:
        """The ``Allow`` value of the path template ``path`` falls under (``""`` when none)."""
        served = self._path_of(path)
        return "" if served is None else served[2]

    def document_of(self, path: str) -> str | None:
        """The base path of the document ``path`` falls under (longest first), or ``None``."""
        return next((b for b in self._bases if not b or path == b or path.startswith(b + "/")), None)

    def operation_ids(self) -> list[str]:
        """Every operationId, in document order."""
        return list(self.operations)

    def every(self) -> Iterator[Operation]:
        """Every operation, in document order (those without an operationId too)."""
        return (operation for _, operation in self._routes)

    def parameters(self) -> Iterator[Mapping[str, Any]]:
        """Every parameter the operations take, path-level ones included, ``$ref``s resolved."""
        for operation in self.every():
            yield from operation.parameters

    def security_schemes(self, base: str) -> Mapping[str, Mapping[str, Any]]:
        """The security schemes the document under ``base`` declares, by name."""
        return dict((self.documents[base].get("components") or {}).get("securitySchemes") or {})

    def asks_for(self, operation: Operation, where: str, name: str) -> bool:
        """Whether ``operation`` needs the credential sent in ``where`` as ``name`` (a header, a query key).

        Its security requirements say so when the document's security schemes describe that place
        (an ``apiKey`` scheme there): ``security: [{ApiKey: []}]`` asks for the key but not the token.
        Where no scheme describes it (a body field), whether the operation is secured decides.
        """
        spec = self.documents[operation.base]
        schemes = self.security_schemes(operation.base)

        def place(scheme: Mapping[str, Any]) -> tuple[str, str]:
            return str(scheme.get("in", "")), str(scheme.get("name", "")).lower()

        wanted = (where, name.lower())
        if not any(s.get("type") == "apiKey" and place(s) == wanted for s in schemes.values()):
            return operation.secured
        requirements = operation.definition.get("security", spec.get("security", [{}]))
        named = {scheme for requirement in requirements for scheme in requirement}
        return any(place(schemes.get(scheme) or {}) == wanted for scheme in named)


def _literals(path: str) -> int:
    return sum(1 for segment in path.split("/") if not segment.startswith("{"))


def _allow_value(methods: list[str]) -> str:
    listed = sorted(set(methods))
    return ", ".join([*listed, "HEAD"] if "GET" in listed else listed)


def route_of(scope: Scope) -> Operation | None:
    """The operation ``Routed`` found for this request (``None`` when it falls to none, or was not routed)."""
    found = scope.get("extensions", {}).get(ROUTE)
    return found if isinstance(found, Operation) else None


class Routed:
    """The outermost layer of an API's app: finds the request's operation, once, for every layer behind.

    Args:
        app: the API's app behind it.
        index: the API's index.
    """

    def __init__(self, app: ASGIApp, index: ApiIndex) -> None:
        self.app = app
        self.index = index

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = route_path(scope) or "/"
            scope.setdefault("extensions", {})[ROUTE] = self.index.match(scope["method"], path)
        await self.app(scope, receive, send)
