"""SkyPrep's link records (a group's members and courses, a path's courses, users and groups): made once,
removed with a 404 when absent, and made with the record they belong to."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ...errors import NotFound
from ...store import Record, VendorData
from .model import link_id, named_record, require_existing

# What a new record is linked to: the collection its ids name, the ids, the field that gave them, how to link.
Links = Sequence[tuple[str, list[int], str, Callable[[VendorData, Record, Record], None]]]


def create_linked(
    data: VendorData, collection: str, name: str, fields: Mapping[str, Any], links: Links
) -> Record:
    """A new named record of ``collection``, linked as ``links`` say; every id is checked first."""
    for source, ids, field, _ in links:
        require_existing(data, source, ids, field)
    record = named_record(data, name, fields)
    data.insert(collection, record)
    for source, ids, _, link in links:
        for rid in ids:
            link(data, record, data.collection(source)[str(rid)])
    return record


def add_link(
    data: VendorData, collection: str, first: tuple[str, Record], second: tuple[str, Record]
) -> None:
    """Links two records in ``collection`` (each given as its id field and record), once."""
    (first_field, one), (second_field, other) = first, second
    key = link_id(one["id"], other["id"])
    if key not in data.collection(collection):
        data.insert(collection, {"id": key, first_field: one["id"], second_field: other["id"]})


def remove_link(data: VendorData, collection: str, one: Record, other: Record, missing: NotFound) -> None:
    """Unlinks two records of ``collection``; raises ``missing`` when they are not linked."""
    key = link_id(one["id"], other["id"])
    if key not in data.collection(collection):
        raise missing
    data.delete(collection, key)
