"""The pytest plugin's consumer coverage (``--sandbox-coverage``): counted over every test of the run.

The ``sandbox`` fixture resets its app before each test, and a reset clears the app's counters
(``mockserver.counters``); so the ``CoverageCollector`` sets itself as the counters' ``spill`` on each
app it is shown, and keeps what every reset would forget. A test's own session (the ``isolated``
marker) is harvested before it is deleted. Under pytest-xdist each worker sends its report (JSON) to
the controller in ``workeroutput``, and the controller merges them (``Report.merge``).

Only the apps the plugin's fixtures built are seen: a sandbox a test builds itself with
``create_app`` is not counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..counters import Counters, merge_counts
from ..coverage import Documented, Report, build_report
from ..coverage_render import render

if TYPE_CHECKING:
    from ..app import Sandbox
    from .junit import JunitProperties

# Where a worker puts its report for the controller (pytest-xdist's ``workeroutput``).
WORKER_KEY = "lms_sandbox_coverage"


class CoverageCollector:
    """The run's coverage: the counts of every app the fixtures built, across resets and sessions."""

    def __init__(self) -> None:
        # The apps' counters, not the apps (a module's own app may go when its module is done).
        self._counters: dict[int, Counters] = {}
        self._documented: dict[str, Documented] = {}
        self._counts: dict[str, Any] = {}
        # Reports of a served sandbox's sessions (``pytest --sandbox-url``), as its control plane gave them.
        self._served: list[Report] = []

    def watch(self, app: Sandbox) -> None:
        """Count ``app``'s requests from now on (each reset hands its counts over)."""
        counters = app.default.coverage
        if id(counters) in self._counters:
            return
        self._counters[id(counters)] = counters
        counters.spill = self._keep
        for name, documented in app.documented.items():
            self._documented.setdefault(name, documented)

    def _keep(self, counts: dict[str, Any]) -> None:
        merge_counts(self._counts, counts)

    def harvest(self, app: Sandbox, session: str) -> None:
        """Keep the counts of ``app``'s session ``session`` (before it is deleted)."""
        found = app.sessions.get(session)
        if found is not None:
            counters = found.state.coverage
            counters.spill = self._keep
            counters.clear()

    def keep_served(self, report: Mapping[str, Any]) -> None:
        """Keep a served sandbox's report of one session (``GET /__sandbox__/coverage``)."""
        self._served.append(Report.from_json(report))

    def report(self) -> Report:
        """Everything counted so far (what the apps hold now included)."""
        for counters in self._counters.values():
            counters.clear()
        report = build_report(self._documented, self._counts)
        for served in self._served:
            report = report.merge(served)
        return report


class CoveragePlugin:
    """Registered by ``pytest_configure`` when ``--sandbox-coverage`` or a threshold is given."""

    def __init__(self, config: pytest.Config, collector: CoverageCollector) -> None:
        self.config = config
        self.collector = collector
        self.format: str | None = config.getoption("sandbox_coverage")
        self.output: str | None = config.getoption("sandbox_coverage_output")
        self.fail_under: float | None = config.getoption("sandbox_coverage_fail_under")
        self.fail_under_statuses: float | None = config.getoption("sandbox_coverage_fail_under_statuses")
        self.workers: list[Report] = []
        self.final: Report | None = None
        self.failures: list[str] = []
        # Adds the figures to the --junitxml file (``mockserver.plugin.junit``), unless turned off.
        self.junit: JunitProperties | None = None

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """(controller, pytest-xdist) A worker finished: keep its report."""
        sent = getattr(node, "workeroutput", {}).get(WORKER_KEY)
        if sent is not None:
            self.workers.append(Report.from_json(sent))

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        report = self.collector.report()
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:  # a worker: the controller reports
            workeroutput[WORKER_KEY] = report.to_json()
            return
        for other in self.workers:
            report = report.merge(other)
        self.final = report = report.exercised()
        for name, threshold, ratio in (
            ("operations", self.fail_under, report.operation_ratio),
            ("documented statuses", self.fail_under_statuses, report.status_ratio),
        ):
            if threshold is not None and ratio.percent < threshold:
                self.failures.append(
                    f"sandbox coverage of {name} is {ratio.percent:g} %, under the {threshold:g} % required "
                    f"({ratio.done} of {ratio.of})"
                )
        if self.failures and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.final is None:
            return
        terminalreporter.section("lms-sandbox coverage")
        if self.output:
            Path(self.output).write_text(render(self.final, self.format or "json"), encoding="utf-8")
            terminalreporter.write_line(f"coverage ({self.format or 'json'}) written to {self.output}")
            terminalreporter.write(render(self.final, "term"))
        elif self.format is not None:
            terminalreporter.write(render(self.final, self.format))
        else:
            terminalreporter.write(render(self.final, "term").splitlines()[0] + "\n")
        if self.junit is not None and self.junit.added is not None:
            terminalreporter.write_line(f"coverage figures added to {self.junit.added} as properties")
        if self.junit is not None and self.junit.failed is not None:
            terminalreporter.write_line(self.junit.failed, yellow=True)
        for failure in self.failures:
            terminalreporter.write_line(f"FAIL: {failure}", red=True)


__all__ = ["WORKER_KEY", "CoverageCollector", "CoveragePlugin"]
