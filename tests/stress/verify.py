"""What must hold after a stress run: the ledger of acknowledged writes against the export and the lists.

Plain functions over data (no HTTP), so each check is tested on a state made by hand.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from contracts.workflows.stress import Ledger

Listable = Callable[[str, Mapping[str, Any]], bool]


def _collections(state: Mapping[str, Any]) -> Mapping[str, Mapping[str, Any]]:
    collections: Mapping[str, Mapping[str, Any]] = state["collections"]
    return collections


def ledger_problems(ledger: Ledger, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Every acknowledged write against the export ``after`` (``before``: the export before the run).

    A created record is there (deleted ones are not) with the last value each acknowledged update
    gave it; no two acknowledged creates got one id; a record's unique value (an email) is held by
    exactly one exported record; each collection grew by the creates less the deletes.
    """
    problems = [f"two acknowledged creates answered with one id: {rid}" for rid in ledger.reused]
    exported = _collections(after)
    for written in ledger.records.values():
        record = exported.get(written.collection, {}).get(written.key)
        where = f"{written.collection}/{written.key}"
        if written.deleted:
            if record is not None:
                problems.append(f"{where} was deleted (acknowledged) but is still in the export")
            continue
        if record is None:
            problems.append(f"{where} was created (acknowledged) but is missing from the export")
            continue
        wrong = {k: (v, record.get(k)) for k, v in written.fields.items() if record.get(k) != v}
        if wrong:
            shown = ", ".join(f"{k}: acknowledged {a!r}, exported {b!r}" for k, (a, b) in wrong.items())
            problems.append(f"{where} does not hold its last acknowledged values: {shown}")
    problems += _unique_problems(ledger, exported)
    earlier = _collections(before)
    for collection in ledger.collections:
        expected = len(earlier.get(collection, {})) + ledger.creates[collection] - ledger.deletes[collection]
        got = len(exported.get(collection, {}))
        if got != expected:
            problems.append(
                f"{collection}: the export holds {got} records; {len(earlier.get(collection, {}))} before "
                f"the run + {ledger.creates[collection]} created - {ledger.deletes[collection]} deleted "
                f"= {expected}"
            )
    return problems


def _unique_problems(ledger: Ledger, exported: Mapping[str, Mapping[str, Any]]) -> list[str]:
    fields: dict[str, set[str]] = defaultdict(set)
    for written in ledger.records.values():
        if written.unique is not None and not written.deleted:
            fields[written.collection].add(written.unique[0])
    held: dict[tuple[str, str], Counter[Any]] = {}
    for collection, names in fields.items():
        for name in names:
            held[(collection, name)] = Counter(
                r.get(name) for r in exported.get(collection, {}).values() if r.get(name) is not None
            )
    problems = []
    for written in ledger.records.values():
        if written.unique is None or written.deleted:
            continue
        name, value = written.unique
        count = held[(written.collection, name)][value]
        if count != 1:
            problems.append(f"{written.collection} with {name}={value!r}: {count} in the export, not 1")
    return problems


def list_problems(listed: Mapping[str, list[str]], after: Mapping[str, Any], listable: Listable) -> list[str]:
    """The API's lists against the export: each id once, and the same ids (so the same totals)."""
    problems = []
    exported = _collections(after)
    for collection, ids in listed.items():
        twice = sorted(i for i, n in Counter(ids).items() if n > 1)
        if twice:
            problems.append(f"{collection}: the list answers {len(twice)} ids more than once: {twice[:5]}")
        wanted = {k for k, r in exported.get(collection, {}).items() if listable(collection, r)}
        if set(ids) != wanted or len(ids) != len(wanted):
            missing, extra = sorted(wanted - set(ids)), sorted(set(ids) - wanted)
            problems.append(
                f"{collection}: the list answers {len(ids)}, the export holds {len(wanted)}; "
                f"not listed: {missing[:5]}, listed but not exported: {extra[:5]}"
            )
    return problems
