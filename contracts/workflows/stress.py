"""Stress profiles: what a vendor's concurrent writers do, and how to read back what they wrote.

``make stress`` (``tests/stress``) runs many clients per vendor against ``lms-sandbox serve`` over a real
socket. The driver knows no vendor: it asks the vendor's profile (named by the descriptor's ``stress``)
to create a record, update one, add to a derived view (hours, points, a finished lesson) or delete
one, and keeps a ``Ledger`` of every write the API acknowledged. Afterwards it compares the ledger with
the API's export (``GET /__sandbox__/state/{api}``) and its lists, and runs the profile's view checks,
which compute each derived view from the export and compare it with the API's own answer.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeVar

from mockserver.vendors import Vendor

from ._named import named_class, naming

# What a profile can do besides creating: the driver mixes in only what the profile declares.
UPDATE, CONTRIBUTE, DELETE = "update", "contribute", "delete"


class Rejected(Exception):
    """A write or read of the stress run got an answer other than the one the API documents."""

    def __init__(self, what: str, status: int | None = None, text: str = "") -> None:
        super().__init__(what if status is None else f"{what}: answered {status}: {text[:200]}")
        self.status = status


@dataclass
class Written:
    """One record an acknowledged create made, as the export must hold it now."""

    collection: str
    key: str
    fields: dict[str, Any]
    unique: tuple[str, Any] | None = None
    deleted: bool = False


@dataclass
class Ledger:
    """Every acknowledged write of one API's run: creates, the last value of each update, deletes."""

    records: dict[tuple[str, str], Written] = field(default_factory=dict)
    creates: Counter[str] = field(default_factory=Counter)
    updates: Counter[str] = field(default_factory=Counter)
    deletes: Counter[str] = field(default_factory=Counter)
    # Creates acknowledged with the id of a record an earlier acknowledged create made (and no
    # acknowledged delete removed): two writes, one record.
    reused: list[str] = field(default_factory=list)

    def created(
        self,
        collection: str,
        key: Any,
        fields: Mapping[str, Any] | None = None,
        unique: tuple[str, Any] | None = None,
    ) -> Written:
        """Note a record the API answered as made; ``unique``: a field whose value only it has."""
        rid = (collection, str(key))
        earlier = self.records.get(rid)
        if earlier is not None and not earlier.deleted:
            self.reused.append(f"{collection}/{key}")
        written = Written(collection, str(key), dict(fields or {}), unique)
        self.records[rid] = written
        self.creates[collection] += 1
        return written

    def updated(self, collection: str, key: Any, fields: Mapping[str, Any]) -> None:
        self.records[(collection, str(key))].fields.update(fields)
        self.updates[collection] += 1

    def deleted(self, collection: str, key: Any) -> None:
        written = self.records[(collection, str(key))]
        if not written.deleted:
            written.deleted = True
            self.deletes[collection] += 1

    def of(self, collection: str, *, live: bool = True) -> list[Written]:
        """The records written to ``collection`` (only those not deleted, by default)."""
        return [w for (c, _), w in self.records.items() if c == collection and not (live and w.deleted)]

    @property
    def collections(self) -> list[str]:
        return sorted({c for c, _ in self.records})


class Client(Protocol):
    """One concurrent writer, as the driver hands it to a profile."""

    number: int
    random: random.Random
    ledger: Ledger

    async def call(
        self, method: str, path: str, *, expect: int | tuple[int, ...], what: str, **kwargs: Any
    ) -> Any:
        """Send a request under the API's prefix; the JSON answer (None when empty), else ``Rejected``."""
        ...


# A check of one derived view: the problem found, or None.
ViewCheck = Callable[[Client], Awaitable[str | None]]


V = TypeVar("V")
T = TypeVar("T")


class StressProfile:
    """Base of a vendor's stress profile: one instance per run, shared by the run's clients.

    Subclasses set ``api`` and ``does`` (what they do besides creating), and write the operations.
    A handle is whatever the profile returns from ``create`` (an id, a tuple); the driver only hands
    it back. Only writes the API acknowledged go into the client's ledger.
    """

    api: ClassVar[str]
    does: ClassVar[frozenset[str]] = frozenset()
    # Collections the profile's list check reads through the API (for the report).
    lists: ClassVar[tuple[str, ...]] = ()

    async def prepare(self, client: Client, state: Mapping[str, Any]) -> None:
        """Look up what every create needs (a program, a course), once, before the clients start.

        ``state`` is the API's export before the run, for what the API itself cannot list.
        """

    async def create(self, client: Client, tag: str) -> Any:
        """Create one record (``tag`` is unique to this call) and return its handle."""
        raise NotImplementedError

    async def update(self, client: Client, handle: Any, tag: str) -> None:
        raise NotImplementedError

    async def contribute(self, client: Client, handle: Any, tag: str) -> None:
        """Add to a derived view of ``handle`` (hours, points, a finished lesson)."""
        raise NotImplementedError

    async def delete(self, client: Client, handle: Any) -> bool:
        """Delete ``handle``'s record or one that hangs off it; True when the handle itself is gone."""
        raise NotImplementedError

    async def listed(self, client: Client) -> dict[str, list[str]]:
        """Per collection, the ids the API's list operation answers (every page)."""
        return {}

    def listable(self, collection: str, record: Mapping[str, Any]) -> bool:
        """Whether ``listed`` answers this exported record of ``collection`` (default: every one)."""
        return True

    @staticmethod
    async def created(
        client: Client,
        collection: str,
        path: str,
        sent: Mapping[str, Any],
        expect: int,
        what: str,
        unique: str,
    ) -> str:
        """POST ``sent`` to ``path``; note the record the answer's id names, as sent, and return that id.

        ``unique``: the field of ``sent`` whose value only this record has.
        """
        made = await client.call("POST", path, json=sent, expect=expect, what=what)
        key = str(made["id"])
        client.ledger.created(collection, key, sent, unique=(unique, sent[unique]))
        return key

    @staticmethod
    async def updated(
        client: Client,
        collection: str,
        handle: Any,
        method: str,
        path: str,
        sent: Mapping[str, Any],
        what: str,
        *,
        json: Mapping[str, Any] | None = None,
        named: bool = True,
    ) -> None:
        """Send the update ``sent`` (as ``json`` when given); its answer must show the one field sent.

        ``Rejected`` names the field when ``named``; the ledger notes the update once acknowledged.
        """
        answer = await client.call(method, path, json=sent if json is None else json, expect=200, what=what)
        [(name, value)] = sent.items()
        if answer.get(name) != value:
            field = f"{name} " if named else ""
            raise Rejected(f"{what} {handle}: the answer shows {field}{answer.get(name)!r}")
        client.ledger.updated(collection, handle, sent)

    @staticmethod
    def per_owner(
        owners: Iterable[Written],
        exported: Iterable[tuple[str, V]],
        acknowledged: Iterable[tuple[str, V]],
        fold: Callable[[list[V]], T],
        check: Callable[[str, T, T], ViewCheck],
    ) -> Iterator[ViewCheck]:
        """One view check per owner, given its values (owner key, value) in the export and those acknowledged.

        Each side's values of an owner are folded (summed, made a set) in the order given.
        """
        held: dict[str, list[V]] = defaultdict(list)
        for key, value in exported:
            held[key].append(value)
        noted: dict[str, list[V]] = defaultdict(list)
        for key, value in acknowledged:
            noted[key].append(value)
        for owner in owners:
            yield check(owner.key, fold(held[owner.key]), fold(noted[owner.key]))

    def views(self, state: Mapping[str, Any], ledger: Ledger) -> Iterable[ViewCheck]:
        """The checks of the derived views of the records in ``ledger``, against the export ``state``."""
        return ()


def profile_for(api: str) -> type[StressProfile] | None:
    """The stress profile of ``api``, or None when its vendor names none."""
    return named_class(
        api, _stress, StressProfile, "stress profile", "contracts.workflows.stress.StressProfile"
    )


def stressed_apis() -> list[str]:
    """Every registered API whose vendor names a stress profile."""
    return naming(_stress)


def _stress(vendor: Vendor) -> str | None:
    return vendor.stress
