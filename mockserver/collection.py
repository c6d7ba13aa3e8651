"""A collection of records by id, and the indexes that make lookups on its fields O(1).

A ``Collection`` is a ``dict`` of id -> record, so readers use it as one. Every dict-level write
(``c[id] = record``, ``del c[id]``, ``pop``, ``clear``, ``update``, ...) keeps its indexes current.
A change to the *fields* of a stored record must go through ``Collection.reindex`` (``VendorData.update``
does it); each index remembers the key it filed a record under, so reindexing never needs the old value.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Record = dict[str, Any]
# Normalises a value into the key it is filed under (e.g. ``str.casefold``); lookups go through it too.
KeyFn = Callable[[Any], Hashable]
# Computes the indexed value from (id, record) when it is not one field as stored.
ValueFn = Callable[[str, Record], Any]

_ABSENT: Hashable = object()


@dataclass(frozen=True, slots=True)
class IndexSpec:
    """What one index files records by. Declared with module-level functions, so equal specs compare equal."""

    field: str
    unique: bool = False
    key: KeyFn | None = None
    value: ValueFn | None = None


class Index:
    """Ids of a collection's records by the key of one field; several ids per key unless kept unique."""

    __slots__ = ("_ids", "_key_of", "spec")

    def __init__(self, spec: IndexSpec) -> None:
        self.spec = spec
        self._ids: dict[Hashable, dict[str, None]] = {}
        self._key_of: dict[str, Hashable] = {}

    def key(self, value: Any) -> Hashable:
        """The key ``value`` is filed under; ``_ABSENT`` when it cannot be a key (unhashable, wrong type)."""
        try:
            found: Hashable = self.spec.key(value) if self.spec.key is not None else value
            hash(found)
        except (TypeError, ValueError, AttributeError):
            # Imported state may hold anything: such a value is simply not findable by this index.
            return _ABSENT
        return found

    def _record_key(self, rid: str, record: Record) -> Hashable:
        if self.spec.value is not None:
            try:
                value = self.spec.value(rid, record)
            except (TypeError, ValueError, AttributeError, KeyError):
                return _ABSENT
        else:
            value = record.get(self.spec.field, _ABSENT) if isinstance(record, dict) else _ABSENT
        missing = value is _ABSENT
        return _ABSENT if missing else self.key(value)

    def add(self, rid: str, record: Record) -> None:
        key = self._record_key(rid, record)
        if key is not _ABSENT:
            self._ids.setdefault(key, {})[rid] = None
            self._key_of[rid] = key

    def remove(self, rid: str) -> None:
        key = self._key_of.pop(rid, _ABSENT)
        if key is not _ABSENT:
            bucket = self._ids[key]
            del bucket[rid]
            if not bucket:
                del self._ids[key]

    def clear(self) -> None:
        self._ids.clear()
        self._key_of.clear()

    def ids(self, value: Any) -> list[str]:
        """Ids of the records whose field has ``value`` (after the index's key function)."""
        key = self.key(value)
        return [] if key is _ABSENT else list(self._ids.get(key, ()))

    def count(self, value: Any) -> int:
        """How many records ``ids(value)`` would answer, without listing them."""
        key = self.key(value)
        return 0 if key is _ABSENT else len(self._ids.get(key, ()))

    def taken_by(self, rid: str, record: Record) -> str | None:
        """Another record's id filed under the key ``record`` would get, if that key is new for ``rid``.

        A record keeping its key is never refused, so records imported with duplicates stay editable.
        """
        key = self._record_key(rid, record)
        if key is _ABSENT or self._key_of.get(rid, _ABSENT) == key:
            return None
        return next((other for other in self._ids.get(key, ()) if other != rid), None)

    def entries(self) -> dict[Hashable, list[str]]:
        """Every key and its ids (for tests and debugging)."""
        return {key: list(ids) for key, ids in self._ids.items()}


class Collection(dict[str, Record]):
    """One collection's records by id, with its indexes kept current by every write."""

    __slots__ = ("_indexes", "_next", "_position")

    def __init__(self, records: Mapping[str, Record] | None = None, specs: Iterable[IndexSpec] = ()) -> None:
        super().__init__()
        self._indexes: dict[str, Index] = {spec.field: Index(spec) for spec in specs}
        # Insertion order of ids, so index hits can be answered in the collection's own order.
        self._position: dict[str, int] = {}
        self._next = 0
        if records:
            self.update(records)

    # indexes
    def add_index(self, spec: IndexSpec) -> Index:
        """The index ``spec`` describes, built from the records already here when it is new."""
        found = self._indexes.get(spec.field)
        if found is None:
            found = self._indexes[spec.field] = Index(spec)
            for rid, record in self.items():
                found.add(rid, record)
        return found

    def indexes(self) -> dict[str, Index]:
        return dict(self._indexes)

    def reindex(self, rid: str) -> None:
        """File record ``rid`` again under its current field values (after changing them in place)."""
        record = self[rid]
        for index in self._indexes.values():
            index.remove(rid)
            index.add(rid, record)

    def in_order(self, ids: Iterable[str]) -> list[Record]:
        """The records of ``ids`` that exist, in the collection's order."""
        position = self._position
        found = sorted((position[rid], rid) for rid in set(ids) if rid in position)
        return [dict.__getitem__(self, rid) for _, rid in found]

    # dict writes, each keeping the indexes current
    def __setitem__(self, rid: str, record: Record) -> None:
        if rid in self._position:
            for index in self._indexes.values():
                index.remove(rid)
        else:
            self._position[rid] = self._next
            self._next += 1
        super().__setitem__(rid, record)
        for index in self._indexes.values():
            index.add(rid, record)

    def __delitem__(self, rid: str) -> None:
        super().__delitem__(rid)
        self._forget(rid)

    def _forget(self, rid: str) -> None:
        del self._position[rid]
        for index in self._indexes.values():
            index.remove(rid)

    def pop(self, rid: str, *default: Any) -> Any:
        if rid not in self._position:
            return super().pop(rid, *default)
        record = super().pop(rid)
        self._forget(rid)
        return record

    def popitem(self) -> tuple[str, Record]:
        rid, record = super().popitem()
        self._forget(rid)
        return rid, record

    def clear(self) -> None:
        super().clear()
        self._position.clear()
        for index in self._indexes.values():
            index.clear()

    def update(self, *args: Any, **kwargs: Any) -> None:
        for rid, record in dict(*args, **kwargs).items():
            self[rid] = record

    def setdefault(self, rid: str, default: Any = None) -> Any:
        if rid not in self._position:
            self[rid] = default
        return self[rid]

    def __ior__(self, other: Any) -> Collection:  # type: ignore[override,misc]
        self.update(other)
        return self

    # copies are plain data: indexes belong to the live collection only
    def __copy__(self) -> dict[str, Record]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Record]:
        return {rid: copy.deepcopy(record, memo) for rid, record in self.items()}

    def __reduce__(self) -> Any:
        return (dict, (dict(self),))
