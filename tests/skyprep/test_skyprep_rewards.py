"""SkyPrep's gamification, skills, competencies and manager permissions as served: balances are the sums of
transactions, leaderboards and awards follow them, deletes cascade, and bad input is a 4xx."""

from __future__ import annotations

from typing import Any

import httpx

from mockserver import Sandbox
from mockserver.vendors.skyprep import model
from mockserver.vendors.skyprep.factory import SkyprepFactory
from mockserver.xmlcodec import decode

from .helpers import JAMES, JOHN, KEYS, call, refusal


def refused(api: httpx.Client, call_name: str, /, **params: Any) -> int:
    """A refusal whose error body repeats its status."""
    response = refusal(api, call_name, **params)
    assert response.json()["status"] == response.status_code
    return response.status_code


def balance(api: httpx.Client, **user: Any) -> int:
    return int(call(api, "get_user_gamification_balance", **user)["gamification_balance"])


def _named(listed: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(r for r in listed if r["display_name"] == name)


# gamification


def test_the_seeded_balance_is_the_docs_sample_by_email_and_through_the_get_twin(api: httpx.Client) -> None:
    assert balance(api, email=JOHN) == 700
    john = call(api, "get_user", user_email=JOHN)
    by_get = api.get("/get_user_gamification_balance", params={**KEYS, "user_id": john["id"]})
    assert by_get.status_code == 200
    assert by_get.json() == {"gamification_balance": 700}


def test_each_transaction_answers_the_running_balance_and_the_balance_is_their_sum(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    ada, alan = factory.user(), factory.user()
    assert balance(api, user_id=ada["id"]) == 0
    answers = [
        call(
            api, "create_gamification_transaction", user_id=ada["id"], amount=amount, description=f"#{amount}"
        )
        for amount in (500, -200, 150)
    ]
    assert [a["balance"] for a in answers] == [500, 300, 450]
    assert [a["amount"] for a in answers] == [500, -200, 150]
    assert answers[1]["description"] == "#-200"
    assert len({a["unique_transaction_id"] for a in answers}) == 3
    assert all(len(a["unique_transaction_id"]) == 64 for a in answers)
    assert balance(api, user_email=ada["email"]) == sum(a["amount"] for a in answers)
    # Another user's points are not Ada's, and Ada's are not another's.
    call(api, "create_gamification_transaction", user_id=alan["id"], amount=40)
    assert balance(api, user_id=alan["id"]) == 40
    assert balance(api, user_id=ada["id"]) == 450


def test_a_deduction_below_zero_and_bad_amounts_are_refused_and_change_nothing(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    ada = factory.user()
    factory.gamification_transaction(ada, 100)
    assert refused(api, "create_gamification_transaction", user_id=ada["id"], amount=-101) == 409
    for amount in (0, "lots", 2_000_000, True):
        assert refused(api, "create_gamification_transaction", user_id=ada["id"], amount=amount) == 400
    assert refused(api, "create_gamification_transaction", user_id=ada["id"]) == 400
    assert refused(api, "create_gamification_transaction", amount=5) == 400
    assert refused(api, "create_gamification_transaction", user_id=999_999, amount=5) == 404
    assert refused(api, "get_user_gamification_balance") == 400
    assert refused(api, "get_user_gamification_balance", email="nobody@example.com") == 404
    assert balance(api, user_id=ada["id"]) == 100


# skills


def test_the_seeded_skills_are_the_docs_samples_and_each_reads_back(api: httpx.Client) -> None:
    skills = call(api, "get_skills")
    excel = _named(skills, "Excel Proficiency")
    assert excel["name"] == "excel proficiency"
    assert excel["description"] == "Being proficient in Microsoft Excel"
    assert [s["id"] for s in skills] == sorted(s["id"] for s in skills)
    read = call(api, "get_skill", skill_id=excel["id"])
    assert {k: v for k, v in read.items() if k != "details"} == excel
    assert read["details"]["course_count"] == 5
    assert read["details"]["competency_count"] == excel["competency_count"] == 1
    assert read["details"]["leaderboard"][0]["user_display_name"] == "John Doe"


def test_a_skill_leaderboard_ranks_balances_highest_first_and_leaves_out_users_at_zero(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    skill = factory.skill(display_name="Knot Tying")
    other = factory.skill()
    ada, alan, grace, linus = (factory.user() for _ in range(4))
    factory.skill_transaction(ada, skill, 100)
    factory.skill_transaction(alan, skill, 300)
    factory.skill_transaction(grace, skill, 200)
    factory.skill_transaction(grace, skill, 100)
    factory.skill_transaction(linus, skill, 50)
    factory.skill_transaction(linus, skill, -50)
    factory.skill_transaction(linus, other, 900)
    details = call(api, "get_skill", skill_id=skill["id"])["details"]
    board = [(e["user_id"], e["balance"]) for e in details["leaderboard"]]
    # Alan and Grace tie at 300: the lower user id first.
    assert board == [(alan["id"], 300), (grace["id"], 300), (ada["id"], 100)]
    assert details["users_acquired_count"] == 3
    assert details["leaderboard"][0]["user_display_name"] == f"{alan['first_name']} {alan['last_name']}"


def test_a_skill_transaction_answers_the_users_balances_which_are_the_sums_of_its_transactions(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    first, second = factory.skill(), factory.skill()
    ada, alan = factory.user(), factory.user()
    factory.skill_transaction(alan, first, 999)
    answer = call(api, "create_skill_transaction", user_id=ada["id"], skill_id=second["id"], amount=200)
    assert answer == [{"skill_id": second["id"], "skill_name": second["display_name"], "balance": 200}]
    call(api, "create_skill_transaction", user_email=ada["email"], skill_id=first["id"], amount="70")
    answer = call(api, "create_skill_transaction", user_id=ada["id"], skill_id=second["id"], amount=-50)
    expected = [
        {"skill_id": first["id"], "skill_name": first["display_name"], "balance": 70},
        {"skill_id": second["id"], "skill_name": second["display_name"], "balance": 150},
    ]
    assert answer == expected
    read = call(api, "get_user_skill_balances_and_competencies", email=ada["email"])
    assert read == {
        "user_email": ada["email"],
        "user_id": ada["id"],
        "skill_balances": expected,
        "competencies_achived": [],
    }


def test_bad_skill_calls_are_refused_and_change_nothing(api: httpx.Client, factory: SkyprepFactory) -> None:
    skill = factory.skill()
    ada = factory.user()
    factory.skill_transaction(ada, skill, 10)
    assert (
        refused(api, "create_skill_transaction", user_id=ada["id"], skill_id=skill["id"], amount=-11) == 409
    )
    assert refused(api, "create_skill_transaction", user_id=ada["id"], skill_id=skill["id"], amount=0) == 400
    assert refused(api, "create_skill_transaction", user_id=ada["id"], amount=5) == 400
    assert refused(api, "create_skill_transaction", user_id=ada["id"], skill_id=999_999, amount=5) == 404
    assert refused(api, "create_skill_transaction", user_id=999_999, skill_id=skill["id"], amount=5) == 404
    assert refused(api, "get_skill") == 400
    assert refused(api, "get_skill", skill_id=999_999) == 404
    assert refused(api, "get_skill", skill_id="abc") == 400
    assert refused(api, "get_user_skill_balances_and_competencies") == 400
    read = call(api, "get_user_skill_balances_and_competencies", user_id=ada["id"])
    assert read["skill_balances"] == [
        {"skill_id": skill["id"], "skill_name": skill["display_name"], "balance": 10}
    ]


# competencies


def test_the_seeded_competencies_list_their_skills_and_james_achieved_figma_advanced(
    api: httpx.Client,
) -> None:
    listed = call(api, "get_competencies")
    office = _named(listed, "Microsoft Office Basics")
    assert {s["display_name"]: s["points"] for s in office["skills"]} == {
        "Excel Proficiency": 500,
        "Word": 500,
        "PowerPoint": 500,
    }
    figma = call(api, "get_competency", competency_id=_named(listed, "Figma Advanced")["id"])
    awards = figma["details"]["activity_awards"]
    assert [(a["user_display_name"], figma["details"]["award_count"]) for a in awards] == [
        ("James Doakes", 1)
    ]
    mine = call(api, "get_user_skill_balances_and_competencies", email=JAMES)["competencies_achived"]
    assert [(c["competency_id"], c["created_at"]) for c in mine] == [(figma["id"], awards[0]["created_at"])]
    # John has Excel points but no Word or PowerPoint: not awarded.
    office_read = call(api, "get_competency", competency_id=office["id"])
    assert "John Doe" not in [a["user_display_name"] for a in office_read["details"]["activity_awards"]]


def test_a_competency_is_achieved_once_every_skill_reaches_its_points_and_stays_achieved(
    api: httpx.Client, factory: SkyprepFactory, sandbox: Sandbox
) -> None:
    sandbox.clock.freeze(1_764_547_200)  # 2025-12-01
    word, excel = factory.skill(display_name="Word"), factory.skill(display_name="Excel")
    made = factory.competency({word["id"]: 300, excel["id"]: 200}, display_name="Office Whiz")
    assert made["details"] == {"award_count": 0, "skill_count": 2, "activity_awards": []}
    ada, alan = factory.user(), factory.user()
    factory.skill_transaction(ada, word, 300)
    factory.skill_transaction(alan, word, 500)
    factory.skill_transaction(ada, excel, 150)
    assert call(api, "get_competency", competency_id=made["id"])["details"]["award_count"] == 0
    sandbox.clock.set(1_767_225_600)  # 2026-01-01
    factory.skill_transaction(ada, excel, 50)
    factory.skill_transaction(ada, excel, -100)
    details = call(api, "get_competency", competency_id=made["id"])["details"]
    assert details["activity_awards"] == [
        {
            "user_id": ada["id"],
            "user_display_name": f"{ada['first_name']} {ada['last_name']}",
            "created_at": "January 1, 2026",
        }
    ]
    achieved = call(api, "get_user_skill_balances_and_competencies", user_id=ada["id"])[
        "competencies_achived"
    ]
    assert achieved == [
        {"competency_id": made["id"], "competency_name": "Office Whiz", "created_at": "January 1, 2026"}
    ]
    assert (
        call(api, "get_user_skill_balances_and_competencies", user_id=alan["id"])["competencies_achived"]
        == []
    )
    listed = _named(call(api, "get_competencies"), "Office Whiz")
    assert [s["id"] for s in listed["skills"]] == sorted([word["id"], excel["id"]])
    assert call(api, "get_skill", skill_id=word["id"])["competency_count"] == 1


def test_unknown_or_missing_competencies_are_refused(api: httpx.Client) -> None:
    assert refused(api, "get_competency") == 400
    assert refused(api, "get_competency", competency_id=999_999) == 404


def test_balances_answer_xml_with_the_same_data(api: httpx.Client) -> None:
    as_json = api.post("/get_user_skill_balances_and_competencies", json={**KEYS, "email": JAMES})
    as_xml = api.post(
        "/get_user_skill_balances_and_competencies", params={"format": "xml"}, json={**KEYS, "email": JAMES}
    )
    assert as_xml.headers["content-type"].startswith("application/xml")
    assert decode(as_xml.content) == as_json.json()
    assert as_json.json()["competencies_achived"]


# manager permissions


def _group(api: httpx.Client, name: str) -> dict[str, Any]:
    return next(g for g in call(api, "get_user_groups") if g["name"] == name)


def test_james_manages_the_forensics_lab_in_the_scenario(api: httpx.Client) -> None:
    lab = _group(api, "Forensics Lab")
    read = call(api, "get_manager_permissions_from_user_group", user_email=JAMES, user_group_id=lab["id"])
    assert read["user"]["username"] == JAMES
    assert read["user_group"] == {"id": lab["id"], "name": "Forensics Lab"}
    assert read["can_edit_user_password"] is True
    assert read["can_remove_users"] is False


def test_an_assigned_manager_reads_back_updates_only_what_is_sent_and_is_removed(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    rita = factory.user(first_name="Rita", last_name="Bennett", role="manager")
    group = factory.user_group(name="Miami Metro Police Department")
    other = factory.user_group()
    made = call(
        api,
        "assign_manager_to_user_group",
        user_id=str(rita["id"]),
        user_group_id=str(group["id"]),
        can_add_courses_to_user_group="0",
        can_remove_courses_from_user_group="0",
    )
    assert made["user"] == {
        "id": rita["id"],
        "username": rita["email"],
        "first_name": "Rita",
        "last_name": "Bennett",
    }
    assert made["user_group"] == {"id": group["id"], "name": "Miami Metro Police Department"}
    expected = {
        "can_add_users": True,
        "can_receive_notifications": True,
        "can_edit_course_progress": True,
        "can_remove_users": False,
        "can_add_exisiting_users": False,
        "can_manage_all_group_users_courses": False,
        "can_add_courses_to_user_group": False,
        "can_remove_courses_from_user_group": False,
        "can_edit_user_password": False,
    }
    assert {k: made[k] for k in expected} == expected
    by_get = api.get(
        "/get_manager_permissions_from_user_group",
        params={**KEYS, "user_id": rita["id"], "user_group_id": group["id"]},
    )
    assert by_get.json() == made
    # Rita manages only the group she was assigned to.
    assert (
        refused(api, "get_manager_permissions_from_user_group", user_id=rita["id"], user_group_id=other["id"])
        == 404
    )
    updated = call(
        api,
        "update_manager_permissions_in_user_group",
        user_id=rita["id"],
        user_group_id=group["id"],
        can_remove_users="true",
        can_add_users=False,
    )
    assert updated == {**made, "can_remove_users": True, "can_add_users": False}
    assert (
        call(api, "get_manager_permissions_from_user_group", user_id=rita["id"], user_group_id=group["id"])
        == updated
    )
    done = call(api, "remove_manager_from_user_group", user_id=rita["id"], user_group_id=group["id"])
    assert done == {"message": "success"}
    assert (
        refused(api, "get_manager_permissions_from_user_group", user_id=rita["id"], user_group_id=group["id"])
        == 404
    )
    assert (
        refused(api, "remove_manager_from_user_group", user_id=rita["id"], user_group_id=group["id"]) == 404
    )
    assert call(api, "get_user", user_id=rita["id"])["id"] == rita["id"]


def test_a_manager_assigned_through_the_get_twin_takes_one_and_zero_as_booleans(
    api: httpx.Client, factory: SkyprepFactory
) -> None:
    manager = factory.user(role="manager")
    group = factory.user_group()
    params = {
        "user_id": manager["id"],
        "user_group_id": group["id"],
        "can_remove_users": "1",
        "can_add_users": "0",
    }
    made = api.get("/assign_manager_to_user_group", params={**KEYS, **params})
    assert made.status_code == 200, made.text
    assert (made.json()["can_remove_users"], made.json()["can_add_users"]) == (True, False)
    read = call(
        api, "get_manager_permissions_from_user_group", user_id=manager["id"], user_group_id=group["id"]
    )
    assert read == made.json()


def test_bad_manager_calls_are_refused_and_change_nothing(api: httpx.Client, factory: SkyprepFactory) -> None:
    learner = factory.user()
    group = factory.user_group()
    managed = factory.manager(factory.user(), group)
    uid = managed["user"]["id"]
    assert (
        refused(api, "assign_manager_to_user_group", user_id=learner["id"], user_group_id=group["id"]) == 409
    )
    assert refused(api, "assign_manager_to_user_group", user_id=uid, user_group_id=group["id"]) == 409
    assert refused(api, "assign_manager_to_user_group", user_id=uid, user_group_id=999_999) == 404
    assert refused(api, "assign_manager_to_user_group", user_id=999_999, user_group_id=group["id"]) == 404
    assert refused(api, "assign_manager_to_user_group", user_id=uid) == 400
    assert refused(api, "get_manager_permissions_from_user_group", user_group_id=group["id"]) == 400
    assert refused(api, "get_manager_permissions_from_user_group", user_id=uid) == 400
    bad = {"user_id": uid, "user_group_id": group["id"], "can_add_users": "maybe", "can_remove_users": True}
    assert refused(api, "update_manager_permissions_in_user_group", **bad) == 400
    assert (
        call(api, "get_manager_permissions_from_user_group", user_id=uid, user_group_id=group["id"])
        == managed
    )
    assert (
        refused(
            api, "update_manager_permissions_in_user_group", user_id=learner["id"], user_group_id=group["id"]
        )
        == 404
    )


# deletes


def test_deleting_a_user_removes_its_transactions_balances_awards_and_manager_links(
    api: httpx.Client, factory: SkyprepFactory, sandbox: Sandbox
) -> None:
    skill = factory.skill()
    made = factory.competency({skill["id"]: 100})
    ada, alan = factory.user(), factory.user()
    factory.skill_transaction(ada, skill, 500)
    factory.skill_transaction(alan, skill, 100)
    factory.gamification_transaction(ada, 300)
    group = factory.user_group()
    factory.manager(ada, group)
    call(api, "destroy_user", user_id=ada["id"])
    assert refused(api, "get_user_gamification_balance", user_id=ada["id"]) == 404
    board = call(api, "get_skill", skill_id=skill["id"])["details"]["leaderboard"]
    assert [e["user_id"] for e in board] == [alan["id"]]
    awards = call(api, "get_competency", competency_id=made["id"])["details"]["activity_awards"]
    assert [a["user_id"] for a in awards] == [alan["id"]]
    data = sandbox.store.vendor("skyprep")
    for collection in (model.GAMIFICATION_TRANSACTIONS, model.SKILL_TRANSACTIONS, model.GROUP_MANAGERS):
        assert data.find(collection, "user_id", str(ada["id"])) == []
    # A new user with the same email starts from nothing.
    again = factory.user(email=ada["email"])
    assert balance(api, user_id=again["id"]) == 0
    assert call(api, "get_user_skill_balances_and_competencies", user_id=again["id"])["skill_balances"] == []


def test_deleting_a_user_group_removes_its_managers_links_and_keeps_the_managers(
    api: httpx.Client, factory: SkyprepFactory, sandbox: Sandbox
) -> None:
    group, kept = factory.user_group(), factory.user_group()
    manager = factory.user(role="manager")
    factory.manager(manager, group)
    factory.manager(manager, kept)
    call(api, "destroy_user_group", user_group_id=group["id"])
    data = sandbox.store.vendor("skyprep")
    assert data.find(model.GROUP_MANAGERS, "user_group_id", str(group["id"])) == []
    assert (
        refused(
            api, "get_manager_permissions_from_user_group", user_id=manager["id"], user_group_id=group["id"]
        )
        == 404
    )
    still = call(
        api, "get_manager_permissions_from_user_group", user_id=manager["id"], user_group_id=kept["id"]
    )
    assert still["user_group"]["id"] == kept["id"]
