"""The classes a vendor's descriptor names by reference (its workflow model, its stress profile)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from mockserver.vendors import REGISTRY, Vendor, get_vendor, load

T = TypeVar("T")


def named_class(
    api: str, ref_of: Callable[[Vendor], str | None], base: type[T], label: str, kind: str
) -> type[T] | None:
    """The subclass of ``base`` that ``api``'s descriptor names (``ref_of``), or None when it names none.

    An API that is not registered names none; a reference to anything but a ``base`` subclass raises
    ``TypeError`` ("{api}'s {label} {ref!r} is not a {kind}").
    """
    ref = ref_of(get_vendor(api)) if api in REGISTRY else None
    if ref is None:
        return None
    found = load(ref)
    if not (isinstance(found, type) and issubclass(found, base)):
        raise TypeError(f"{api}'s {label} {ref!r} is not a {kind}")
    return found


def naming(ref_of: Callable[[Vendor], str | None]) -> list[str]:
    """Every registered API whose descriptor names a class (``ref_of``)."""
    return [name for name, vendor in REGISTRY.items() if ref_of(vendor) is not None]
