"""DfE's broken sandboxes."""

from __future__ import annotations

from .blocks import (
    Fault,
    drop_query_parameter,
    lie_about_totals,
    on_success,
    rewrite,
    swap_query_value,
    with_value,
)

DFE = "^/apprenticeships/vacancies"

FAULTS: tuple[Fault, ...] = (
    Fault(
        "pagination totals that lie",
        "dfe",
        "getVacancies",
        ("examples",),
        rewrite("GET", DFE + "/vacancy/?$", response=lie_about_totals("totalFiltered")),
        expect="pagination_envelope",
    ),
    Fault(
        "search filter ignored",
        "dfe",
        "getVacancies",
        ("workflow",),
        rewrite("GET", DFE + "/vacancy/?$", request=drop_query_parameter("Ukprn")),
    ),
    Fault(
        "routes filter ignored",
        "dfe",
        "getVacancies",
        ("workflow",),
        rewrite("GET", DFE + "/vacancy/?$", request=drop_query_parameter("Routes")),
    ),
    Fault(
        "standard filter ignored",
        "dfe",
        "getVacancies",
        ("workflow",),
        rewrite("GET", DFE + "/vacancy/?$", request=drop_query_parameter("StandardLarsCode")),
    ),
    Fault(
        "employer name filter ignored",
        "dfe",
        "getVacancies",
        ("workflow",),
        rewrite("GET", DFE + "/vacancy/?$", request=drop_query_parameter("EmployerName")),
    ),
    Fault(
        "posted-since filter ignored",
        "dfe",
        "getVacancies",
        ("workflow",),
        rewrite("GET", DFE + "/vacancy/?$", request=drop_query_parameter("PostedInLastNumberOfDays")),
    ),
    Fault(
        "national-only filter ignored",
        "dfe",
        "getVacancies",
        ("workflow",),
        rewrite("GET", DFE + "/vacancy/?$", request=drop_query_parameter("NationWideOnly")),
    ),
    Fault(
        "exclude-national filter ignored",
        "dfe",
        "getVacancies",
        ("workflow",),
        rewrite("GET", DFE + "/vacancy/?$", request=drop_query_parameter("ExcludeRecruitingNationally")),
    ),
    Fault(
        "radius ignored",
        "dfe",
        "getVacancies",
        ("workflow",),
        rewrite("GET", DFE + "/vacancy/?$", request=drop_query_parameter("DistanceInMiles")),
    ),
    Fault(
        "sort answered in the opposite order",
        "dfe",
        "getVacancies",
        ("workflow",),
        rewrite("GET", DFE + "/vacancy/?$", request=swap_query_value(b"Sort=AgeAsc", b"Sort=AgeDesc")),
    ),
    Fault(
        "read by reference answers another advert's fields",
        "dfe",
        "getVacancy",
        ("workflow",),
        rewrite(
            "GET", DFE + "/vacancy/[^/]+$", response=on_success(with_value("employerName", "Elsewhere Ltd"))
        ),
    ),
)
