"""Reading the bundled OpenAPI documents: one parse per process, one walk over their operations.

Import-light (PyYAML only), so ``contracts`` can load a vendor's documents without the server.
"""

from __future__ import annotations

import functools
import pickle
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, cast

import yaml

from . import cache
from .resources import spec_path

# libyaml's loader where PyYAML was built with it (the wheels are): the same documents, parsed ~10x faster.
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})


def pickled_document(path: Path) -> bytes:
    """The YAML document at ``path``, parsed and pickled; kept in the user's cache by a digest of the
    file (``mockserver.cache``), so a start reads a pickle instead of parsing YAML again."""
    text = path.read_bytes()
    key = cache.digest(text)
    kept = cache.read("parsed-specs", key)
    if kept is not None:
        return kept
    loaded = yaml.load(text, Loader=SAFE_LOADER)
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} is not an OpenAPI document")
    pickled = pickle.dumps(loaded, protocol=5)
    cache.write("parsed-specs", key, pickled)
    return pickled


_pickled_spec = functools.cache(pickled_document)


def _parsed_spec(path: Path) -> dict[str, Any]:
    return cast(dict[str, Any], pickle.loads(_pickled_spec(path)))


def load_spec(name: str) -> dict[str, Any]:
    """A fresh copy of spec ``name`` from ``specs/`` (parsed once per process; unpickling copies)."""
    return _parsed_spec(spec_path(name))


def spec_operations(spec: Mapping[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(method, path template, operation)`` for every operation of ``spec``, in document order."""
    for template, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                yield method, template, operation


def operation_ids(spec: Mapping[str, Any]) -> list[str]:
    """Every operationId of ``spec``, in document order."""
    return [str(operation["operationId"]) for _, _, operation in spec_operations(spec)]


def spec_parameters(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every parameter the spec's operations take (path-level ones included), ``$ref``s resolved."""
    found: list[dict[str, Any]] = []
    for item in spec.get("paths", {}).values():
        declared = list(item.get("parameters", []))
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                declared += operation.get("parameters", [])
        found += resolved_parameters(spec, declared)
    return found


def resolved_parameters(spec: Mapping[str, Any], declared: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """``declared`` parameters, each ``$ref`` to the spec's shared parameters resolved."""
    shared = (spec.get("components") or {}).get("parameters", {})
    found: list[dict[str, Any]] = []
    for param in declared:
        ref = str(param.get("$ref", ""))
        found.append(shared.get(ref.rsplit("/", 1)[-1], param) if ref else param)
    return found


def resolve_ref(spec: Mapping[str, Any], node: Any) -> Any:
    """``node``, or the node its local ``$ref`` (JSON pointer, ``~1``/``~0`` unescaped) names, followed
    until it is no reference; shallow: references inside it stay as they are."""
    while isinstance(node, Mapping) and "$ref" in node:
        target: Any = spec
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def path_pattern(template: str) -> re.Pattern[str]:
    """A regex matching the concrete paths of an OpenAPI path template (a trailing slash allowed)."""
    regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template.rstrip("/")))
    return re.compile(f"^{regex}/?$", re.DOTALL)


class OperationRoutes:
    """Which operation of one API's documents a request falls to, by its method and path.

    Args:
        specs: base path -> the document served under it.
    """

    def __init__(self, specs: Mapping[str, Mapping[str, Any]]) -> None:
        self.routes: list[tuple[str, re.Pattern[str], str, dict[str, Any]]] = []
        # A template without parameters matches one path (and it with a slash): found by lookup.
        # Templates with parameters are tried in order, only those before the path's own entry.
        self._static: dict[tuple[str, str], int] = {}
        self._templated: list[int] = []
        for base, spec in specs.items():
            for method, template, operation in spec_operations(spec):
                index, verb = len(self.routes), method.upper()
                self.routes.append((verb, path_pattern(base + template), base, operation))
                if "{" in template:
                    self._templated.append(index)
                else:
                    bare = (base + template).rstrip("/")
                    for path in (bare, bare + "/"):
                        self._static.setdefault((verb, path), index)

    def match(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        """The base path of the document and the operation serving ``method path`` (HEAD as GET)."""
        wanted = "GET" if method == "HEAD" else method
        found = self._static.get((wanted, path))
        if found is None and path.endswith("\n"):  # (the patterns' ``$`` allows a final newline)
            found = self._static.get((wanted, path[:-1]))
        for index in self._templated:
            if found is not None and index > found:
                break
            route_method, pattern, base, operation = self.routes[index]
            if route_method == wanted and pattern.match(path):
                return base, operation
        if found is None:
            return None
        return self.routes[found][2], self.routes[found][3]

    def operation_id(self, method: str, path: str) -> str | None:
        """The operationId serving ``method path``, or ``None``."""
        found = self.match(method, path)
        return (str(found[1].get("operationId", "")) or None) if found else None
