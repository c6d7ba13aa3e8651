"""Hand-edited state: whatever a user imports as vacancies, the search answers instead of failing."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from mockserver import ModelError, VendorData
from mockserver.vendors.dfe import vacancies as v
from mockserver.vendors.dfe.vacancies import Search, Subscription

FIELDS = [
    "vacancyReference",
    "title",
    "postedDate",
    "closingDate",
    "startDate",
    "course",
    "addresses",
    "address",
    "otherAddresses",
    "ukprn",
    "employerName",
    "isNationalVacancy",
    "accountPublicHashedId",
    "accountLegalEntityPublicHashedId",
    "wage",
]
scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-90, 90) | st.text(max_size=8)
dates = st.sampled_from(["2025-09-10T23:59:59Z", "2024-01-01T00:00:00Z", "2025-09-01", "not a date"])
json_values = st.recursive(
    scalars | dates,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
courses = st.fixed_dictionaries(
    {"larsCode": st.integers(1, 3)}, optional={"route": st.sampled_from(["Digital", "x"])}
)
addresses = st.fixed_dictionaries(
    {},
    optional={
        "postcode": st.text(max_size=8),
        "latitude": st.floats(-90, 90),
        "longitude": st.floats(-180, 180),
    },
)
records = st.fixed_dictionaries(
    {"course": courses | json_values},
    optional={
        **{name: json_values for name in FIELDS if name != "course"},
        "addresses": st.lists(addresses | json_values, max_size=3),
        "closingDate": dates,
        "postedDate": dates,
    },
)
queries = st.builds(
    Search,
    version=st.sampled_from([1, 2]),
    page_size=st.integers(1, 5),
    sort=st.sampled_from(v.SORTS),
    lat=st.none() | st.floats(-90, 90),
    lon=st.none() | st.floats(-180, 180),
    distance_in_miles=st.none() | st.integers(0, 500),
    routes=st.lists(st.sampled_from(["Digital", "x"]), max_size=2).map(tuple),
    posted_in_last_number_of_days=st.none() | st.integers(0, 1000),
    ukprn=st.none() | st.integers(-5, 5),
    employer_name=st.none() | st.text(max_size=3),
    filter_by_subscription=st.booleans(),
    nation_wide_only=st.booleans(),
    exclude_recruiting_nationally=st.booleans(),
    include_details=st.booleans(),
)
subscriptions = st.sampled_from(
    [Subscription("Employer", account="V7YWNG"), Subscription("Provider", ukprn=1), Subscription("External")]
)


def _no_nulls(value: Any) -> bool:
    if isinstance(value, dict):
        return all(v is not None and _no_nulls(v) for v in value.values())
    if isinstance(value, list):
        return all(_no_nulls(v) for v in value)
    return True


@given(
    st.dictionaries(st.text("0123456789", min_size=1, max_size=4), records, max_size=4),
    queries,
    subscriptions,
)
def test_any_imported_vacancies_are_searched_and_shaped_without_failing(
    imported: dict[str, Any], query: Search, who: Subscription
) -> None:
    data = VendorData("dfe", 0)
    data.load(
        {"collections": {"vacancies": imported, "legal_entities": {"XJ6M7B": {"trainingProviderUkprns": 7}}}}
    )
    try:
        result = v.search(data, query, who)
    except ModelError as refused:
        status = refused.status
    else:
        status = 200
    # The only refusals a query can meet here are the documented ones (an unowned legal entity).
    assert status in (200, 403)
    if status != 200:
        return
    json.dumps(result, allow_nan=False)
    assert _no_nulls(result)
    assert result["totalFiltered"] <= result["total"] <= len(imported)
    for item in result["vacancies"]:
        assert isinstance(item["course"]["larsCode"], int)
        assert v.get(data, item["vacancyReference"], query.version) == v.shape(
            data.collection(v.VACANCIES)[_key(data, item["vacancyReference"])],
            item["vacancyReference"],
            query.version,
            v.today(data),
            detailed=True,
        )


def _key(data: VendorData, reference: str) -> str:
    return next(k for k, r in data.collection(v.VACANCIES).items() if v.vacancy_reference(r, k) == reference)
