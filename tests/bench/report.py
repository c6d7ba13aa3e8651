"""The bench's one table (Markdown) and its target lines, from the results of one run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.bench.load import WrkResult
from tests.bench.scale import table as scale_table

P1_RATIO = 2.0
P2_ONE_MS = 10.0
P2_LIST_MS = 15.0
P2_CONNECTIONS = 32
P3_SECONDS = 1.0
P4_MIB = 100.0
P5_SECONDS = 120.0
P6_LIST_MS = 20.0
# "Does not grow with store size": the 100k p50 within 1.5x of the small store's (timing noise included).
P6_GROWTH = 1.5
VALIDATION_RATIO = 1.5
# Issue 21: with --state-file, create throughput at most 15 % lower.
STATE_FILE_SHARE = 0.85
P8_MS = 2.0
# Issue 23: a call through the plugin's in-process client, p50.
P9_READ_MS = 0.5
P9_CREATE_MS = 0.7
STRETCH_SHARE = 0.5
# Sessions: what docs/sessions.md states one costs (1,000 fit in 256 MiB).
S1_KIB = 256.0


@dataclass
class Row:
    """One endpoint's runs, by server name ("sandbox", "validating", "durable", "prism", "wiremock",
    "floor")."""

    label: str
    kind: str
    creates: str = ""  # the collection each request adds to ("" when it creates nothing)
    runs: dict[str, WrkResult] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def rps(self, server: str) -> float | None:
        run = self.runs.get(server)
        return run.rps if run is not None and run.valid else None

    def ratio(self, server: str, over: str) -> float | None:
        top, bottom = self.rps(server), self.rps(over)
        return top / bottom if top is not None and bottom else None


def _num(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _run_cell(row: Row, server: str) -> str:
    run = row.runs.get(server)
    if run is None:
        return "skipped" if server in row.skipped else "-"
    return _num(run.rps) if run.valid else f"INVALID ({run.problem()})"


def table(rows: list[Row]) -> list[str]:
    lines = [
        "| endpoint | sandbox req/s | Prism req/s | sandbox / Prism | WireMock req/s | sandbox p50 / p99 ms "
        "| Prism p99 ms | validating req/s | off / on | state file req/s | with / without "
        "| Connexion floor req/s | sandbox / floor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        own = row.runs.get("sandbox")
        prism = row.runs.get("prism")
        off_on = row.ratio("sandbox", "validating")
        lines.append(
            f"| {row.label} | {_run_cell(row, 'sandbox')} | {_run_cell(row, 'prism')} "
            f"| {_num(row.ratio('sandbox', 'prism'), 2)} | {_run_cell(row, 'wiremock')} "
            f"| {_num(own.p50_ms if own and own.requests else None, 1)} "
            f"/ {_num(own.p99_ms if own and own.requests else None, 1)} "
            f"| {_num(prism.p99_ms if prism and prism.requests else None, 1)} "
            f"| {_run_cell(row, 'validating')} "
            f"| {_num(off_on, 2)} "
            f"| {_run_cell(row, 'durable')} "
            f"| {_num(row.ratio('durable', 'sandbox'), 2)} "
            f"| {_run_cell(row, 'floor')} "
            f"| {_num(row.ratio('sandbox', 'floor'), 2)} |"
        )
    return lines


def floor_lines(rows: list[Row]) -> list[str]:
    """Where P1's bar (2x Prism) stands against Connexion's own floor on the same server: an endpoint whose
    bar is above the floor cannot meet P1 while Connexion serves the request, whatever the sandbox does."""
    known = [
        (row.label, P1_RATIO * prism, floor)
        for row in rows
        if (prism := row.rps("prism")) is not None and (floor := row.rps("floor")) is not None
    ]
    if not known:
        return []
    above = [
        f"{label} (bar {bar:,.0f}, floor {floor:,.0f} req/s)" for label, bar, floor in known if bar > floor
    ]
    head = (
        f"- P1's bar ({P1_RATIO:g}x Prism) against Connexion's floor (stock Connexion, a constant answer): "
    )
    if not above:
        lines = [head + f"below the floor on all {len(known)} endpoints, so reachable in principle"]
    else:
        lines = [head + f"above it on {len(above)} of {len(known)} endpoints, out of reach while Connexion "
                 "serves them: " + "; ".join(above)]  # fmt: skip
    p99s = [run.p99_ms for row in rows if (run := row.runs.get("floor")) is not None and run.valid]
    lines.append(
        f"- Connexion's floor p99: {min(p99s):.0f}-{max(p99s):.0f} ms "
        f"(P2 asks <= {P2_ONE_MS:g} ms of the sandbox)"
    )
    return lines


def _at_most(figure: str, value: float, limit: float, unit: str) -> tuple[str, str, bool]:
    """A target line whose figure ``value`` must be at most ``limit`` (``unit`` as the target shows it)."""
    return figure, f"<= {limit:g}{unit}", value <= limit


def _verdict(met: bool | None) -> str:
    return "not measured" if met is None else ("MET" if met else "NOT MET")


def _every(name: str, ratios: list[tuple[str, float | None]], least: float) -> tuple[str, str, bool | None]:
    """A ratio that must be at least ``least`` on every endpoint: the ones below named with theirs."""
    known = [(label, value) for label, value in ratios if value is not None]
    target = f">= {least:g}x on every endpoint"
    if not known:
        return (name, target, None)
    below = [f"{label} {value:.2f}" for label, value in known if value < least]
    worst = min(value for _label, value in known)
    figure = f"{name}, worst {worst:.2f}" + (f"; below: {'; '.join(below)}" if below else "")
    return (figure, target, not below)


def _p2(rows: list[Row], connections: int) -> tuple[str, str, bool | None]:
    """p99 of every sandbox run against its kind's limit, at P2's 32 connections only."""
    target = f"<= {P2_ONE_MS:g} ms one record, <= {P2_LIST_MS:g} ms list, at {P2_CONNECTIONS} connections"
    runs = [(r, r.runs["sandbox"]) for r in rows if "sandbox" in r.runs]
    if not runs:
        return ("P2 sandbox p99", target, None)
    if connections != P2_CONNECTIONS:
        return (f"P2 sandbox p99 (the load ran at {connections} connections)", target, None)
    over = [
        f"{r.label} {run.p99_ms:.0f} ms"
        for r, run in runs
        if run.p99_ms > (P2_LIST_MS if r.kind == "list" else P2_ONE_MS)
    ]
    worst = max(run.p99_ms for _r, run in runs)
    figure = f"P2 sandbox p99, worst {worst:.0f} ms" + (f"; over: {'; '.join(over)}" if over else "")
    return (figure, target, not over)


def _load_targets(rows: list[Row], connections: int) -> list[tuple[str, str, bool | None]]:
    """(name and figure, target, met) for the targets the load runs measure."""
    out = [
        _every("P1 sandbox/Prism req/s", [(r.label, r.ratio("sandbox", "prism")) for r in rows], P1_RATIO),
        _p2(rows, connections),
    ]
    offon = [(r.label, r.ratio("sandbox", "validating")) for r in rows]
    known = [(label, value) for label, value in offon if value is not None]
    if known:
        label, worst = max(known, key=lambda item: item[1])
        out.append(
            _at_most(f"validation on: off/on, worst {worst:.2f} ({label})", worst, VALIDATION_RATIO, "x")
        )
    else:
        out.append(("validation on: off/on", f"<= {VALIDATION_RATIO:g}x", None))
    out.append(_state_file_target(rows))
    out.append(
        _every(
            "P1* (stretch) sandbox/WireMock req/s",
            [(r.label, r.ratio("sandbox", "wiremock")) for r in rows],
            STRETCH_SHARE,
        )
    )
    return out


def _state_file_target(rows: list[Row]) -> tuple[str, str, bool | None]:
    """Creates with ``--state-file`` against without, the worst endpoint's ratio of req/s."""
    known = [(r.label, r.ratio("durable", "sandbox")) for r in rows if r.creates]
    measured = [(label, value) for label, value in known if value is not None]
    target = f">= {STATE_FILE_SHARE:g}"
    if not measured:
        return ("state file: creates with/without --state-file", target, None)
    label, worst = min(measured, key=lambda item: item[1])
    return (
        f"state file: creates with/without --state-file, worst {worst:.2f} ({label})",
        target,
        worst >= STATE_FILE_SHARE,
    )


def targets(rows: list[Row], results: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """Every target line: the figure, the target, and whether it is met (None: not measured)."""
    out = _load_targets(rows, int(results.get("connections", P2_CONNECTIONS)))
    startup = results.get("startup")
    if startup:
        out.append(_p3(startup))
        out.append(
            _at_most(
                f"P4 idle RSS of serve, every API: {startup['rss_mib']:.0f} MiB",
                startup["rss_mib"],
                P4_MIB,
                " MiB",
            )
        )
    contracts = results.get("contracts")
    if contracts:
        failed = [api for api, code in contracts["exit_codes"].items() if code != 0]
        parts = ", ".join(
            f"{api} {seconds:.0f}/{contracts['budgets'].get(api, 0):.0f} s"
            for api, seconds in contracts["seconds"].items()
        )
        note = f" (each API's seconds of its budget: {parts})"
        note += f" (failed: {', '.join(failed)})" if failed else ""
        unreached = sum(len(ops) for ops in contracts.get("unreached", {}).values())
        note += f" ({unreached} operation(s) unreached)" if unreached else ""
        out.append(
            _at_most(
                f"P5 lms-sandbox contract all, {len(contracts['seconds'])} APIs in parallel processes: "
                f"{contracts['total']:.0f} s{note}",
                contracts["total"],
                P5_SECONDS,
                " s",
            )
        )
    big = results.get("big_store")
    if big:
        k = f"{big['count'] // 1000}k"
        out.append(
            _at_most(
                f"P6 one-match filtered list with {k} users: p50 {big['filtered_list']:.1f} ms",
                big["filtered_list"],
                P6_LIST_MS,
                " ms",
            )
        )
        for what in ("read", "create"):
            small, large = big[f"{what}_small"], big[f"{what}_big"]
            out.append(
                (
                    f"P6 {what} p50 small store {small:.1f} ms, {k} {large:.1f} ms",
                    f"{k} <= {P6_GROWTH:g}x small",
                    large <= P6_GROWTH * small,
                )
            )
    paged = results.get("paged_list")
    if paged:
        out.append(
            _at_most(
                f"P6 filtered, paged list with {paged['count'] // 1000}k members (10 of a company's "
                f"{paged['matches']}): p50 {paged['p50_ms']:.1f} ms",
                paged["p50_ms"],
                P6_LIST_MS,
                " ms",
            )
        )
    plugin = results.get("plugin")
    if plugin:
        out.append(
            (
                f"P8 plugin cost per test, every API: {plugin['per_test_ms']:.2f} ms "
                f"({plugin['fixture_ms']:.2f} with sandbox, {plugin['plain_ms']:.2f} plain, "
                f"{plugin['tests']} tests)",
                f"<= {P8_MS:g} ms",
                plugin["per_test_ms"] <= P8_MS,
            )
        )
    calls = results.get("inprocess")
    if calls:
        out += [_p9(calls, "read", "read by id", P9_READ_MS), _p9(calls, "create", "create", P9_CREATE_MS)]
    opened = results.get("sessions")
    if opened:
        out.append(_s1(opened))
    return out  # fmt: skip


def _s1(opened: dict[str, Any]) -> tuple[str, str, bool | None]:
    """The memory of many sessions (each one read and one create), per session, and a fork's time."""
    grown = opened["rss_after_mib"] - opened["rss_before_mib"]
    figure = (
        f"S1 {opened['count']} sessions (each one read, one create): RSS {opened['rss_before_mib']:.0f} -> "
        f"{opened['rss_after_mib']:.0f} MiB, {opened['per_session_kib']:.0f} KiB per session "
        f"(estimate listed: {opened['estimate_bytes'] / 1024:.0f} KiB); a new session's first read p50 "
        f"{opened['first_read_ms']:.2f} ms (the fork) against {opened['later_read_ms']:.2f} ms after it"
    )
    return (figure, f"<= {S1_KIB:g} KiB per session", grown * 1024 / opened["count"] <= S1_KIB)


def _p3(startup: dict[str, Any]) -> tuple[str, str, bool | None]:
    """Every API ready within the limit after ``serve`` starts, with the cache and on a first start."""
    warm, cold = startup["all_ready"], startup.get("cold_ready")
    slowest = max(startup["ready"], key=startup["ready"].get)
    figure = f"P3 all APIs ready after serve starts: {warm:.2f} s (last: {slowest})"
    if cold is None:
        return (figure + "; first start not measured", f"<= {P3_SECONDS:g} s, warm and cold", None)
    figure += (
        f"; a first start, without the cache of parsed specs: {cold:.2f} s "
        f"(last: {startup.get('cold_last', '?')})"
    )
    return (figure, f"<= {P3_SECONDS:g} s, warm and cold", max(warm, cold) <= P3_SECONDS)


def _p9(
    calls: dict[str, dict[str, float]], kind: str, what: str, limit: float
) -> tuple[str, str, bool | None]:
    """p50 of one kind of call through the plugin's in-process client, every API that has one (the verdict
    on wall time, the target's; the CPU time beside it, steadier on a loaded machine)."""
    figures = {api: kinds[kind] for api, kinds in calls.items() if kind in kinds}
    target = f"<= {limit:g} ms p50, every API"
    if not figures:
        return (f"P9 in-process {what}", target, None)
    cpu = {api: kinds[f"{kind}_cpu"] for api, kinds in calls.items() if f"{kind}_cpu" in kinds}
    parts = ", ".join(
        f"{api} {ms:.2f}" + (f" (CPU {cpu[api]:.2f})" if api in cpu else "") for api, ms in figures.items()
    )
    figure = f"P9 in-process {what} through the plugin's client, p50 ms: {parts}"
    return (figure, target, max(figures.values()) <= limit)


def render(rows: list[Row], results: dict[str, Any], header: list[str]) -> str:
    lines = [*header, ""]
    if rows:
        lines += [*table(rows), ""]
    if results.get("scale"):
        lines += [*scale_table(results["scale"]), ""]
    lines += ["| measure | target | verdict |", "|---|---|---|"]
    lines += [f"| {figure} | {target} | {_verdict(met)} |" for figure, target, met in targets(rows, results)]
    floor = floor_lines(rows)
    if floor:
        lines += ["", *floor]
    notes = [f"{row.label}: {note}" for row in rows for note in row.notes]
    if notes:
        lines += ["", *(f"- {note}" for note in notes)]
    skipped = results.get("skipped", {})
    if skipped:
        lines += ["", *(f"- skipped {name}: {why}" for name, why in skipped.items())]
    return "\n".join(lines) + "\n"
