"""After any restore (a state import, a snapshot restore), creates get fresh ids: a property of the
store's id allocation, for every vendor in the registry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mockserver import Sandbox, create_app
from mockserver.testing import sync_client
from mockserver.vendors import get_vendor, load, vendor_names

# One record-making call per vendor: the factory method the plugin's ``<name>_sandbox.factory`` offers.
MAKERS: dict[str, Callable[[Any], Any]] = {
    "apprentiscope": lambda factory: factory.user(),
    "dfe": lambda factory: factory.vacancy(),
    "skyprep": lambda factory: factory.user(),
    "coursepath": lambda factory: factory.member(),
    "absorb": lambda factory: factory.user(),
}


def test_every_vendor_in_the_registry_has_a_maker() -> None:
    assert set(MAKERS) == set(vendor_names())


def _made(sandbox: Sandbox, name: str, count: int) -> list[str]:
    factory = load(get_vendor(name).factory)(sandbox.store, sandbox.store.vendor(name))
    return [str(_id_of(MAKERS[name](factory))) for _ in range(count)]


def _id_of(record: Any) -> Any:
    return next(record[key] for key in ("id", "vacancyReference", "Id") if key in record)


def _every_id(sandbox: Sandbox, name: str) -> set[str]:
    data = sandbox.store.vendor(name)
    return {str(rid) for records in data.collections.values() for rid in records}


@pytest.mark.parametrize("name", vendor_names())
@pytest.mark.parametrize("restore", ["import", "snapshot"])
def test_creates_after_a_restore_get_fresh_ids(name: str, restore: str) -> None:
    sandbox = create_app(apis=(name,), seed=3)
    with sync_client(sandbox) as control:
        made = _made(sandbox, name, 5)
        if restore == "import":
            exported = control.get(f"/__sandbox__/state/{name}")
            assert exported.status_code == 200
            sandbox.reset()
            assert control.put(f"/__sandbox__/state/{name}", json=exported.json()).status_code in (200, 204)
        else:
            assert control.post("/__sandbox__/snapshots", json={"name": "before"}).status_code in (200, 201)
            sandbox.reset()
            assert control.post("/__sandbox__/snapshots/before/restore").status_code in (200, 204)
        restored = _every_id(sandbox, name)
        assert set(made) <= restored
        after = _made(sandbox, name, 50)
    assert len(set(after)) == 50
    assert not set(after) & restored
