"""The vendor registry: every API the sandbox can serve, by name.

Adding a vendor means adding its package and one line to ``_VENDORS``; ``app.py`` does not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .. import _connexion  # noqa: F401  (first: Connexion imported with its warnings silenced)
from ..errors import UnknownApi
from .apprentiscope import VENDOR as APPRENTISCOPE
from .base import Vendor, VendorContext
from .dfe import VENDOR as DFE

_VENDORS: tuple[Vendor, ...] = (APPRENTISCOPE, DFE)

REGISTRY: Mapping[str, Vendor] = MappingProxyType({v.name: v for v in _VENDORS})


def get_vendor(name: str) -> Vendor:
    """The vendor called ``name``; raises ``UnknownApi`` listing the known names."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownApi(name, list(REGISTRY)) from None


def vendor_names() -> list[str]:
    return list(REGISTRY)


__all__ = ["REGISTRY", "Vendor", "VendorContext", "get_vendor", "vendor_names"]
