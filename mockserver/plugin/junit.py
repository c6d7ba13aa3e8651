"""The coverage figures as JUnit XML properties (``--junitxml`` with ``--sandbox-coverage``).

CI dashboards (GitLab, Jenkins, Azure DevOps) show a test suite's ``<property name= value=>`` elements.
pytest's own way to add them, the ``record_testsuite_property`` fixture, runs in a test, before the
run's coverage is known, and does not work under pytest-xdist; so once pytest has written the file
(its ``pytest_sessionfinish``), the controller reads it back and adds the figures to each
``<testsuite>``'s ``<properties>``, everything else as pytest wrote it. Workers write no XML.

The names are part of the plugin's interface (``docs/coverage.md``): ``sandbox_coverage_operations``
(``"235/269"``), ``sandbox_coverage_operations_percent`` (``"87.4"``), the same for ``statuses`` and
``refusal_ways``, and per API reported ``sandbox_coverage.<api>.operations`` and so on.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ..coverage import Ratio, Report

PREFIX = "sandbox_coverage"
# What pytest writes first (``_pytest.junitxml``), kept as it was.
DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'


def _figures(prefix: str, **ratios: Ratio) -> list[tuple[str, str]]:
    found = []
    for name, ratio in ratios.items():
        found += [
            (f"{prefix}{name}", f"{ratio.done}/{ratio.of}"),
            (f"{prefix}{name}_percent", f"{ratio.percent:g}"),
        ]
    return found


def coverage_properties(report: Report) -> list[tuple[str, str]]:
    """The report's figures as (name, value) properties: the run's, then each API's."""
    found = _figures(
        f"{PREFIX}_",
        operations=report.operation_ratio,
        statuses=report.status_ratio,
        refusal_ways=report.refusal_ratio,
    )
    for api in report.apis:
        found += _figures(
            f"{PREFIX}.{api.name}.",
            operations=api.operation_ratio,
            statuses=api.status_ratio,
            refusal_ways=api.refusal_ratio,
        )
    return found


def add_properties(path: Path, properties: list[tuple[str, str]]) -> int:
    """Add ``properties`` to every ``<testsuite>`` of the JUnit XML file at ``path``; how many suites."""
    root = ET.fromstring(path.read_text(encoding="utf-8"))  # the file pytest just wrote, not input
    suites = list(root.iter("testsuite"))  # the root itself included
    for suite in suites:
        held = suite.find("properties")
        if held is None:  # the JUnit schema puts a suite's properties before its test cases
            held = ET.Element("properties")
            suite.insert(0, held)
        for name, value in properties:
            ET.SubElement(held, "property", name=name, value=value)
    path.write_text(DECLARATION + ET.tostring(root, encoding="unicode"), encoding="utf-8")
    return len(suites)


def junit_path(config: pytest.Config) -> Path | None:
    """The JUnit XML file this process writes (``--junitxml``), as pytest resolves it; None: none."""
    given = config.getoption("xmlpath", None)
    if not given or hasattr(config, "workerinput"):  # xdist's workers write none
        return None
    path = Path(os.path.expandvars(str(given))).expanduser()
    return path if path.is_absolute() else config.invocation_params.dir / path


class JunitProperties:
    """Registered with ``CoveragePlugin`` unless ``--sandbox-coverage-junit=no``: adds ``final()``, its
    report of the run (None on a worker, or when there is none)."""

    def __init__(self, final: Callable[[], Report | None]) -> None:
        self.final = final
        self.added: Path | None = None
        self.failed: str | None = None

    # A wrapper: its end runs after every plain ``pytest_sessionfinish`` (junitxml's writes the file,
    # the coverage plugin's makes the report); trylast, so before the terminal reporter's summary.
    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> Generator[None, Any, Any]:
        result = yield
        report, path = self.final(), junit_path(session.config)
        if report is not None and path is not None and path.is_file():
            try:
                add_properties(path, coverage_properties(report))
                self.added = path
            except (OSError, ET.ParseError) as exc:
                self.failed = f"coverage properties not added to the JUnit XML {path}: {exc}"
        return result


__all__ = ["JunitProperties", "add_properties", "coverage_properties", "junit_path"]
