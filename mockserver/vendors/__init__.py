"""The vendor registry: every API the sandbox can serve, by name, declared once by its descriptor.

The built-in vendors are listed in ``_BUILTIN``. Another package adds a vendor of its own through the
``lms_sandbox.vendors`` entry point group (each entry point names a ``Vendor``), or at run time with
``register_vendor``. Everything else (the app, the control plane, the ``serve`` banner, the CLI's API
choices, the pytest plugin's ``<name>_sandbox`` fixtures, the contracts) iterates this registry.

Import-light: descriptors only; no Connexion, no Faker.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from importlib.metadata import entry_points

from ..errors import UnknownApi
from .absorb import VENDOR as ABSORB
from .apprentiscope import VENDOR as APPRENTISCOPE
from .coursepath import VENDOR as COURSEPATH
from .credentials import CredentialScheme, KeyScheme, LoginScheme, Refusal, SignedScheme, Source
from .descriptor import Command, ControlAction, RateLimit, RequiredHeader, SpecMount, Vendor, load
from .dfe import VENDOR as DFE
from .skyprep import VENDOR as SKYPREP

ENTRY_POINT_GROUP = "lms_sandbox.vendors"
_BUILTIN: tuple[Vendor, ...] = (APPRENTISCOPE, DFE, SKYPREP, COURSEPATH, ABSORB)


class _Registry(Mapping[str, Vendor]):
    """Name -> vendor: the built-ins, then entry points (read on first use), then registered ones."""

    def __init__(self, builtin: tuple[Vendor, ...]) -> None:
        self._vendors = {vendor.name: vendor for vendor in builtin}
        self._lock = threading.Lock()
        self._discovered = False

    def _discover(self) -> None:
        if self._discovered:
            return
        with self._lock:
            if self._discovered:
                return
            for entry in entry_points(group=ENTRY_POINT_GROUP):
                vendor = entry.load()
                if not isinstance(vendor, Vendor):
                    raise TypeError(
                        f"entry point {entry.name!r} ({entry.value}) in {ENTRY_POINT_GROUP} "
                        f"must name a mockserver.vendors.Vendor, not {type(vendor).__name__}"
                    )
                self._vendors.setdefault(vendor.name, vendor)
            self._discovered = True

    def __getitem__(self, name: str) -> Vendor:
        self._discover()
        return self._vendors[name]

    def __iter__(self) -> Iterator[str]:
        self._discover()
        return iter(list(self._vendors))

    def __len__(self) -> int:
        self._discover()
        return len(self._vendors)

    def register(self, vendor: Vendor, *, replace: bool = False) -> None:
        self._discover()
        with self._lock:
            if vendor.name in self._vendors and not replace and self._vendors[vendor.name] != vendor:
                raise ValueError(f"a vendor named {vendor.name!r} is already registered")
            self._vendors[vendor.name] = vendor

    def unregister(self, name: str) -> None:
        self._discover()
        with self._lock:
            self._vendors.pop(name, None)


REGISTRY = _Registry(_BUILTIN)


def register_vendor(vendor: Vendor, *, replace: bool = False) -> Vendor:
    """Add ``vendor`` to the registry of this process (another package's own vendor).

    Register before building an app or starting pytest's session (e.g. in a ``conftest.py``); an
    installed package can declare it instead as an entry point in the ``lms_sandbox.vendors`` group.
    """
    REGISTRY.register(vendor, replace=replace)
    return vendor


def unregister_vendor(name: str) -> None:
    """Remove a vendor registered with ``register_vendor`` (a no-op for an unknown name)."""
    REGISTRY.unregister(name)


def get_vendor(name: str) -> Vendor:
    """The vendor called ``name``; raises ``UnknownApi`` listing the known names."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownApi(name, list(REGISTRY)) from None


def vendor_names() -> list[str]:
    return list(REGISTRY)


__all__ = [
    "ENTRY_POINT_GROUP",
    "REGISTRY",
    "Command",
    "ControlAction",
    "CredentialScheme",
    "KeyScheme",
    "LoginScheme",
    "RateLimit",
    "Refusal",
    "RequiredHeader",
    "SignedScheme",
    "Source",
    "SpecMount",
    "Vendor",
    "get_vendor",
    "load",
    "register_vendor",
    "unregister_vendor",
    "vendor_names",
]
