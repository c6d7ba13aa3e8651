"""The ``absorb_sandbox`` fixture, used as a downstream project would: test files run with ``pytester``."""

from __future__ import annotations

import pytest


def test_the_plugins_client_logs_in_by_itself_and_again_after_a_revocation(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_users="""
        def test_users_are_listed_without_any_credential_in_the_test(absorb_sandbox):
            made = absorb_sandbox.factory.user(firstName="Grace", lastName="Hopper", username="grace")

            page = absorb_sandbox.client.get("/users", params={"_limit": 1000})

            assert page.status_code == 200, page.text
            assert made["id"] in [u["id"] for u in page.json()["users"]]
            absorb_sandbox.assert_called("listUsers")


        def test_a_revoked_token_is_replaced_by_logging_in_again(absorb_sandbox):
            client = absorb_sandbox.client
            assert client.get("/departments").status_code == 200
            # Authenticating as the same account revokes the client's token; its next call logs in again.
            again = client.post("/authenticate", json={
                "username": "sandbox.admin", "password": "Absorb-Admin-2",
                "privateKey": "7c1f3a52-9e4b-4d6a-b8e1-2f5c0d9a6b34"})
            assert again.status_code == 200 and isinstance(again.json(), str)
            assert client.get("/departments").status_code == 200
        """
    )
    result = project.runpytest()
    result.assert_outcomes(passed=2)
