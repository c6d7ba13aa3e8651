from __future__ import annotations

import httpx
import pytest

from mockserver import Conflict, NotFound, Sandbox
from mockserver.plugin import VendorSandbox
from mockserver.vendors.apprentiscope import model
from mockserver.vendors.apprentiscope.factory import ApprentiscopeFactory


@pytest.fixture
def factory(apprentiscope_sandbox: VendorSandbox[ApprentiscopeFactory]) -> ApprentiscopeFactory:
    return apprentiscope_sandbox.factory


def test_an_apprentice_in_an_empty_account_gets_a_new_program_and_employer(
    sandbox: Sandbox, factory: ApprentiscopeFactory, apprentiscope_api: httpx.Client
) -> None:
    data = sandbox.store.vendor("apprentiscope")
    for collection in (model.USERS, model.OCCUPATIONS, model.PARTNERS):
        data.collection(collection).clear()
    ada = factory.apprentice()
    (program,) = apprentiscope_api.get("/read-occupations").json()
    (employer,) = apprentiscope_api.get("/read-partners/employer").json()
    assert (ada["program_id"], ada["company_id"]) == (program["id"], employer["id"])
    assert apprentiscope_api.get(f"/read-user/{ada['id']}").json() == ada


def test_overrides_win_and_none_leaves_a_default_out(factory: ApprentiscopeFactory) -> None:
    admin = factory.user("admin", first_name="Grace", phone=None, city="Nashville")
    assert (admin["first_name"], admin["city"], admin["user_type"]) == ("Grace", "Nashville", "admin")
    assert "phone" not in admin
    assert "program_id" not in admin


def test_users_with_the_same_name_get_distinct_emails(factory: ApprentiscopeFactory) -> None:
    emails = {factory.apprentice(first_name="Ada", last_name="King")["email"] for _ in range(3)}
    assert emails == {"ada.king@example.com", "ada.king2@example.com", "ada.king3@example.com"}


def test_the_vendors_rules_still_apply(factory: ApprentiscopeFactory) -> None:
    with pytest.raises(NotFound, match="user 'nobody' not found"):
        factory.grade("nobody")
    factory.apprentice(email="taken@example.com")
    with pytest.raises(Conflict, match="already used"):
        factory.apprentice(email="TAKEN@example.com")


def test_hours_count_towards_progress(factory: ApprentiscopeFactory, apprentiscope_api: httpx.Client) -> None:
    ada = factory.apprentice()
    factory.hours(ada, kind="ojt", hours=6)
    factory.hours(ada["id"], kind=1, hours=2)
    ojt = apprentiscope_api.get(f"/read-progress/{ada['id']}/1").json()["ojt"]
    assert ojt["hours_completed"] == 8


def test_hours_need_a_program_or_explicit_items(factory: ApprentiscopeFactory) -> None:
    admin = factory.user("admin")
    with pytest.raises(ValueError, match="has no program"):
        factory.hours(admin)
