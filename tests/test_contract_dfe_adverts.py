"""What the DfE workflow model reads from adverts (contracts.workflows.dfe_adverts), as plain functions."""

from __future__ import annotations

from contracts.workflows import dfe_adverts as adverts


def _posted(ref: str, when: str) -> dict[str, str]:
    return {"vacancyReference": ref, "postedDate": when}


def test_posted_before_names_adverts_posted_over_that_many_days_before_the_newest() -> None:
    listed = [
        _posted("1", "2025-09-01T17:25:00Z"),
        _posted("2", "2025-08-29T09:00:00Z"),
        _posted("3", "2025-08-28T23:59:00Z"),
        _posted("4", "2025-07-15T08:00:00Z"),
    ]
    assert adverts.posted_before(listed, 3) == {"3", "4"}
    assert adverts.posted_before(listed, 4) == {"4"}
    assert adverts.posted_before(listed, 48) == set()


def test_posted_before_leaves_out_adverts_without_a_posting_date() -> None:
    listed = [_posted("1", "2025-09-01T17:25:00Z"), {"vacancyReference": "2"}, _posted("3", "yesterday")]
    assert adverts.posted_before(listed, 0) == set()
    assert adverts.posted_before([], 0) == set()
