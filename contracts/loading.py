"""One of an API's documents as a Schemathesis schema aimed at a target, with the contract's settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import schemathesis
from schemathesis.config import ApiKeyAuthConfig, ChecksConfig, SchemathesisConfig

from mockserver.servable import xml_text_codec

from . import checks as _checks  # noqa: F401 - registers the spec-driven checks with Schemathesis
from ._schemathesis import BaseSchema
from .auth import register as register_auth
from .documents import READ_METHODS, Document, load_contract
from .options import RunOptions
from .targets import Target

# Schemathesis' default answers to a request missing a required header; a spec adds its own with
# ``x-missing-status`` on the header parameter (DfE's gateway answers a missing X-Version with 404).
MISSING_HEADER_STATUSES = ("400", "401", "403", "406", "415", "422")


def _missing_header_statuses(document: Document) -> list[str]:
    """The statuses a request missing a required header may get: Schemathesis' and the spec's own."""
    found = list(MISSING_HEADER_STATUSES)
    for parameter in document.index.parameters():
        status = parameter.get("x-missing-status")
        if parameter.get("in") == "header" and status is not None and str(status) not in found:
            found.append(str(status))
    return found


def _security_headers(document: Document) -> set[str]:
    schemes = document.index.security_schemes("")
    return {
        str(s.get("name", "")).lower()
        for s in schemes.values()
        if s.get("type") == "apiKey" and s.get("in") == "header"
    }


def _security_keys(target: Target, document: Document) -> dict[str, str]:
    """Security scheme name -> value, for the spec's apiKey header schemes the target's headers fill.

    Given to Schemathesis as the schemes' keys (not as fixed headers), it also sends requests without
    them or with wrong ones, and knows the auth it sent was not generated.
    """
    schemes = document.index.security_schemes("")
    sent = {name.lower(): value for name, value in target.headers.items()}
    return {
        name: sent[str(scheme.get("name", "")).lower()]
        for name, scheme in schemes.items()
        if scheme.get("type") == "apiKey"
        and scheme.get("in") == "header"
        and str(scheme.get("name", "")).lower() in sent
    }


# Statuses a schema-valid request may still get, for rules a schema cannot state (a referenced record
# that does not exist, a value already taken), declared on the operation in the spec.
SEMANTIC_STATUSES = "x-semantic-statuses"
# ``false`` on a DELETE that removes something *from* the resource at its path (a member's groups), not
# the resource: reads of that path (and under it) still answer 2xx after it, so Schemathesis'
# ``use_after_free`` check, which takes any DELETE for the resource's deletion, does not apply to them.
DELETES_RESOURCE = "x-deletes-resource"


def _operation_settings(document: Document, options: RunOptions) -> list[dict[str, Any]]:
    """Schemathesis' per-operation settings, one entry per operation that needs any.

    Deprecated operations (twins of current ones) are tested lightly; an operation declaring
    ``x-semantic-statuses`` may answer them to schema-valid data without failing positive data acceptance
    (Schemathesis' own defaults stay accepted too); reads under a DELETE declaring
    ``x-deletes-resource: false`` are not held to ``use_after_free``.
    """
    entries: list[dict[str, Any]] = []
    operations = document.operations()
    kept = [
        path for method, path, op in operations if method == "DELETE" and op.get(DELETES_RESOURCE) is False
    ]
    for method, path, op in operations:
        entry: dict[str, Any] = {}
        checks: dict[str, Any] = {}
        if options.light_deprecated and op.get("deprecated"):
            entry["generation"] = {"max-examples": max(1, options.max_examples // 5)}
            entry["phases"] = {"coverage": {"enabled": False}}
        semantic = [str(status) for status in op.get(SEMANTIC_STATUSES) or ()]
        if semantic:
            defaults = ChecksConfig.from_dict({}).positive_data_acceptance.expected_statuses
            accepted = [*defaults, *semantic]
            checks["positive_data_acceptance"] = {"expected-statuses": accepted}
        if method != "DELETE" and any(path == k or path.startswith(f"{k}/") for k in kept):
            checks["use_after_free"] = {"enabled": False}
        if checks:
            entry["checks"] = checks
        if entry:
            entries.append({"include-operation-id": [str(op["operationId"])], **entry})
    return entries


def _merged(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``extra`` laid over it, tables merged key by key."""
    merged = dict(base)
    for key, value in extra.items():
        below = merged.get(key)
        if isinstance(below, Mapping) and isinstance(value, Mapping):
            merged[key] = _merged(below, value)
        else:
            merged[key] = value
    return merged


def _config(
    target: Target, document: Document, options: RunOptions, settings: Mapping[str, Any] | None = None
) -> SchemathesisConfig:
    enabled = set(options.phases)
    coverage: dict[str, Any] = {"enabled": "coverage" in enabled}
    if not target.allow_writes:
        # The coverage phase probes undocumented methods (PUT, DELETE, ...) to expect 405: not here.
        coverage["unexpected-methods"] = []
    contract: dict[str, Any] = {
        "seed": options.seed,
        "base-url": f"{target.base_url}{document.base_path}",
        "headers": {
            name: value
            for name, value in target.headers.items()
            if name.lower() not in _security_headers(document)
        },
        # Reproducible from the seed alone: no example database replaying earlier runs. Strings are text
        # every format carries (XML 1.0's characters): the sandbox refuses the rest, as an XML serializer
        # would, so a control character is no positive data (the sandbox's own tests send them).
        "generation": {
            "max-examples": options.max_examples,
            "database": "none",
            "codec": xml_text_codec(),
        },
        "phases": {
            # The spec's examples as written: not ids that earlier answers returned (Schemathesis' response
            # pool would hand a one-off delete the id a read's example needs, and the reads miss it).
            "examples": {"enabled": "examples" in enabled, "extra-data-sources": {"responses": False}},
            "coverage": coverage,
            "fuzzing": {"enabled": "fuzzing" in enabled},
            "stateful": {"enabled": "stateful" in enabled, "max-steps": options.workflow_steps},
        },
        "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
        "operations": _operation_settings(document, options),
        "checks": {
            "missing_required_header": {"expected-statuses": _missing_header_statuses(document)},
            # The auth phase probes every credential the vendor's way (body fields, tokens, signatures).
            "ignored_auth": {"enabled": False},
        },
        **({"rate-limit": target.rate_limit} if target.rate_limit else {}),
        # The sandbox's credentials are public: show them, so a failure's curl runs as printed.
        "output": {"sanitization": {"enabled": not target.is_sandbox}},
    }
    return SchemathesisConfig.from_dict(_merged(contract, settings or {}))


def load(
    target: Target,
    document: Document | None = None,
    options: RunOptions | None = None,
    *,
    settings: Mapping[str, Any] | None = None,
) -> BaseSchema:
    """A Schemathesis schema of one of the API's documents aimed at ``target``, our checks included.

    Only read operations are in it unless the target allows writes. Use it in your own tests with
    ``@schema.parametrize()`` or ``schema.as_state_machine()``.

    Args:
        target: where the implementation is.
        document: which of the API's documents; by default its main (first) one.
        options: example counts, seed and phases for the engine.
        settings: Schemathesis settings (its config file's keys) laid over the contract's own,
            e.g. ``{"checks": {"enabled": False}}``.
    """
    document = document or load_contract(target.api).documents[0]
    schema: BaseSchema = schemathesis.openapi.from_dict(
        dict(document.requests), config=_config(target, document, options or RunOptions(), settings)
    )
    if target.app is not None:
        schema.app = target.app
    for name, key in _security_keys(target, document).items():
        schema.config.auth.openapi.schemes[name] = ApiKeyAuthConfig(api_key=key)
    register_auth(schema, target)
    if not target.allow_writes:
        schema = schema.include(method=sorted(READ_METHODS))
    return schema
