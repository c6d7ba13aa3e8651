"""Vendors that are only a credential scheme, registered for a test: their code is never built."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from mockserver.vendors import CredentialScheme, SpecMount, Vendor, register_vendor, unregister_vendor


def scheme_vendor(name: str, credentials: CredentialScheme) -> Vendor:
    """A registrable vendor ``name`` whose only real part is ``credentials``."""
    return Vendor(
        name=name,
        title=name,
        prefix=f"/{name}",
        specs=(SpecMount("unused.yaml"),),
        default_fixture="unused.yaml",
        credentials=credentials,
        build="unused:build",
        seed="unused:seed",
        errors="unused:render",
    )


@contextmanager
def registered(vendors: Iterable[Vendor]) -> Iterator[None]:
    """``vendors`` in the registry for the block, gone after it."""
    kept = list(vendors)
    for vendor in kept:
        register_vendor(vendor)
    try:
        yield
    finally:
        for vendor in kept:
            unregister_vendor(vendor.name)
