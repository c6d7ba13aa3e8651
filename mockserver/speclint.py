"""Spec linting: openapi-spec-validator plus the house rules every spec in ``specs/`` follows."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from .index import Refs, spec_operations


def house_problems(spec: Mapping[str, Any]) -> list[str]:
    """Breaches of the house rules: operationId, summary, typed parameters, documented errors."""
    problems = []
    seen: set[str] = set()
    for method, path, op in spec_operations(spec):
        where = f"{method.upper()} {path}"
        op_id = op.get("operationId")
        if not op_id:
            problems.append(f"{where}: no operationId")
        elif op_id in seen:
            problems.append(f"{where}: duplicate operationId {op_id}")
        else:
            seen.add(op_id)
        if not op.get("summary"):
            problems.append(f"{where}: no summary")
        for param in op.get("parameters", []):
            if Refs.target(param) is None and "schema" not in param:
                problems.append(f"{where}: parameter {param.get('name')} has no schema")
        codes = set(op.get("responses", {}))
        if not any(code.startswith("2") for code in codes):
            problems.append(f"{where}: no success response")
        has_security = bool(op.get("security", spec.get("security")))
        if has_security and "401" not in codes:
            problems.append(f"{where}: secured but 401 is not documented")
    return problems


def lint_spec(path: Path) -> list[str]:
    """Every problem found in one spec file (empty when it is clean)."""
    try:
        with path.open(encoding="utf-8") as fh:
            spec = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        return [f"invalid YAML: {exc}"]
    try:
        validate(spec)
    except OpenAPIValidationError as exc:
        return [f"invalid OpenAPI: {exc.message}"]
    return house_problems(spec)


def lint_specs(folder: Path) -> dict[str, list[str]]:
    """Problems per spec file in ``folder``."""
    return {p.name: lint_spec(p) for p in sorted(folder.glob("*.yaml"))}
