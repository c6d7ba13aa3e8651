"""ApprentiScope's workflow model (contracts.workflows.apprentiscope): how its filter checks pick records.

The model itself runs against the sandbox, as every vendor's does, in tests/test_workflows.py.
"""

from __future__ import annotations

import dataclasses

from contracts import bind, sandbox_target
from contracts.workflows.apprentiscope import ApprentiScopeWorkflow


def _model(allow_writes: bool = True) -> ApprentiScopeWorkflow:
    target = dataclasses.replace(sandbox_target("apprentiscope"), allow_writes=allow_writes)
    model = bind(ApprentiScopeWorkflow, target)()
    model.look_up_program_and_employer()
    return model


def test_a_filter_check_first_makes_a_match_and_a_near_miss_per_criterion() -> None:
    model = _model()
    made = model.filter_own_users(kind="mentor", typed="admin", status="Active", company=0, first="Ada")
    criteria = {
        "user_type": "mentor",
        "last_name": model.surname,
        "apprentice_status": "Active",
        "company_id": model.companies[0],
    }
    users = [{k: model.model_users[uid][k] for k in criteria} for uid in made.values]
    assert users[0] == criteria
    # Each near miss differs from the match in exactly one criterion, and every criterion has one.
    differing = [[k for k in criteria if user[k] != criteria[k]] for user in users[1:]]
    assert sorted(differing) == sorted([[k] for k in criteria])
    model.teardown()


def test_a_filter_check_makes_nothing_it_already_has() -> None:
    model = _model()
    model.filter_own_users(kind="all", typed="admin", status="Exited", company=1, first="Ada")
    again = model.filter_own_users(kind="all", typed="admin", status="Exited", company=1, first="Grace")
    assert again.values == ()
    model.teardown()


def test_without_writes_a_filter_check_makes_nothing_and_expects_no_user_of_its_own() -> None:
    model = _model(allow_writes=False)
    made = model.filter_own_users(kind="apprentice", typed="admin", status="Active", company=0, first="Ada")
    assert made.values == ()
    assert model.model_users == {}
    model.teardown()
