"""What a vendor is: the one descriptor the rest of lms-sandbox derives everything from.

Import-light on purpose (no Connexion, no Faker, no Starlette): ``contracts``, the CLI's parser and the
pytest plugin read descriptors without paying for the server. Code is named by reference
(``"package.module:attribute"``) and imported on first use with ``load``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from .credentials import CredentialScheme

# "package.module:attribute", imported when first needed.
Ref = str
FORMATS = ("json", "xml")


def load(ref: Ref) -> Any:
    """The object a ``"module:attribute"`` reference names."""
    module, sep, attribute = ref.partition(":")
    if not sep or not module or not attribute:
        raise ValueError(f"expected a reference as 'package.module:attribute', got {ref!r}")
    target: Any = importlib.import_module(module)
    for part in attribute.split("."):
        target = getattr(target, part)
    return target


def _frozen(mapping: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, slots=True)
class SpecMount:
    """One OpenAPI document a vendor serves, and where under the vendor's prefix it is served.

    Its operations answer under ``{prefix}{base_path}``; the document itself is served at
    ``{prefix}{base_path}/openapi.json`` and its Swagger UI at ``{prefix}{base_path}/ui/``. ``errors``
    names the document's own error renderer where it is not the vendor's (DfE's Track Progress).
    """

    file: str
    base_path: str = ""
    errors: Ref | None = None

    @property
    def spec_route(self) -> str:
        return f"{self.base_path}/openapi.json"

    @property
    def docs_route(self) -> str:
        return f"{self.base_path}/ui/"


@dataclass(frozen=True, slots=True)
class RequiredHeader:
    """A header every request under the vendor's documents must carry, refused at the edge when absent.

    ``values`` lists the accepted values; empty means "the enum the document declares for this header"
    (each document may accept other values). Messages may use ``{expected}`` (the values joined with
    " or ") and ``{value}``.
    """

    name: str
    status: int
    missing: str
    unknown: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A fixed-window limit, counted per credential or per client address.

    Args:
        limit: a ``limits`` string, e.g. ``"150 per 5 minutes"``; ``--rate-limit API=...`` replaces it.
        per: ``"credential"`` (the first credential field's value) or ``"client"`` (the caller's IP).
        message: the refusal's text; ``{retry_after}`` is the seconds until the window resets.
        status: the refusal's status (with a ``Retry-After`` header).
    """

    limit: str
    per: str = "credential"
    message: str = "Rate limit exceeded; retry in {retry_after} seconds."
    status: int = 429

    def __post_init__(self) -> None:
        if self.per not in ("credential", "client"):
            raise ValueError(f"RateLimit.per must be 'credential' or 'client', got {self.per!r}")

    def in_force(self, given: str | None) -> str:
        """The limit enforced: ``given`` (``--rate-limit API=...``) when set, else the vendor's."""
        return given or self.limit


@dataclass(frozen=True, slots=True)
class ControlAction:
    """A vendor's own control-plane action at ``/__sandbox__/apis/{api}/actions/{name}``.

    ``handler`` is called as ``handler(ctx, body)`` with the vendor's context and the JSON body (or
    ``None``); it returns a JSON-ready answer (or ``(answer, status)``).
    """

    name: str
    summary: str
    handler: Ref
    method: str = "POST"


@dataclass(frozen=True, slots=True)
class Command:
    """A vendor's own CLI command: ``lms-sandbox {name} {api} ...``.

    ``configure(parser)`` adds its arguments to an ``argparse`` parser; ``run(args, vendor)`` does the
    work and returns the exit status. Several vendors may declare a command of the same name.
    """

    name: str
    help: str
    configure: Ref
    run: Ref


@dataclass(frozen=True, slots=True)
class Vendor:
    """A vendor in the registry: everything the sandbox, the plugin, the CLI and the contracts need.

    A vendor package writes ``Vendor.of(__name__, ...)``, which derives the conventional fields from it.

    Args:
        name: API name on the command line, in the control plane and in fixture names (``<name>_sandbox``).
        title: human name.
        prefix: mount point, e.g. ``/apprentiscope``.
        specs: the OpenAPI documents it serves, each at its base path; the first is the main one.
        default_fixture: scenario file in ``fixtures/`` seeded unless another is given.
        credentials: where credentials travel, the default ones, and how refusals look.
        build: ``(VendorContext) -> ASGI app`` (its Connexion app), behind the shared edge and codec.
        front: ``(ASGI app, VendorContext) -> ASGI app``: a layer in front of the edge, for rewrites the
            edge must see too (Absorb spells a path in any case; the edge routes by the spec's spelling).
        ignore_case: route as ASP.NET does: a path matches in any case, and the template with the most
            literal segments wins (``mockserver.index.ApiIndex``); ``front`` then spells it as the spec does.
        seed: ``(VendorData, scenario) -> None``: fills the vendor's data from a scenario.
        errors: the error renderer ``(status, message, *, field=None) -> body``.
        edge_errors: the renderer of the edge's refusals (a gateway's own body), if not ``errors``.
        factory: class ``(Store, VendorData)`` the plugin's ``<name>_sandbox.factory`` is made from.
        workflow: the contract's workflow model (a ``contracts.workflows.Workflow`` subclass).
        stress: what ``make stress``'s concurrent writers do (a
            ``contracts.workflows.stress.StressProfile`` subclass).
        client_headers: headers the plugin's and the contracts' clients send by default.
        required_headers: headers the edge refuses requests without (DfE's ``X-Version``).
        gateway: credentials are checked on every request under the documents, routed or not (an
            API gateway in front, e.g. Azure APIM); otherwise only on the spec's secured operations.
        known_subject: ``(VendorContext, subject) -> bool``: whether a token's subject exists.
        rate_limit: the vendor's documented rate limit, enforced at the edge.
        formats: response formats offered: ``("json",)`` or ``("json", "xml")``.
        format_parameter: the query parameter that asks for a format (``?format=xml``), if any;
            ``Accept: application/xml`` works for every vendor offering XML.
        format_in_body: the format parameter may also come in a form or JSON body, as the vendor's other
            parameters may (SkyPrep); a body's value wins over the query's, as Rails merges them.
        xml: the XML encoder ``(body) -> bytes`` of a vendor offering XML (default: a generic one).
        twin_suffix: operationIds ending in it are the same vendor call as without it (SkyPrep's
            deprecated GET twins, ``get_userGet``): journal filters and ``assert_called`` take the bare
            call name and match both.
        actions: the vendor's own control-plane actions.
        webhook_events: the webhook events the vendor sends (its rules emit them with
            ``VendorData.emit``); a URL registered for the API (``--webhook``, the control plane) gets each.
        commands: the vendor's own CLI commands.
        notes: lines the ``serve`` banner prints under the vendor.
        example_call: the operationId of the API's example call ("Copy as curl" on the dashboard,
            ``POST /__sandbox__/apis/{api}/curl``): a documented, harmless call answering 2xx on the default
            scenario. Default: the first non-deprecated, secured GET a client makes with no argument.
        record_schemas: per collection, the component schema its records must satisfy, as
            ``"#/components/schemas/Name"`` of the main document (or ``"file.yaml#/..."`` of another):
            imports, snapshots, the state file and scenarios are checked against it (extra internal
            fields allowed), so the API never serves a record its spec does not describe.
        stored_as_digits: fields served as integers that the vendor's records keep as strings of
            digits (ids used as collection keys); the conformance check accepts either.
    """

    name: str
    title: str
    prefix: str
    specs: tuple[SpecMount, ...]
    default_fixture: str
    credentials: CredentialScheme
    build: Ref
    seed: Ref
    errors: Ref
    edge_errors: Ref | None = None
    front: Ref | None = None
    ignore_case: bool = False
    factory: Ref | None = None
    workflow: Ref | None = None
    stress: Ref | None = None
    client_headers: Mapping[str, str] = field(default_factory=_frozen)
    required_headers: tuple[RequiredHeader, ...] = ()
    gateway: bool = False
    known_subject: Ref | None = None
    rate_limit: RateLimit | None = None
    formats: tuple[str, ...] = ("json",)
    format_parameter: str | None = None
    format_in_body: bool = False
    xml: Ref | None = None
    twin_suffix: str | None = None
    actions: tuple[ControlAction, ...] = ()
    webhook_events: tuple[str, ...] = ()
    commands: tuple[Command, ...] = ()
    notes: tuple[str, ...] = ()
    example_call: str | None = None
    record_schemas: Mapping[str, str] = field(default_factory=_frozen)
    stored_as_digits: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or self.name != self.name.lower():
            raise ValueError(f"a vendor name must be a lower-case identifier, got {self.name!r}")
        if self.prefix and (not self.prefix.startswith("/") or self.prefix.endswith("/")):
            raise ValueError(f"{self.name}: prefix must start with '/' and not end with one: {self.prefix!r}")
        if not self.specs:
            raise ValueError(f"{self.name}: a vendor serves at least one document")
        unknown = sorted(set(self.formats) - set(FORMATS))
        if unknown or "json" not in self.formats:
            raise ValueError(f"{self.name}: formats must include 'json' and be among {FORMATS}")
        object.__setattr__(self, "client_headers", _frozen(self.client_headers))
        object.__setattr__(self, "record_schemas", _frozen(self.record_schemas))

    @classmethod
    def of(
        cls,
        package: str,
        *,
        title: str,
        specs: tuple[SpecMount, ...],
        credentials: CredentialScheme,
        **given: Any,
    ) -> Vendor:
        """The vendor whose code is the package ``package`` (its ``__name__``), the conventions filled in.

        Any field may still be given; those not given derive from the package, ``name`` being the
        package's last part and ``<Name>`` that name capitalised:

        - ``prefix``: ``/<name>``; ``default_fixture``: ``<name>/default.yaml``;
        - ``build``: ``<package>.app:build``; ``seed``: ``<package>.seed:seed``;
          ``errors``: ``<package>.errors:render_error``; ``factory``: ``<package>.factory:<Name>Factory``;
        - ``workflow``: ``contracts.workflows.<name>:<Name>Workflow``;
          ``stress``: ``contracts.workflows.<name>_stress:<Name>Stress``.

        A reference given as ``".module:attribute"`` is relative to ``package``.

        Example:
            ``Vendor.of(__name__, title="Coursepath API v1", specs=(API,), credentials=CREDENTIALS)``
        """
        name = given.pop("name", package.rpartition(".")[2])
        stem = name.capitalize()
        values: dict[str, Any] = {
            "prefix": f"/{name}",
            "default_fixture": f"{name}/default.yaml",
            "build": ".app:build",
            "seed": ".seed:seed",
            "errors": ".errors:render_error",
            "factory": f".factory:{stem}Factory",
            "workflow": f"contracts.workflows.{name}:{stem}Workflow",
            "stress": f"contracts.workflows.{name}_stress:{stem}Stress",
            **given,
        }
        for ref in fields(cls):
            value = values.get(ref.name)
            if ref.type in ("Ref", "Ref | None") and isinstance(value, str) and value.startswith("."):
                values[ref.name] = package + value
        return cls(name=name, title=title, specs=specs, credentials=credentials, **values)

    @property
    def fixture_name(self) -> str:
        """The pytest plugin's fixture for this vendor."""
        return f"{self.name}_sandbox"

    @property
    def offers_xml(self) -> bool:
        return "xml" in self.formats

    def call_of(self, operation_id: str | None) -> str | None:
        """The vendor call an operationId serves: itself, or without the twin suffix."""
        suffix = self.twin_suffix
        if operation_id and suffix and operation_id.endswith(suffix) and len(operation_id) > len(suffix):
            return operation_id[: -len(suffix)]
        return operation_id
