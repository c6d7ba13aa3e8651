"""The generated parts of the docs: each vendor's operations and factory, and the command-line reference.

A page holds a generated part between ``<!-- generated: NAME -->`` and ``<!-- /generated -->``;
``tests/test_docs.py`` fails when one differs from what the registry, the specs and the CLI give now.
``.venv/bin/python -m tests.docsgen`` writes them all afresh.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from mockserver.index import ApiIndex, Operation
from mockserver.specs import load_spec
from mockserver.vendors import REGISTRY, load

ROOT = Path(__file__).resolve().parent.parent
REGION = re.compile(r"(<!-- generated: (?P<name>[\w:-]+) -->\n)(?P<body>.*?)(<!-- /generated -->)", re.S)
# The help is wrapped at this width whatever the terminal, so the page does not depend on who made it.
HELP_COLUMNS = "100"


def doc_pages() -> list[Path]:
    """The README and every page of the site, in a stable order."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def operations(api: str) -> str:
    """A table of the API's operations as its specs declare them: operationId, method, path, summary.

    A deprecated operation on the path of a current one (SkyPrep's GET twins) shares its row."""
    vendor = REGISTRY[api]
    index = ApiIndex({mount.base_path: load_spec(mount.file) for mount in vendor.specs})
    every = list(index.every())
    current = {op.path for op in every if not op.definition.get("deprecated")}
    twins: dict[str, list[Operation]] = {}
    rows: list[Operation] = []
    for op in every:
        if op.definition.get("deprecated") and op.path in current:
            twins.setdefault(op.path, []).append(op)
        else:
            rows.append(op)
    lines = [
        f"{len(every)} operations, from {', '.join(f'`specs/{m.file}`' for m in vendor.specs)}.",
        "",
        "| operationId | method | path | summary |",
        "|---|---|---|---|",
    ]
    for op in rows:
        method = op.method.upper()
        also = [f"{t.method.upper()} `{t.id}` (deprecated)" for t in twins.get(op.path, [])]
        if also:
            method = "; ".join([method, *also])
        elif op.definition.get("deprecated"):
            method += " (deprecated)"
        summary = _cell(str(op.definition.get("summary", "")))
        lines.append(f"| `{op.id}` | {method} | `{vendor.prefix}{op.path}` | {summary} |")
    return "\n".join(lines) + "\n"


def _signature(function: Callable[..., Any]) -> str:
    """``name(a, b=1, *, c, **fields)``: the parameters without their annotations."""
    parameters = list(inspect.signature(function).parameters.values())[1:]
    shown = [p.replace(annotation=inspect.Parameter.empty) for p in parameters]
    return str(inspect.Signature(shown))


def factory(api: str) -> str:
    """The methods of the API's test factory (``<api>_sandbox.factory``), each with its first paragraph."""
    vendor = REGISTRY[api]
    assert vendor.factory is not None, f"{api} has no factory"
    cls = load(vendor.factory)
    lines = [
        f"`{api}_sandbox.factory` (`{cls.__name__}`) makes records and answers them as the API serves them:",
        "",
    ]
    lines += ["| method | what it makes |", "|---|---|"]
    for name, function in inspect.getmembers(cls, inspect.isfunction):
        if name.startswith("_"):
            continue
        doc = (inspect.getdoc(function) or "").split("\n\n")[0]
        if not doc:
            raise ValueError(f"{cls.__name__}.{name} has no docstring: the docs show its first paragraph")
        lines.append(f"| `{name}{_signature(function)}` | {_cell(doc)} |")
    return "\n".join(lines) + "\n"


def _help(argv: list[str]) -> str:
    """What ``lms-sandbox ARGV --help`` prints, wrapped at ``HELP_COLUMNS``, with no environment defaults."""
    from mockserver.cli import main

    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("LMS_SANDBOX_")}
    columns = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = HELP_COLUMNS
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            main([*argv, "--help"])
    finally:
        os.environ.update(saved)
        if columns is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = columns
    return out.getvalue()


def _commands(text: str) -> list[str]:
    """The sub-commands a help text lists under ``COMMAND`` / ``API``."""
    found = re.search(
        r"^positional arguments:\n  (?:COMMAND|API)\n(?P<list>(?:    .*\n|              .*\n)+)", text, re.M
    )
    return re.findall(r"^    (\S+)", found.group("list"), re.M) if found else []


def _walk(argv: list[str]) -> Iterator[tuple[list[str], str]]:
    text = _help(argv)
    yield argv, text
    for command in _commands(text):
        yield from _walk([*argv, command])


def cli() -> str:
    """Every command's ``--help``, as ``lms-sandbox`` prints it."""
    parts: list[str] = []
    for argv, text in _walk([]):
        title = " ".join(["lms-sandbox", *argv])
        parts += [f"## `{title}`", "", "```text", text.rstrip("\n"), "```", ""]
    return "\n".join(parts)


def _generator(name: str) -> Callable[[], str]:
    kind, _, arg = name.partition(":")
    if kind == "operations":
        return lambda: operations(arg)
    if kind == "factory":
        return lambda: factory(arg)
    if kind == "cli":
        return cli
    raise LookupError(f"unknown generated part {name!r}; known: operations:API, factory:API, cli")


def regenerate(text: str) -> str:
    """``text`` with each generated part made afresh."""
    return REGION.sub(lambda m: m.group(1) + _generator(m.group("name"))() + m.group(4), text)


def regions(text: str) -> Mapping[str, str]:
    return {m.group("name"): m.group("body") for m in REGION.finditer(text)}


def main() -> int:
    for page in doc_pages():
        text = page.read_text()
        fresh = regenerate(text)
        if fresh != text:
            page.write_text(fresh)
            print(f"rewrote {page.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
