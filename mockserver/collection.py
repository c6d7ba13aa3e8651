"""A collection of records by id, and the indexes that make lookups on its fields O(1).

A ``Collection`` is a ``dict`` of id -> record, so readers use it as one. Every dict-level write
(``c[id] = record``, ``del c[id]``, ``pop``, ``clear``, ``update``, ...) keeps its indexes current.
A change to the *fields* of a stored record must go through ``Collection.reindex`` (``VendorData.update``
does it); each index remembers the key it filed a record under, so reindexing never needs the old value.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
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
        return [dict.__getitem__(self, rid) for rid in self.ordered(ids)]

    def ordered(self, ids: Iterable[str]) -> list[str]:
        """The ids among ``ids`` that have a record, in the collection's order."""
        position = self._position
        return [rid for _, rid in sorted((position[rid], rid) for rid in set(ids) if rid in position)]

    def position(self, rid: str) -> int:
        """Where record ``rid`` stands in the collection's order (grows with every new id)."""
        return self._position[rid]

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


class Changes:
    """What may have changed in one vendor's data since the state file last took it (``take``).

    Filled by ``Tracked`` collections, ``TrackedExtras`` and ``VendorData`` as callers reach records,
    extras or generators: reaching is enough, since records are plain dicts changed in place.
    """

    __slots__ = ("extras", "generators", "ids", "replaced", "whole")

    def __init__(self) -> None:
        # collection -> ids of the records handed out; collections handed out whole (iterated).
        self.ids: dict[str, set[str]] = {}
        self.whole: set[str] = set()
        # extras keys handed out; None: every key (the extras were iterated or replaced).
        self.extras: set[str] | None = set()
        self.generators = False
        # The collections or the extras were replaced as a whole (reset, import, restore).
        self.replaced = False

    def __bool__(self) -> bool:
        return bool(self.ids or self.whole or self.extras or self.extras is None or self.generators) or (
            self.replaced
        )

    def take(self) -> Changes:
        """These changes, leaving this log empty."""
        taken = Changes()
        taken.ids, self.ids = self.ids, taken.ids
        taken.whole, self.whole = self.whole, taken.whole
        taken.extras, self.extras = self.extras, taken.extras
        taken.generators, self.generators = self.generators, False
        taken.replaced, self.replaced = self.replaced, False
        return taken

    def merge(self, other: Changes) -> None:
        """Add ``other`` back (changes taken but not written: the next write takes them again)."""
        for name, ids in other.ids.items():
            self.ids.setdefault(name, set()).update(ids)
        self.whole |= other.whole
        self.extras = None if self.extras is None or other.extras is None else self.extras | other.extras
        self.generators |= other.generators
        self.replaced |= other.replaced


class _Whole(dict):  # type: ignore[type-arg]
    """What hands out every value of a tracked dict at once: noted as the whole of it."""

    __slots__ = ()

    def _note_all(self) -> None:
        raise NotImplementedError

    # Overriding __iter__ (even unchanged) makes dict(c) and {**c} go through keys() and __getitem__.
    def __iter__(self) -> Iterator[str]:
        return super().__iter__()

    def values(self) -> Any:
        self._note_all()
        return super().values()

    def items(self) -> Any:
        self._note_all()
        return super().items()

    def copy(self) -> dict[str, Any]:
        self._note_all()
        return dict(super().items())


class Tracked(_Whole, Collection):
    """A ``Collection`` noting in a ``Changes`` log every record it hands out or takes in."""

    __slots__ = ("_changes", "_name")

    def __init__(
        self, records: Mapping[str, Record] | None, specs: Iterable[IndexSpec], name: str, changes: Changes
    ) -> None:
        super().__init__(None, specs)
        # Filled without notes: whoever replaces a whole collection notes that instead.
        for rid, record in (records or {}).items():
            Collection.__setitem__(self, rid, record)
        self._name = name
        self._changes = changes

    def _note(self, rid: str) -> None:
        found = self._changes.ids.get(self._name)
        if found is None:
            found = self._changes.ids[self._name] = set()
        found.add(rid)

    def _note_all(self) -> None:
        self._changes.whole.add(self._name)

    def __getitem__(self, rid: str) -> Record:
        record: Record = dict.__getitem__(self, rid)
        self._note(rid)
        return record

    def get(self, rid: str, default: Any = None) -> Any:
        record = dict.get(self, rid, _ABSENT)
        if record is _ABSENT:
            return default
        self._note(rid)
        return record

    def __setitem__(self, rid: str, record: Record) -> None:
        super().__setitem__(rid, record)
        self._note(rid)

    def _forget(self, rid: str) -> None:
        super()._forget(rid)
        self._note(rid)

    def clear(self) -> None:
        self._note_all()
        super().clear()

    def in_order(self, ids: Iterable[str]) -> list[Record]:
        found = self.ordered(ids)
        for rid in found:
            self._note(rid)
        return [dict.__getitem__(self, rid) for rid in found]

    def __copy__(self) -> dict[str, Record]:
        return self.copy()

    def __reduce__(self) -> Any:
        return (dict, (self.copy(),))


class TrackedExtras(_Whole, dict[str, Any]):
    """A vendor's extras, noting in a ``Changes`` log every key handed out or changed."""

    __slots__ = ("_changes",)

    def __init__(self, values: Mapping[str, Any], changes: Changes) -> None:
        super().__init__(values)
        self._changes = changes

    def _note(self, key: str) -> None:
        if self._changes.extras is not None:
            self._changes.extras.add(key)

    def _note_all(self) -> None:
        self._changes.extras = None

    def __getitem__(self, key: str) -> Any:
        value = dict.__getitem__(self, key)
        self._note(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        self._note(key)
        return dict.get(self, key, default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self._note(key)
        return dict.setdefault(self, key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        self._note(key)
        dict.__setitem__(self, key, value)

    def __delitem__(self, key: str) -> None:
        self._note(key)
        dict.__delitem__(self, key)

    def pop(self, key: str, *default: Any) -> Any:
        self._note(key)
        return dict.pop(self, key, *default)

    def popitem(self) -> tuple[str, Any]:
        self._note_all()
        return dict.popitem(self)

    def clear(self) -> None:
        self._note_all()
        dict.clear(self)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._note_all()
        dict.update(self, *args, **kwargs)

    def __ior__(self, other: Any) -> TrackedExtras:  # type: ignore[misc]
        self.update(other)
        return self

    def __copy__(self) -> dict[str, Any]:
        return self.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return copy.deepcopy(self.copy(), memo)

    def __reduce__(self) -> Any:
        return (dict, (self.copy(),))
