"""The DfE contract by URL (a real sandbox server on 127.0.0.1, port 0), and what its runs assume."""

from __future__ import annotations

from contracts import RunOptions, sandbox_target, url_target, verify
from mockserver import Sandbox

from .contract_budget import few
from .vendor_fixtures import served_live

KEY = {"Ocp-Apim-Subscription-Key": "sandbox-subscription-key"}
SAFE_PHASES = ("examples", "fuzzing", "stateful", "workflow")


# A DfE sandbox over a real socket, its rate limit raised as the README tells URL users to.
served, server = served_live("dfe", journal_size=100_000, rate_limits={"dfe": "1000000/minute"})


def _methods(sandbox: Sandbox) -> set[str]:
    return {entry.method for entry in sandbox.journal.entries()}


def _progress_recorded(sandbox: Sandbox) -> int:
    with sandbox.store.locked():
        return len(sandbox.store.vendor("dfe").collection("progress"))


def test_by_url_without_allow_writes_the_dfe_run_passes_sending_only_reads(
    server: tuple[Sandbox, str],
) -> None:
    sandbox, base_url = server
    result = verify(url_target("dfe", base_url, headers=KEY), RunOptions(max_examples=few()))
    assert result.ok, [f.describe() for f in result.failures]
    assert result.read_only
    assert _methods(sandbox) == {"GET"}
    assert "addApprenticeshipProgress" not in result.operations


def test_by_url_with_allow_writes_the_dfe_run_passes_and_records_no_progress(
    server: tuple[Sandbox, str],
) -> None:
    sandbox, base_url = server
    before = _progress_recorded(sandbox)
    target = url_target("dfe", base_url, headers=KEY, allow_writes=True)
    result = verify(target, RunOptions(max_examples=few(), phases=("workflow",)))
    assert result.ok, [f.describe() for f in result.failures]
    assert "POST" in _methods(sandbox)
    # The model only sends progress DfE refuses (unknown apprenticeship, start date not on the 1st).
    assert _progress_recorded(sandbox) == before


def test_the_model_checks_a_target_with_more_adverts_than_it_reads(server: tuple[Sandbox, str]) -> None:
    sandbox, base_url = server
    with sandbox.store.locked():
        vacancies = sandbox.store.vendor("dfe").collection("vacancies")
        for key, record in list(vacancies.items())[:100]:
            for copy in range(2):
                reference = f"2{copy}{record.get('vacancyReference', key)}"
                vacancies[reference] = {**record, "vacancyReference": reference}
    target = url_target("dfe", base_url, headers=KEY)
    result = verify(target, RunOptions(max_examples=few(), phases=("workflow",), seed=1))
    assert result.ok, [f.describe() for f in result.failures]


def test_with_a_wrong_key_the_dfe_model_fails_on_its_first_read(server: tuple[Sandbox, str]) -> None:
    _, base_url = server
    target = url_target("dfe", base_url, headers={"Ocp-Apim-Subscription-Key": "not-a-key"})
    result = verify(target, RunOptions(max_examples=few(), phases=("workflow",)))
    assert result.failed_operations() == {"getCourses"}


def test_a_sandbox_made_for_a_contract_run_is_not_rate_limited() -> None:
    target = sandbox_target("dfe")
    with target.client("/vacancies") as client:
        statuses = {
            client.get("/referencedata/courses/routes", headers={"X-Version": "2"}).status_code
            for _ in range(160)
        }
    assert statuses == {200}


def test_the_dfe_model_passes_on_other_seeded_data() -> None:
    result = verify(
        sandbox_target("dfe", seed=7), RunOptions(max_examples=few(), phases=("workflow",), seed=7)
    )
    assert result.ok, [f.describe() for f in result.failures]
