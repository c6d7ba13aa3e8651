"""Showing a contract run: a progress display, a per-operation summary, and JUnit XML for CI."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO
from xml.etree import ElementTree

from .results import ContractResult


class ConsoleReporter:
    """Progress as the run goes (one updating line on a terminal, plain lines otherwise), then a summary."""

    def __init__(self, stream: TextIO | None = None, *, tty: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty() if tty is None else tty
        self._phase = ""
        self._done = 0
        self._failed = 0

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def started(self, result: ContractResult) -> None:
        self._write(
            f"Contract of {result.api} against {result.target} (seed {result.seed}, "
            f"phases {', '.join(result.phases)})\n"
        )
        for note in result.notes:
            self._write(f"NOTE: {note}\n")

    def _end_phase(self) -> None:
        if self._phase:
            status = f"{self._failed} failing" if self._failed else "ok"
            line = f"  {self._phase}: {self._done} scenario(s), {status}"
            self._write(f"\r{line}\033[K\n" if self.tty else f"{line}\n")
        self._done = self._failed = 0

    def phase(self, phase: str, document: str) -> None:
        self._end_phase()
        self._phase = f"{phase} [{document}]"

    def step(self, phase: str, operation: str, ok: bool) -> None:
        self._done += 1
        self._failed += 0 if ok else 1
        if self.tty:
            mark = "." if ok else "F"
            self._write(f"\r  {self._phase}: {self._done} {mark} {operation[:60]}\033[K")

    def finished(self, result: ContractResult) -> None:
        self._end_phase()
        self._write(summary(result))


def summary(result: ContractResult) -> str:
    """The per-operation table, the unreached operations, every failure with its curl, and the verdict."""
    ops = list(result.operations.values())
    width = max((len(op.operation) for op in ops), default=10)
    label_width = max((len(op.label) for op in ops), default=10)
    header = (
        f"       {'operation':<{width}}  {'':<{label_width}}  {'requests':>8}  {'2xx':>6}  {'4xx':>6}  "
        f"{'5xx':>4}  phases"
    )
    lines = ["", "Operations:", header]
    for op in ops:
        status = "ok  " if op.ok else "FAIL"
        phases = ",".join(sorted(op.phases)) or "-"
        name, label = f"{op.operation:<{width}}", f"{op.label:<{label_width}}"
        answers = op.answers
        lines.append(
            f"  {status} {name}  {label}  {op.requests:>8}  {answers.get('2xx', 0):>6}  "
            f"{answers.get('4xx', 0):>6}  {answers.get('5xx', 0):>4}  {phases}"
        )
    unreached = result.unreached()
    if unreached:
        lines += ["", f"Unreached ({len(unreached)}): no request got a 2xx answer from"]
        lines += [f"  {name}  {result.operations[name].label}" for name in unreached]
    if result.failures:
        lines += ["", f"Failures ({len(result.failures)}):"]
        for index, failure in enumerate(result.failures, 1):
            lines.append(f"{index}. {failure.describe()}")
    for note in result.notes:
        lines.append(f"NOTE: {note}")
    failed = sorted(result.failed_operations())
    reached = f"{len(ops) - len(unreached)} of {len(ops)} operation(s) reached"
    verdict = (
        f"FAILED: {len(result.failures)} failure(s) in {', '.join(failed)}"
        if failed
        else f"PASSED: {len(ops)} operation(s)"
    )
    lines += [
        "",
        f"{verdict}; {reached} (seed {result.seed}; rerun with --seed {result.seed} to reproduce)",
        "",
    ]
    return "\n".join(lines)


def junit_xml(results: ContractResult | Sequence[ContractResult]) -> ElementTree.ElementTree:
    """One testsuite per API's run, one testcase per operation, a failure element per failing operation."""
    root = ElementTree.Element("testsuites")
    for result in [results] if isinstance(results, ContractResult) else results:
        root.append(_suite(result))
    return ElementTree.ElementTree(root)


def _suite(result: ContractResult) -> ElementTree.Element:
    cases = list(result.operations.values())
    suite = ElementTree.Element(
        "testsuite",
        name=f"lms-sandbox contract {result.api}",
        tests=str(len(cases)),
        failures=str(sum(1 for op in cases if not op.ok)),
        errors="0",
        skipped="0",
    )
    ElementTree.SubElement(
        ElementTree.SubElement(suite, "properties"), "property", name="seed", value=str(result.seed)
    )
    for op in cases:
        case = ElementTree.SubElement(
            suite, "testcase", classname=f"contract.{result.api}", name=f"{op.operation} ({op.label})"
        )
        if op.failures:
            failure = ElementTree.SubElement(
                case, "failure", message="; ".join(sorted({f.title for f in op.failures}))[:500]
            )
            failure.text = "\n\n".join(f.describe() for f in op.failures)
    return suite


def write_junit_xml(results: ContractResult | Sequence[ContractResult], path: Path) -> None:
    """Write ``junit_xml(results)`` to ``path``, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    junit_xml(results).write(path, encoding="utf-8", xml_declaration=True)
