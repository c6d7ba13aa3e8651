"""ApprentiScope's broken sandboxes."""

from __future__ import annotations

from .blocks import (
    Fault,
    drop_query,
    drop_query_parameter,
    each,
    error_as_text,
    ignore_item_field,
    on_success,
    only,
    pretend_deleted,
    rewrite,
    status_instead,
    to_path,
    with_credentials,
    with_value,
    without,
)

APPRENTISCOPE_AUTH = {"Authorization": "sandbox-apprentiscope-token"}
P = "^/apprentiscope"

FAULTS: tuple[Fault, ...] = (
    Fault(
        "wrong status on one operation",
        "apprentiscope",
        "createPartner",
        ("examples",),
        rewrite("POST", P + "/create-partner/?$", response=status_instead(200)),
    ),
    Fault(
        "missing required response field",
        "apprentiscope",
        "readPartners",
        ("examples",),
        rewrite("GET", P + "/read-partners/", response=on_success(each(without("title")))),
    ),
    Fault(
        "field of the wrong type",
        "apprentiscope",
        "readOccupations",
        ("fuzzing",),
        rewrite("GET", P + "/read-occupations/?$", response=on_success(each(with_value("title", 42)))),
    ),
    Fault(
        "delete that does not delete",
        "apprentiscope",
        "deleteUser",
        ("workflow",),
        rewrite("DELETE", P + "/delete-user/", short_circuit=pretend_deleted),
    ),
    Fault(
        "update that ignores a field",
        "apprentiscope",
        "updateUser",
        ("workflow",),
        rewrite(
            "PUT",
            P + "/update-user/",
            request=ignore_item_field(
                "first_name", lambda path: path.replace("/update-user/", "/read-user/")
            ),
        ),
    ),
    Fault(
        "list filter ignored",
        "apprentiscope",
        "readUsers",
        ("workflow",),
        rewrite("GET", P + "/read-users/", request=drop_query),
    ),
    Fault(
        "user type ignored",
        "apprentiscope",
        "readUsers",
        ("workflow",),
        rewrite("GET", P + "/read-users/[^/]+/?$", request=to_path("/read-users/[^/]+", "/read-users/all")),
    ),
    Fault(
        "status filter ignored",
        "apprentiscope",
        "readUsers",
        ("workflow",),
        rewrite("GET", P + "/read-users/", request=drop_query_parameter("apprentice_status")),
    ),
    Fault(
        "company filter ignored",
        "apprentiscope",
        "readUsers",
        ("workflow",),
        rewrite("GET", P + "/read-users/", request=drop_query_parameter("company_id")),
    ),
    Fault(
        "surname filter ignored",
        "apprentiscope",
        "readUsers",
        ("workflow",),
        rewrite("GET", P + "/read-users/", request=drop_query_parameter("last_name")),
    ),
    Fault(
        "user type filter ignored",
        "apprentiscope",
        "readUsers",
        ("workflow",),
        rewrite("GET", P + "/read-users/", request=drop_query_parameter("user_type")),
    ),
    Fault(
        "email filter ignored",
        "apprentiscope",
        "readUsers",
        ("workflow",),
        rewrite("GET", P + "/read-users/", request=drop_query_parameter("email")),
    ),
    Fault(
        "auth not enforced",
        "apprentiscope",
        "readPartners",
        ("auth",),
        rewrite("GET", P + "/read-partners/", request=with_credentials(APPRENTISCOPE_AUTH)),
        expect="a request without any credential was accepted",
    ),
    Fault(
        "error body in the wrong format",
        "apprentiscope",
        "readUser",
        ("coverage",),
        rewrite("GET", P + "/read-user/", response=error_as_text),
    ),
    Fault(
        "undocumented error in the wrong format",
        "apprentiscope",
        "readOccupations",
        ("coverage",),
        rewrite(None, P + "/read-occupations/?$", response=only(405, error_as_text)),
        expect="vendor's error format",
    ),
)
