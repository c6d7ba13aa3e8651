"""Faults through the pytest plugin, as a downstream project sets them: the fixture method and the marker."""

from __future__ import annotations

import pytest


def test_the_fixture_method_and_the_marker_set_faults_that_last_one_test(project: pytest.Pytester) -> None:
    project.makepyfile(
        """
        import pytest

        def test_fault_method(apprentiscope_sandbox):
            fault = apprentiscope_sandbox.fault("readUsers", status=503, times=2)
            assert fault["id"] == "f1" and fault["remaining"] == 2
            api = apprentiscope_sandbox.client
            codes = [api.get("/read-users/all").status_code for _ in range(3)]
            assert codes == [503, 503, 200]
            apprentiscope_sandbox.assert_called("readUsers", times=3)

        @pytest.mark.sandbox(faults=["apprentiscope:readOccupations=status:429,retry_after:5",
                                     {"api": "apprentiscope", "operation": "readUsers", "kind": "drop"}])
        def test_marker_faults(apprentiscope_sandbox):
            api = apprentiscope_sandbox.client
            limited = api.get("/read-occupations")
            assert limited.status_code == 429 and limited.headers["Retry-After"] == "5"
            with pytest.raises(ConnectionError):
                api.get("/read-users/all")

        def test_the_next_test_has_no_faults(apprentiscope_sandbox, sandbox):
            assert sandbox.app.faults.listed() == []
            assert apprentiscope_sandbox.client.get("/read-occupations").status_code == 200

        def test_a_bad_fault_is_refused_naming_the_operation(apprentiscope_sandbox):
            with pytest.raises(ValueError, match="has no operation 'readUzers'"):
                apprentiscope_sandbox.fault("readUzers", kind="drop")

        @pytest.mark.sandbox(faults="apprentiscope=explode")
        def test_a_bad_marker_fault(sandbox):
            pass
        """
    )
    result = project.runpytest()
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(["*unknown fault kind 'explode'*"])
