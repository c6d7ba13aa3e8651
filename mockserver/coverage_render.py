"""A coverage ``Report`` (``mockserver.coverage``) as text: term, json, markdown or html."""

from __future__ import annotations

import html
import json
from collections.abc import Callable

from .coverage import ApiCoverage, OperationCoverage, Ratio, Report, covers

FORMATS = ("term", "json", "markdown", "html")
# How many never-met answers and never-sent parameters the terminal lists per API before "and N more".
_TERM_LIMIT = 8


def _ratio(ratio: Ratio) -> str:
    return f"{ratio.done}/{ratio.of} ({ratio.percent:g} %)"


def _seen(operation: OperationCoverage) -> str:
    return ", ".join(
        f"{'dropped' if status == '0' else status}x{n}" for status, n in operation.statuses.items()
    )


def _param(name: str) -> str:
    where, _, bare = name.partition(":")
    return f"{bare} ({where})"


def _more(items: list[str], limit: int) -> list[str]:
    return items if len(items) <= limit else [*items[:limit], f"and {len(items) - limit} more"]


def term(report: Report) -> str:
    """Compact: a line per API, then what was never met and never sent, a few each."""
    lines = [
        f"sandbox coverage: operations {_ratio(report.operation_ratio)}, "
        f"documented statuses {_ratio(report.status_ratio)}"
        + (f", ways of refusing {_ratio(report.refusal_ratio)}" if report.refusal_ratio.of else "")
    ]
    for api in report.apis:
        lines.append(
            f"  {api.name}: operations {_ratio(api.operation_ratio)}, statuses {_ratio(api.status_ratio)}"
            + _refusals(api)
            + (f", {api.unrouted} undocumented requests" if api.unrouted else "")
        )
        never = [n["sentence"] for n in api.never_met() if _called(api, n["operation"])]
        # Every way of refusing (a few per API), then the unmet answers, a few of them.
        for sentence in [*api.refusals_never_met(), *_more(never, _TERM_LIMIT)]:
            lines.append(f"    - {sentence}")
        unsent = [
            f"{o.id}: {', '.join(_more([_param(p) for p in o.never_sent()], _TERM_LIMIT))}"
            for o in api.operations
            if o.calls and o.never_sent()
        ]
        for entry in _more(unsent, _TERM_LIMIT):
            lines.append(f"    never sent: {entry}")
    return "\n".join(lines) + "\n"


def _refusals(api: ApiCoverage) -> str:
    """The ways of refusing ``api``'s requests met, as a clause (none when its edge refuses no way)."""
    return f", ways of refusing {_ratio(api.refusal_ratio)}" if api.refusal_cases else ""


def _called(api: ApiCoverage, operation: str) -> bool:
    """Whether ``operation`` was called (the terminal lists the unmet answers of called ones only)."""
    return any(o.id == operation and o.calls for o in api.operations)


def as_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2) + "\n"


def _md(text: str) -> str:
    """``text`` safe in a Markdown table cell."""
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", " ")


def markdown(report: Report) -> str:
    """For a CI job summary: a table of the APIs, then per API what was never met or sent."""
    lines = [
        "## Sandbox coverage",
        "",
        f"Operations exercised: **{_ratio(report.operation_ratio)}**; "
        f"documented statuses met: **{_ratio(report.status_ratio)}**; "
        f"ways of refusing met: **{_ratio(report.refusal_ratio)}**"
        + (f" (counted since {report.since})" if report.since else ""),
        "",
        "| API | operations | statuses | ways of refusing | undocumented requests |",
        "|---|---|---|---|---|",
    ]
    for api in report.apis:
        lines.append(
            f"| {_md(api.title)} | {_ratio(api.operation_ratio)} | {_ratio(api.status_ratio)} "
            f"| {_ratio(api.refusal_ratio) if api.refusal_cases else '-'} | {api.unrouted} |"
        )
    for api in report.apis:
        lines += ["", f"### {_md(api.title)}", ""]
        lines += ["| operation | calls | statuses seen | never met | never sent |", "|---|---|---|---|---|"]
        for o in api.operations:
            lines.append(
                f"| `{_md(o.id)}` | {o.calls} | {_md(_seen(o)) or '-'} "
                f"| {_md(', '.join(o.never_met())) or '-'} "
                f"| {_md(', '.join(_param(p) for p in o.never_sent())) or '-'} |"
            )
        never = [n["sentence"] for n in api.never_met()] + api.refusals_never_met()
        if never:
            lines += ["", "<details><summary>Error answers never met</summary>", ""]
            lines += [f"- {_md(sentence)}" for sentence in never]
            lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
.met{color:#176b2c}.unmet{color:#a4001d}.none{color:#666}
"""


def _h(text: object) -> str:
    return html.escape(str(text), quote=True)


def html_page(report: Report) -> str:
    """One self-contained page (no external assets): the summary, then a table per API."""
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Sandbox coverage</title><style>{_STYLE}</style></head><body>",
        "<main><h1>Sandbox coverage</h1>",
        f"<p>Operations exercised: <strong>{_h(_ratio(report.operation_ratio))}</strong>; documented "
        f"statuses met: <strong>{_h(_ratio(report.status_ratio))}</strong>"
        + (f"; counted since <time>{_h(report.since)}</time>" if report.since else "")
        + ".</p>",
    ]
    for api in report.apis:
        out.append(f'<section aria-labelledby="api-{_h(api.name)}">')
        out.append(
            f'<h2 id="api-{_h(api.name)}">{_h(api.title)}</h2>'
            f"<p>Operations {_h(_ratio(api.operation_ratio))}, "
            f"statuses {_h(_ratio(api.status_ratio))}{_h(_refusals(api))}, "
            f"undocumented requests {api.unrouted}.</p>"
        )
        out.append(
            f"<table><caption>{_h(api.title)}: operations</caption><thead><tr><th scope=col>operation</th>"
            "<th scope=col>method and path</th><th scope=col>calls</th><th scope=col>documented statuses</th>"
            "<th scope=col>other statuses seen</th><th scope=col>never sent</th></tr></thead><tbody>"
        )
        for o in api.operations:
            documented = " ".join(
                f'<span class="{"met" if o.met(k) else "unmet"}" title="{_h(text)}">'
                f"{_h(k)}{' ✓' if o.met(k) else ' ✗'}</span>"
                for k, text in o.documented.items()
            )
            other = ", ".join(
                f"{_h(s)}x{n}"
                for s, n in o.statuses.items()
                if not any(_met_by(o, k, s) for k in o.documented)
            )
            out.append(
                f"<tr><th scope=row><code>{_h(o.id)}</code></th>"
                f"<td><code>{_h(o.method)} {_h(o.path)}</code></td>"
                f'<td class="{"met" if o.calls else "none"}">{o.calls}</td><td>{documented}</td>'
                f"<td>{other or '-'}</td>"
                f"<td>{_h(', '.join(_param(p) for p in o.never_sent())) or '-'}</td></tr>"
            )
        out.append("</tbody></table>")
        never = [n["sentence"] for n in api.never_met()] + api.refusals_never_met()
        if never:
            out.append("<details><summary>Error answers never met</summary><ul>")
            out += [f"<li>{_h(sentence)}</li>" for sentence in never]
            out.append("</ul></details>")
        out.append("</section>")
    out.append("</main></body></html>")
    return "\n".join(out) + "\n"


def _met_by(operation: OperationCoverage, key: str, status: str) -> bool:
    return covers(key, int(status), operation.documented)


RENDERERS: dict[str, Callable[[Report], str]] = {
    "term": term,
    "json": as_json,
    "markdown": markdown,
    "html": html_page,
}


def render(report: Report, format: str) -> str:
    """``report`` in ``format`` (one of ``FORMATS``)."""
    try:
        return RENDERERS[format](report)
    except KeyError:
        raise ValueError(f"unknown coverage format {format!r}; choose one of {', '.join(FORMATS)}") from None


__all__ = ["FORMATS", "RENDERERS", "render"]
