"""`make bench`: the sandbox side by side with Prism and WireMock, and the targets of issue 13.

Load: wrk (-t1 -c32 by default) on every benchmarked endpoint against ``lms-sandbox serve`` (rate limits
raised as contract runs do), the same with ``--validate-responses``, the same with ``--state-file`` (on the
writes), Prism mocking the same document, WireMock replaying the sandbox's own recorded answers, and
Connexion's floor (``tests/bench/floor.py``: stock Connexion on serve's server, a handler returning a
constant, the most any endpoint can do while Connexion owns the request); the order of the servers rotates
per endpoint. Only the cost of the state file on creates, quickly:
``make bench ARGS="--only durable --endpoint create --seconds 5"``.
WireMock gets a warm-up of its own first (its JIT needs more than a run's warm-up). Then the scale of
``serve`` (req/s, p50, p99 at 1, 8, 32 and 128 connections on a read and a create; RSS before and after
100k creates over HTTP), start-up and idle memory of ``serve``, the contracts of every API, a 100k store,
the plugin's cost per test (P8) and per call through its in-process client (P9), and the memory of
1,000 sessions (S1: ``make bench ARGS="--only sessions"``). Prints the tables and
the target lines (MET / NOT MET); keeps JSON and Markdown under .bench/ (or --out).
Never part of ``make test``: a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `python tests/bench/run.py` as well as `python -m tests.bench.run`
    sys.path.insert(0, str(ROOT))

from mockserver.exposure import control_headers  # noqa: E402
from mockserver.options import DEFAULT_SERVER, SERVERS  # noqa: E402
from mockserver.vendors import vendor_names  # noqa: E402
from tests.bench import floor, inprocess, load, measures, report, scale, servers, sessions, tools  # noqa: E402
from tests.bench.endpoints import RATE_LIMITS, Endpoint, Minter, discover  # noqa: E402

# The servers measured beside the sandbox's own load runs.
LOAD_PEERS = ("wiremock", "prism", "validation", "durable", "floor")
SECTIONS = (
    "load",
    "wiremock",
    "prism",
    "validation",
    "durable",
    "floor",
    "scale",
    "startup",
    "contracts",
    "store",
    "plugin",
    "inprocess",
    "sessions",
)
# Enough single-use tokens for one wrk run at this rate (a run that outruns them reuses some: 401s, invalid).
TOKENS_PER_SECOND = 4000


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="make bench ARGS=...", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per endpoint and server")
    parser.add_argument("--warmup", type=float, default=2, help="warm-up seconds before each measured run")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (-c)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (-t)")
    parser.add_argument(
        "--server",
        choices=SERVERS,
        default=DEFAULT_SERVER,
        help=f"the HTTP server serve runs on (default {DEFAULT_SERVER}, as shipped)",
    )
    parser.add_argument(
        "--users",
        type=int,
        default=100_000,
        help="records imported for P6 (ApprentiScope users, Coursepath members)",
    )
    parser.add_argument("--plugin-tests", type=int, default=200, help="tests in each generated suite (P8)")
    for flag, kind, default, metavar, text in (
        ("--wiremock-warmup", float, 20, "SECONDS", "WireMock's own warm-up, over every endpoint before "
         "the first measured one (its rate climbs for 15-20 s of load while the JVM compiles)"),
        ("--scale-creates", int, 100_000, "N", "creates through the API between two readings of serve's "
         "RSS (scale; 0: the curve alone)"),
        ("--p9-calls", int, 2000, "N", "measured calls per API and request kind (P9)"),
        ("--sessions", int, 1000, "N", "sessions opened in one sandbox, each one read and one create (S1)"),
    ):  # fmt: skip
        parser.add_argument(flag, type=kind, default=default, metavar=metavar, help=text)
    parser.add_argument(
        "--endpoint", action="append", default=[], metavar="TEXT", help="only endpoints whose label has TEXT"
    )
    parser.add_argument("--skip", action="append", default=[], choices=SECTIONS, help="skip a part")
    parser.add_argument(
        "--only",
        choices=SECTIONS,
        help="run this part alone (a load peer: with the sandbox's own load runs beside it)",
    )
    parser.add_argument(
        "--tools", type=Path, default=ROOT / ".venv/bench-tools", help="where wrk, Prism and WireMock go"
    )
    parser.add_argument("--out", type=Path, default=ROOT / ".bench", help="folder of the results")
    return parser


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@dataclasses.dataclass
class Target:
    """A server under load and how to talk to it."""

    name: str
    server: servers.Server
    endpoints: dict[str, Endpoint]
    full_paths: bool  # the sandbox and WireMock take the vendor prefix; Prism serves the document at /

    def shape(self, label: str) -> load.Shape:
        endpoint = self.endpoints[label]
        return endpoint.sandbox_shape() if self.full_paths else endpoint.shape


def _record(client: httpx.Client, endpoints: list[Endpoint], minter: Minter) -> list[servers.Stub]:
    """The sandbox's answer to each benchmarked request, for WireMock to replay."""
    stubs = []
    for endpoint in endpoints:
        shape = endpoint.sandbox_shape()
        headers = dict(shape.headers)
        if endpoint.signed:
            headers[shape.token_header] = shape.token_prefix + minter.tokens(1)[0]
        answer = client.request(
            shape.method,
            shape.path.replace("{n}", "rec"),
            headers=headers,
            content=shape.body.replace("{n}", "rec"),
        )
        if answer.status_code != endpoint.ok:
            raise RuntimeError(
                f"{endpoint.label}: the sandbox answered {answer.status_code}: {answer.text[:300]}"
            )
        path = shape.path.split("?")[0]
        stubs.append(
            servers.Stub(shape.method, path, answer.status_code, answer.headers["content-type"], answer.text)
        )
    return stubs


def _load(args: argparse.Namespace, skipped: dict[str, str], work: Path) -> list[report.Row]:
    wrk = tools.wrk(args.tools)
    if isinstance(wrk, tools.Missing):
        skipped["load"] = f"no load generator: {wrk.reason}"
        return []
    peers: dict[str, tools.Tool | tools.Missing] = {}
    if "prism" not in args.skip:
        peers["prism"] = tools.prism(args.tools)
    if "wiremock" not in args.skip:
        peers["wiremock"] = tools.wiremock(args.tools)
    for name, tool in peers.items():
        if isinstance(tool, tools.Missing):
            skipped[name] = tool.reason
            _say(f"bench: skipping {name}: {tool.reason}")
    minter = Minter()
    with contextlib.ExitStack() as stack:
        own = stack.enter_context(
            servers.sandbox(RATE_LIMITS, log=work / "sandbox.log", server=args.server).start()
        )
        client = stack.enter_context(httpx.Client(base_url=own.url, timeout=10))
        found = discover(client, minter)
        wanted = [
            e for e in found if not args.endpoint or any(t.lower() in e.label.lower() for t in args.endpoint)
        ]
        targets = [Target("sandbox", own, {e.label: e for e in found}, True)]
        if "durable" not in args.skip:
            durable = stack.enter_context(
                servers.sandbox(
                    RATE_LIMITS,
                    log=work / "sandbox-state-file.log",
                    state_file=work / "state.db",
                    server=args.server,
                ).start()
            )
            with httpx.Client(base_url=durable.url, timeout=10) as other:
                # The writes only: the state file costs nothing on a request that changes nothing.
                writes = {e.label: e for e in discover(other, minter) if e.shape.method != "GET"}
                targets.append(Target("durable", durable, writes, True))
        if "validation" not in args.skip:
            checked = stack.enter_context(
                servers.sandbox(
                    RATE_LIMITS, validate=True, log=work / "sandbox-validating.log", server=args.server
                ).start()
            )
            with httpx.Client(base_url=checked.url, timeout=10) as other:
                targets.append(
                    Target("validating", checked, {e.label: e for e in discover(other, minter)}, True)
                )
        prism = peers.get("prism")
        if isinstance(prism, tools.Tool):
            for spec in sorted({e.doc.spec for e in wanted}):
                doc = [e for e in wanted if e.doc.spec == spec]
                mock = servers.prism(prism, ROOT / "specs" / spec, log=work / f"prism-{spec}.log")
                if _started(mock, stack, skipped, "prism"):
                    targets.append(Target("prism", mock, {e.label: e for e in doc}, False))
        wiremock = peers.get("wiremock")
        if isinstance(wiremock, tools.Tool):
            stubs = _record(client, wanted, minter)
            stub = servers.wiremock(wiremock, stubs, work / "wiremock", log=work / "wiremock.log")
            if _started(stub, stack, skipped, "wiremock"):
                targets.append(Target("wiremock", stub, {e.label: e for e in wanted}, True))
                _warm_wiremock(args, wrk, targets[-1], wanted)
        if "floor" not in args.skip and wanted:
            routes = work / "floor-routes.json"
            shapes = [e.sandbox_shape() for e in wanted]
            routes.write_text(json.dumps(sorted({(s.method, s.path.split("?")[0]) for s in shapes})))
            port = servers.free_port()
            argv, env = floor.command(routes, port, args.server)
            ground = servers.Server(
                f"Connexion floor ({args.server})", argv, port, env=env, log=work / "floor.log"
            )
            if _started(ground, stack, skipped, "floor"):
                targets.append(Target("floor", ground, {e.label: e for e in wanted}, True))
        rows = []
        for n, endpoint in enumerate(wanted):
            row = report.Row(endpoint.label, endpoint.kind, endpoint.creates)
            serving = [t for t in targets if endpoint.label in t.endpoints]
            # Alternate which server goes first, so no server always gets the cooler machine.
            shift = n % len(serving)
            for target in serving[shift:] + serving[:shift]:
                before = _records(target, endpoint)
                row.runs[target.name] = run = _measure(args, wrk, target, endpoint, minter, work)
                after = _records(target, endpoint)
                if before is not None and after is not None:
                    # The warm-up's creates count too; answers still in flight when wrk stopped may add some.
                    if after - before < run.requests - run.bad:
                        row.notes.append(
                            f"{target.name}: {run.requests - run.bad} creates answered 2xx, "
                            f"but only {after - before} records were added"
                        )
                    else:
                        row.notes.append(f"{target.name}: {after - before} {endpoint.creates} created")
                _say(
                    f"bench: {endpoint.label:<42} {target.name:<10} {run.rps:9.0f} req/s  "
                    f"p50 {run.p50_ms:7.1f} ms  p99 {run.p99_ms:7.1f} ms  {run.problem()}"
                )
            for name in ("prism", "wiremock", "floor"):
                if name in skipped:
                    row.skipped[name] = skipped[name]
            rows.append(row)
    (work / "tokens.txt").unlink(missing_ok=True)
    return rows


def _warm_wiremock(args: argparse.Namespace, wrk: tools.Tool, target: Target, wanted: list[Endpoint]) -> None:
    """Every endpoint on WireMock in turn for ``--wiremock-warmup`` seconds in all, before any measured run:
    a JVM needs seconds of load before its JIT has compiled the hot paths."""
    if args.wiremock_warmup <= 0 or not wanted:
        return
    _say(f"bench: warming WireMock up, {args.wiremock_warmup:g} s over {len(wanted)} endpoint(s)")
    each = max(1.0, args.wiremock_warmup / len(wanted))
    for endpoint in wanted:
        load.run(
            wrk,
            target.server.url,
            target.shape(endpoint.label),
            seconds=each,
            tag=f"v{int(time.time() * 1000) % 10**9}x",
            threads=args.threads,
            connections=args.connections,
        )


def _started(server: servers.Server, stack: contextlib.ExitStack, skipped: dict[str, str], name: str) -> bool:
    """Start a peer; one that does not start is skipped with the reason, not fatal."""
    try:
        stack.enter_context(server.start())
    except RuntimeError as exc:
        skipped[name] = f"{server.name} did not start: {exc}"
        _say(f"bench: skipping {skipped[name]}")
        return False
    return True


def _records(target: Target, endpoint: Endpoint) -> int | None:
    """How many records the sandbox holds in the collection ``endpoint`` creates into (None: not counted)."""
    if not endpoint.creates or target.name not in ("sandbox", "validating", "durable"):
        return None
    url = f"{target.server.url}/__sandbox__/state/{endpoint.doc.api}"
    state = httpx.get(url, timeout=60, headers=control_headers()).json()
    return len(state["collections"][endpoint.creates])


def _measure(
    args: argparse.Namespace, wrk: tools.Tool, target: Target, endpoint: Endpoint, minter: Minter, work: Path
) -> load.WrkResult:
    shape = target.shape(endpoint.label)
    result = None
    for seconds in (args.warmup, args.seconds):
        tokens = None
        if endpoint.signed:
            tokens = work / "tokens.txt"
            count = int(TOKENS_PER_SECOND * max(1.0, seconds) + 1000)
            tokens.write_text("\n".join(minter.tokens(count)) + "\n")
        tag = f"{target.name[0]}{int(time.time() * 1000) % 10**9}x"
        if seconds > 0:
            result = load.run(
                wrk,
                target.server.url,
                shape,
                seconds=seconds,
                tag=tag,
                threads=args.threads,
                connections=args.connections,
                tokens=tokens,
            )
    assert result is not None
    return result


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.only:
        kept = {args.only, "load"} if args.only in LOAD_PEERS else {args.only}
        args.skip = [s for s in SECTIONS if s not in kept]
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    args.tools.mkdir(parents=True, exist_ok=True)
    skipped: dict[str, str] = {}
    results: dict[str, Any] = {"skipped": skipped}
    # The servers' and contracts' logs stay after the run, for a look at whatever failed.
    work = args.out / "logs"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    rows = [] if "load" in args.skip else _load(args, skipped, work)
    results["connections"] = args.connections
    if "scale" not in args.skip:
        results["scale"] = _scale(args, skipped, work)
    if "startup" not in args.skip:
        _say("bench: start-up and idle memory of serve")
        results["startup"] = _dump(measures.startup(work / "startup.log"), all_ready="all_ready")
        cold = measures.startup(work / "startup-cold.log", idle_seconds=0, cold=True)
        results["startup"]["cold_ready"] = cold.all_ready
        results["startup"]["cold_last"] = max(cold.ready, key=cold.ready.__getitem__)
    if "contracts" not in args.skip:
        _say("bench: lms-sandbox contract all (every API in parallel processes, in-process sandboxes)")
        results["contracts"] = _dump(measures.contracts(list(vendor_names()), work), total="total")
    if "store" not in args.skip:
        _say(f"bench: {args.users} records imported")
        results["big_store"] = _dump(measures.big_store(args.users))
        results["paged_list"] = _dump(measures.paged_list(args.users))
    if "plugin" not in args.skip:
        _say("bench: the plugin's cost per test")
        results["plugin"] = _dump(measures.plugin_cost(args.plugin_tests), per_test_ms="per_test_ms")
    if "inprocess" not in args.skip:
        _say(f"bench: P9, {args.p9_calls} calls per request through the plugin's in-process client")
        results["inprocess"] = inprocess.plugin_calls(args.p9_calls)
    if "sessions" not in args.skip:
        _say(f"bench: S1, {args.sessions} sessions of the default scenario in one sandbox")
        results["sessions"] = _dump(sessions.measure(args.sessions), per_session_kib="per_session_kib")
    results["load"] = [
        {
            "endpoint": r.label,
            "kind": r.kind,
            "runs": {k: dataclasses.asdict(v) | {"rps": v.rps} for k, v in r.runs.items()},
        }
        for r in rows
    ]
    header = [
        f"# make bench, {stamp}",
        "",
        f"wrk -t{args.threads} -c{args.connections}, {args.seconds:g} s per endpoint after {args.warmup:g} s "
        f"of warm-up; Prism {tools.PRISM_VERSION} (`prism mock -v error`), WireMock {tools.WIREMOCK_VERSION} "
        "(static stubs of the sandbox's answers, no request journal"
        + (
            f"; warmed up for {args.wiremock_warmup:g} s over every endpoint before the first measured one, "
            "then the same per-run warm-up as the others"
            if args.wiremock_warmup > 0 and not {"load", "wiremock"} & set(args.skip)
            else ""
        )
        + "). Ratios are sandbox / peer.",
    ]
    text = report.render(rows, results, header)
    results["settings"] = {k: str(v) for k, v in vars(args).items()}
    (args.out / f"results-{stamp}.json").write_text(json.dumps(results, indent=2))
    (args.out / "latest.md").write_text(text)
    print(text)
    _say(f"bench: results in {args.out / f'results-{stamp}.json'} and {args.out / 'latest.md'}")
    return 0


def _scale(args: argparse.Namespace, skipped: dict[str, str], work: Path) -> dict[str, Any] | None:
    wrk = tools.wrk(args.tools)
    if isinstance(wrk, tools.Missing):
        skipped["scale"] = f"no load generator: {wrk.reason}"
        return None
    _say("bench: scale of serve, 1 to 128 connections")
    return scale.measure(
        wrk,
        work,
        seconds=args.seconds,
        warmup=args.warmup,
        threads=args.threads,
        creates=args.scale_creates,
        connections=args.connections,
        server=args.server,
        say=_say,
    )


def _dump(value: Any, **properties: str) -> dict[str, Any]:
    data: dict[str, Any] = dataclasses.asdict(value)
    for key, attribute in properties.items():
        data[key] = getattr(value, attribute)
    return data


if __name__ == "__main__":
    sys.exit(main())
