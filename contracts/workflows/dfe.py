"""DfE's documented behaviour (Display Advert v1/v2, Track Progress) as a state machine, against any target.

It assumes no seeded data: it reads the reference data and the first pages of live adverts through
the API, then checks every search against that picture. Adverts are read-only through the API, so
the picture holds for the whole example. A filter's values are picked from that picture so that some
adverts read must be left out (another route, standard or employer), as far as the target's adverts
differ at all, and a posting window leaves out what was posted before it began: a target that
ignores a filter answers an advert it must not. Requests stay bounded (pages of at most 100, a few
pages per search): against a large target (DfE's thousands of adverts) a search the model cannot read
in full is checked for what its pages show (each advert matches, pages agree), and completeness is
checked only where the model holds the whole set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import httpx
from hypothesis import strategies as st
from hypothesis.stateful import initialize, precondition, rule

from . import dfe_adverts as adverts
from .dfe_adverts import Advert, Predicate
from .dfe_progress import TrackProgressRules

ADVERT_API = "/vacancies"
PAGE_SIZE = 100
MAX_PAGES = 3
VERSIONS = st.sampled_from(["1", "2"])
INDEX = st.integers(min_value=0, max_value=10_000)
RADII = st.sampled_from([1, 5, 15, 40, 120])
# Ten years reaches back past every live advert's posting.
DAYS = (0, 1, 3, 7, 14, 30, 90, 3650)
PAGE_SIZES = st.sampled_from([4, 7, 10, 25])


class DfeWorkflow(TrackProgressRules):
    """Filters, sorts, paging, reads by reference, version shapes, reference data, Track Progress rules."""

    api = "dfe"

    def __init__(self) -> None:
        super().__init__()
        # Per X-Version, the live adverts read (every one when complete[version]).
        self.adverts: dict[str, list[Advert]] = {}
        self.complete: dict[str, bool] = {}
        self.courses: dict[Any, Advert] = {}
        self.routes: list[str] = []
        self.last: httpx.Response | None = None

    # --- talking to the target ---------------------------------------------------------------

    def expect(
        self, condition: bool, operation_id: str, message: str, response: httpx.Response | None = None
    ) -> None:
        """``Workflow.expect``; without a response, the last one read reproduces the failure."""
        super().expect(condition, operation_id, message, response if response is not None else self.last)

    def _get(self, path: str, version: str, operation_id: str, **params: Any) -> httpx.Response:
        response = self.call("GET", path, base_path=ADVERT_API, headers={"X-Version": version}, params=params)
        # The request a failure found in an answer reproduces with (the page it came on).
        self.last = response
        self.expect_status(response, 200, operation_id, f"GET {path} {params or ''} (X-Version {version})")
        return response

    def _search(
        self, version: str, params: dict[str, Any], size: int = PAGE_SIZE, pages: int = MAX_PAGES
    ) -> tuple[list[Advert], dict[str, Any], bool]:
        """Pages 1.. of one search, each checked against the others: (adverts, first page, all of them?)."""
        found: list[Advert] = []
        first: dict[str, Any] = {}
        page = 1
        while True:
            response = self._get(
                "/vacancy", version, "getVacancies", **params, PageNumber=page, PageSize=size
            )
            body = response.json()
            self._page_agrees(body, first or body, page, size, version, response)
            first = first or body
            found += body["vacancies"]
            if page >= body["totalPages"] or page >= pages:
                break
            page += 1
        refs = adverts.references(found)
        self.expect(
            len(set(refs)) == len(refs),
            "getVacancies",
            f"pages of {params} at PageSize={size} repeat adverts: they must partition the results",
            response,
        )
        complete = page >= first["totalPages"]
        if complete:
            self.expect(
                len(found) == first["totalFiltered"],
                "getVacancies",
                f"all {page} page(s) of {params} hold {len(found)} adverts, totalFiltered says "
                f"{first['totalFiltered']}",
                response,
            )
        return found, first, complete

    def _page_agrees(
        self,
        body: dict[str, Any],
        first: dict[str, Any],
        page: int,
        size: int,
        version: str,
        response: httpx.Response,
    ) -> None:
        what = f"page {page} at PageSize={size}"
        listed, total, filtered, pages = (
            body.get(k) for k in ("vacancies", "total", "totalFiltered", "totalPages")
        )
        self.expect(
            isinstance(listed, list) and all(isinstance(n, int) for n in (total, filtered, pages)),
            "getVacancies",
            f"{what}: expected vacancies with total, totalFiltered and totalPages",
            response,
        )
        listed, total, filtered = cast(list[Advert], listed), cast(int, total), cast(int, filtered)
        self.expect(filtered <= total, "getVacancies", f"{what}: totalFiltered > total", response)
        self.expect(
            pages == adverts.pages_expected(filtered, size),
            "getVacancies",
            f"{what}: totalPages={pages}, but {filtered} adverts at {size} a page make "
            f"{adverts.pages_expected(filtered, size)}",
            response,
        )
        self.expect(
            (total, filtered, pages) == (first["total"], first["totalFiltered"], first["totalPages"]),
            "getVacancies",
            f"{what}: the totals differ from page 1's",
            response,
        )
        wanted = adverts.items_expected(filtered, size, page)
        self.expect(
            len(listed) == wanted,
            "getVacancies",
            f"{what} holds {len(listed)} adverts, not {wanted}",
            response,
        )
        for advert in listed:
            foreign = adverts.wrong_version_keys(advert, version)
            self.expect(
                not foreign,
                "getVacancies",
                f"advert {adverts.reference(advert)} in X-Version {version} carries {foreign}",
                response,
            )

    def _universe(self, version: str) -> list[Advert]:
        if version not in self.adverts:
            found, _first, complete = self._search(version, {})
            self.adverts[version], self.complete[version] = found, complete
        return self.adverts[version]

    def _as_v2(self, advert: Advert) -> Advert:
        """The v2 list entry of ``advert`` when the model has read it, else ``advert`` itself."""
        ref = adverts.reference(advert)
        return next((a for a in self._universe("2") if adverts.reference(a) == ref), advert)

    def _pick(self, pick: int, version: str = "2") -> Advert | None:
        universe = self._universe(version)
        return universe[pick % len(universe)] if universe else None

    # --- reference data ----------------------------------------------------------------------

    @initialize()
    def start(self) -> None:
        # One initial step, in this order (Hypothesis draws the order of several @initialize rules):
        # the reference data and adverts first, so a wrong key fails on the first read.
        self.read_reference_data_and_live_adverts()
        self.each_filter_once()
        self.track_progress_refuses_what_it_must()

    def read_reference_data_and_live_adverts(self) -> None:
        courses = self._get("/referencedata/courses", "2", "getCourses").json().get("trainingCourses") or []
        self.courses = {c.get("larsCode"): c for c in courses}
        routes = self._get("/referencedata/courses/routes", "2", "getRoutes").json().get("routes") or []
        self.routes = [str(r.get("name")) for r in routes]
        for course in courses:
            self.expect(
                course.get("route") in self.routes,
                "getRoutes",
                f"course {course.get('larsCode')}'s route {course.get('route')!r} is not among the routes",
            )
        universe = self._universe("2")
        for advert in universe:
            code, ref = adverts.lars_code(advert), adverts.reference(advert)
            self.expect(
                code in self.courses, "getCourses", f"advert {ref}'s course {code} is not among the courses"
            )
            self.expect(
                adverts.route(advert) in self.routes,
                "getRoutes",
                f"advert {ref}'s route {adverts.route(advert)!r} is not among the routes",
            )

    # --- filters -----------------------------------------------------------------------------

    def _leaves_some_out(self, matches: Predicate) -> bool:
        """Whether some advert read does not match: a target ignoring the filter would answer it."""
        return not all(matches(a) for a in self._universe("2"))

    def _filter(self, kind: str, pick: int) -> tuple[dict[str, Any], Predicate] | None:
        """A filter on values some live advert has, and which adverts it documents as matching.

        Of the values it may pick, it prefers those that leave some advert read out.
        """
        one, other = self._pick(pick), self._pick(pick * 7 + 3)
        if one is None or other is None:
            return None
        if kind == "StandardLarsCode":
            codes = self._some_of(adverts.lars_code, one, other)
            params: dict[str, Any] = {"StandardLarsCode": codes}
            if pick % 2:
                # Documented: with StandardLarsCode given, Routes is ignored.
                params["Routes"] = [r for r in self.routes if r != adverts.route(one)][:1]
            return params, lambda a: adverts.lars_code(a) in codes
        if kind == "Routes":
            routes = sorted(self._some_of(adverts.route, one, other))
            return {"Routes": routes}, lambda a: adverts.route(a) in routes
        if kind == "Ukprn":
            return {"Ukprn": one.get("ukprn")}, lambda a: a.get("ukprn") == one.get("ukprn")
        if kind == "EmployerName":
            # A word of the name, in another case: DfE matches a part of the name, ignoring case.
            words = sorted(str(one.get("employerName", "")).split() or [""], key=len, reverse=True)
            word = next((w for w in words if self._leaves_some_out(_employer_has(w))), words[0])
            return {"EmployerName": word.swapcase()}, _employer_has(word)
        # Nothing to pick: they leave adverts out only if the target has both kinds.
        if kind == "ExcludeRecruitingNationally":
            return {"ExcludeRecruitingNationally": "true"}, lambda a: not adverts.is_national(a)
        return {"NationWideOnly": "true"}, adverts.is_national

    def _some_of(self, value: Callable[[Advert], Any], one: Advert, other: Advert) -> list[Any]:
        """``one``'s and ``other``'s values, or only ``one``'s if both leave no advert read out."""
        both = [value(one), value(other)]
        return both if self._leaves_some_out(lambda a: value(a) in both) else both[:1]

    # One rule per filter, so each is checked in most runs, however few their examples.

    @rule(pick=INDEX, version=VERSIONS)
    def a_standard_filter_returns_exactly_its_adverts(self, pick: int, version: str) -> None:
        self._filter_returns_exactly_the_matching_adverts("StandardLarsCode", pick, version)

    @rule(pick=INDEX, version=VERSIONS)
    def a_routes_filter_returns_exactly_its_adverts(self, pick: int, version: str) -> None:
        self._filter_returns_exactly_the_matching_adverts("Routes", pick, version)

    @rule(pick=INDEX, version=VERSIONS)
    def a_provider_filter_returns_exactly_its_adverts(self, pick: int, version: str) -> None:
        self._filter_returns_exactly_the_matching_adverts("Ukprn", pick, version)

    @rule(pick=INDEX)
    def an_employer_name_filter_returns_exactly_its_adverts(self, pick: int) -> None:
        # Only v2 reads EmployerName (v1 accepts and ignores it).
        self._filter_returns_exactly_the_matching_adverts("EmployerName", pick, "2")

    @rule(pick=INDEX)
    def a_national_filter_returns_exactly_its_adverts(self, pick: int) -> None:
        # Each version reads only its own: v1 NationWideOnly, v2 ExcludeRecruitingNationally. Both,
        # each time: a drawn version left some runs without v1's filter.
        self._filter_returns_exactly_the_matching_adverts("NationWideOnly", pick, "1")
        self._filter_returns_exactly_the_matching_adverts("ExcludeRecruitingNationally", pick, "2")

    def each_filter_once(self) -> None:
        # Every filter once per example as well: rules are drawn, and a run of few examples (or a
        # change in what Hypothesis draws) could leave a filter unchecked.
        for kind in ("StandardLarsCode", "Routes", "Ukprn", "EmployerName", "ExcludeRecruitingNationally"):
            self._filter_returns_exactly_the_matching_adverts(kind, 0, "2")
        self._filter_returns_exactly_the_matching_adverts("NationWideOnly", 0, "1")

    def _filter_returns_exactly_the_matching_adverts(self, kind: str, pick: int, version: str) -> None:
        made = self._filter(kind, pick)
        if made is None:
            return
        params, matches = made
        got, _first, complete = self._search(version, params)
        for advert in got:
            self.expect(
                matches(advert),
                "getVacancies",
                f"filter {params} (X-Version {version}) returned advert {adverts.reference(advert)}, "
                "which does not match it",
            )
        if complete and self.complete["2"]:
            wanted = sorted(adverts.reference(a) for a in self._universe("2") if matches(a))
            self.expect(
                sorted(adverts.references(got)) == wanted,
                "getVacancies",
                f"filter {params} (X-Version {version}) returned {sorted(adverts.references(got))}, "
                f"expected {wanted}",
            )

    @rule(pick=INDEX, version=VERSIONS)
    def a_posting_window_keeps_exactly_the_newest_adverts(self, pick: int, version: str) -> None:
        days = DAYS[pick % len(DAYS)]
        got, _first, complete = self._search(version, {"PostedInLastNumberOfDays": days})
        universe = self._universe("2")
        # No advert is posted after the target's today, so the newest posting bounds it from below:
        # an advert posted more than `days` (and a day's slack) before the newest is out of the window.
        stale = adverts.posted_before(universe, days + 1)
        for advert in got:
            self.expect(
                adverts.reference(advert) not in stale,
                "getVacancies",
                f"PostedInLastNumberOfDays={days} (X-Version {version}) returned advert "
                f"{adverts.reference(advert)}, posted {advert.get('postedDate')}, over {days + 1} days "
                "before the newest advert",
            )
        if not (complete and self.complete["2"]):
            return
        kept = set(adverts.references(got))
        included = [a for a in universe if adverts.reference(a) in kept]
        excluded = [a for a in universe if adverts.reference(a) not in kept]
        self.expect(
            not adverts.posted_threshold_broken(included, excluded),
            "getVacancies",
            f"PostedInLastNumberOfDays={days} kept adverts posted before ones it left out",
        )
        if days == 3650:
            self.expect(
                not excluded,
                "getVacancies",
                f"PostedInLastNumberOfDays={days} left out live adverts {adverts.references(excluded)[:5]}",
            )

    @rule(pick=INDEX, miles=RADII, version=VERSIONS, exclude=st.booleans())
    def a_distance_search_keeps_adverts_within_the_radius(
        self, pick: int, miles: int, version: str, exclude: bool
    ) -> None:
        centre = self._pick(pick)
        where = adverts.points(centre) if centre is not None else []
        if not where:
            return
        lat, lon = where[0]
        params: dict[str, Any] = {"Lat": lat, "Lon": lon, "DistanceInMiles": miles, "Sort": "DistanceAsc"}
        exclude = exclude and version == "2"
        if exclude:
            params["ExcludeRecruitingNationally"] = "true"
        got, _first, complete = self._search(version, params)
        for advert in got:
            ref, raw = adverts.reference(advert), advert.get("distance")
            if adverts.is_national(advert):
                self.expect(
                    not exclude, "getVacancies", f"{params} returned advert {ref} recruiting nationally"
                )
                continue
            self.expect(
                isinstance(raw, int | float), "getVacancies", f"{params}: advert {ref} has no distance"
            )
            distance = float(cast(float, raw))
            self.expect(
                distance <= miles + adverts.slack(miles),
                "getVacancies",
                f"{params}: advert {ref} is {distance} miles away, beyond the radius",
            )
            # v1 lists at most ten addresses: measure from every address, as the v2 advert lists them.
            nearest = adverts.nearest_miles(self._as_v2(advert), lat, lon)
            self.expect(
                nearest is None or abs(nearest - distance) <= adverts.slack(nearest),
                "getVacancies",
                f"{params}: advert {ref} is said to be {distance} miles away, its nearest address {nearest}",
            )
        broken = adverts.out_of_order(got, "DistanceAsc")
        self.expect(
            broken is None,
            "getVacancies",
            f"{params}: not nearest first ({[adverts.reference(a) for a in broken or ()]})",
        )
        if complete and self.complete["2"]:
            kept = set(adverts.references(got))
            for advert in self._universe("2"):
                nearest = adverts.nearest_miles(advert, lat, lon)
                if adverts.is_national(advert) or nearest is None:
                    continue
                ref = adverts.reference(advert)
                if nearest <= miles - adverts.slack(miles):
                    self.expect(
                        ref in kept,
                        "getVacancies",
                        f"{params} left out advert {ref}, {nearest:.2f} miles away",
                    )

    # --- sorts and paging --------------------------------------------------------------------

    @rule(pick=INDEX, version=VERSIONS)
    def each_sort_orders_as_documented(self, pick: int, version: str) -> None:
        # Every sort, each time: a drawn sort left some runs without the one a broken server swaps.
        for sort in adverts.SORTS:
            self._check_sort(sort, pick, version)

    def _check_sort(self, sort: str, pick: int, version: str) -> None:
        params: dict[str, Any] = {"Sort": sort}
        if sort.startswith("Distance"):
            centre = self._pick(pick)
            where = adverts.points(centre) if centre is not None else []
            if not where:
                return
            params["Lat"], params["Lon"] = where[0]
        got, _first, complete = self._search(version, params)
        broken = adverts.out_of_order(got, sort)
        self.expect(
            broken is None,
            "getVacancies",
            f"Sort={sort} (X-Version {version}) put {[adverts.reference(a) for a in broken or ()]} "
            f"the wrong way round ({[str(adverts.sort_value(a, sort)) for a in broken or ()]})",
        )
        if complete and self.complete["2"]:
            self.expect(
                sorted(adverts.references(got)) == sorted(adverts.references(self._universe("2"))),
                "getVacancies",
                f"Sort={sort} changed which adverts are listed",
            )

    @rule(size=PAGE_SIZES, pick=INDEX, version=VERSIONS, narrow=st.booleans())
    def pages_partition_the_results(self, size: int, pick: int, version: str, narrow: bool) -> None:
        one = self._pick(pick)
        params: dict[str, Any] = {"Routes": [adverts.route(one)]} if narrow and one is not None else {}
        got, first, complete = self._search(version, params, size=size, pages=MAX_PAGES + 1)
        if complete and self.complete["2"]:
            routes = params.get("Routes")
            wanted = sorted(
                adverts.reference(a) for a in self._universe("2") if not routes or adverts.route(a) in routes
            )
            self.expect(
                sorted(adverts.references(got)) == wanted,
                "getVacancies",
                f"the pages of {params} at PageSize={size} hold {len(got)} adverts, not the {len(wanted)} "
                "of the whole search",
            )
        past = first["totalPages"] + 1
        response = self._get("/vacancy", version, "getVacancies", **params, PageNumber=past, PageSize=size)
        body = response.json()
        self.expect(
            body.get("vacancies") == [] and body.get("totalFiltered") == first["totalFiltered"],
            "getVacancies",
            f"page {past}, past the last, must be empty with the same totals",
            response,
        )

    # --- one advert --------------------------------------------------------------------------

    @rule(pick=INDEX, version=VERSIONS)
    def an_advert_reads_as_it_is_listed(self, pick: int, version: str) -> None:
        listed = self._pick(pick, version)
        if listed is None:
            return
        ref = adverts.reference(listed)
        response = self._get(f"/vacancy/{ref}", version, "getVacancy")
        read = response.json()
        self.expect(
            adverts.reference(read) == ref, "getVacancy", f"reading {ref} answers another advert", response
        )
        differ = adverts.common_fields_differ(listed, read)
        self.expect(
            not differ, "getVacancy", f"advert {ref} reads otherwise than it is listed: {differ}", response
        )
        foreign = adverts.wrong_version_keys(read, version)
        self.expect(
            not foreign, "getVacancy", f"advert {ref} in X-Version {version} carries {foreign}", response
        )

    @precondition(lambda self: self.complete.get("2", False))
    @rule(version=VERSIONS)
    def an_unknown_reference_is_not_found(self, version: str) -> None:
        known = set(adverts.references(self._universe("2")))
        ref = next(str(n) for n in range(9_999_999_999, 0, -1) if str(n) not in known)
        response = self.call("GET", f"/vacancy/{ref}", base_path=ADVERT_API, headers={"X-Version": version})
        self.expect_status(response, 404, "getVacancy", f"reading unknown advert {ref}")


def _employer_has(word: str) -> Predicate:
    """DfE's EmployerName match: a part of the name, ignoring case."""
    needle = word.casefold()
    return lambda a: needle in str(a.get("employerName", "")).casefold()
