"""``create_app``: one ASGI app serving the selected vendors and the control plane."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from . import _connexion  # noqa: F401  (first: Connexion imported with its warnings silenced)
from .control import build_control_app
from .journal import Journal, JournalMiddleware
from .options import SandboxOptions
from .routing import PrefixRouter
from .scenarios import scenarios_for
from .store import Seeder, Store, VendorData
from .vendors import Vendor, VendorContext, get_vendor, vendor_names

CONTROL_PREFIX = "/__sandbox__"


@dataclass(frozen=True, slots=True)
class SpecInfo:
    """One OpenAPI document of an API: its file, the path its operations answer under, its URLs.

    ``base_path``, ``spec_url`` and ``docs_url`` are paths on the sandbox, the API's prefix included.
    """

    file: str
    base_path: str
    spec_url: str
    docs_url: str

    def to_json(self, base: str) -> dict[str, Any]:
        return {
            "file": self.file,
            "base_url": f"{base}{self.base_path}",
            "spec_url": f"{base}{self.spec_url}",
            "docs_url": f"{base}{self.docs_url}",
        }


@dataclass(frozen=True, slots=True)
class ApiInfo:
    """Where one API is served and how to authenticate against it.

    ``spec_url``/``docs_url`` are those of the API's main spec; ``specs`` lists every document
    (an API such as DfE's serves several under one prefix).
    """

    name: str
    title: str
    prefix: str
    specs: tuple[SpecInfo, ...]
    credentials: tuple[str, ...]
    headers: dict[str, str]

    @property
    def spec_url(self) -> str:
        return self.specs[0].spec_url

    @property
    def docs_url(self) -> str:
        return self.specs[0].docs_url

    def to_json(self, base_url: str = "") -> dict[str, Any]:
        base = base_url.rstrip("/")
        return {
            "name": self.name,
            "title": self.title,
            "prefix": self.prefix,
            "base_url": f"{base}{self.prefix}",
            "spec_url": f"{base}{self.spec_url}",
            "docs_url": f"{base}{self.docs_url}",
            "specs": [spec.to_json(base) for spec in self.specs],
            "credentials": list(self.credentials),
            "headers": self.headers,
        }


def _seeder(vendor: Vendor, scenario: dict[str, Any]) -> Seeder:
    def seed(data: VendorData) -> None:
        vendor.seed(data, scenario)

    return seed


class Sandbox:
    """The ASGI app made by ``create_app``: vendors, control plane, store and journal together."""

    def __init__(self, options: SandboxOptions) -> None:
        self.options = options
        names = list(options.apis) or vendor_names()
        self.vendors: dict[str, Vendor] = {name: get_vendor(name) for name in names}
        scenarios = scenarios_for(
            {name: v.default_fixture for name, v in self.vendors.items()}, options.fixtures
        )
        self.store = Store(
            {name: _seeder(v, scenarios[name]) for name, v in self.vendors.items()},
            seed=options.seed,
        )
        self.journal = Journal(options.journal_size)
        # Exceptions raised inside handlers, in order; the pytest plugin surfaces them in the test.
        self.errors: list[BaseException] = []
        self.apis: dict[str, ApiInfo] = {}
        routes: list[tuple[str, ASGIApp]] = [(CONTROL_PREFIX, build_control_app(self))]
        for name, vendor in self.vendors.items():
            credentials = tuple(options.credentials.get(name, ())) or vendor.default_credentials
            ctx = VendorContext(name, self.store, options, credentials, self.errors)
            prefix = "" if options.root else vendor.prefix
            self.apis[name] = ApiInfo(
                name=name,
                title=vendor.title,
                prefix=prefix,
                specs=tuple(
                    SpecInfo(
                        file=mount.file,
                        base_path=f"{prefix}{mount.base_path}",
                        spec_url=f"{prefix}{mount.spec_route}",
                        docs_url=f"{prefix}{mount.docs_route}",
                    )
                    for mount in vendor.specs
                ),
                credentials=credentials,
                headers=vendor.auth_help(credentials[0]),
            )
            app = JournalMiddleware(vendor.build(ctx), api=name, journal=self.journal)
            routes.append((prefix, app))
        self._app: ASGIApp = PrefixRouter(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)

    def reset(self, seed: int | None = None) -> None:
        """Regenerate every API's data (from ``seed`` if given) and clear the journal."""
        self.store.reset(seed)
        self.journal.clear()
        self.errors.clear()

    def api_list(self, base_url: str = "") -> list[dict[str, Any]]:
        return [info.to_json(base_url) for info in self.apis.values()]


def create_app(options: SandboxOptions | None = None, **overrides: Any) -> Sandbox:
    """Build a sandbox app.

    Args:
        options: the options; ``SandboxOptions()`` (every API, seed 0) when omitted.
        overrides: fields of ``SandboxOptions`` to set, e.g. ``create_app(seed=7, apis=("apprentiscope",))``.

    Example:
        >>> import httpx
        >>> app = create_app(seed=1, apis=("apprentiscope",))
        >>> client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://sandbox")
    """
    return Sandbox(dataclasses.replace(options or SandboxOptions(), **overrides))
