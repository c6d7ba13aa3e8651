"""The ``lms-sandbox`` command: serve the sandbox, lint the specs."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import limits

from . import __version__
from .errors import SandboxError
from .options import SandboxOptions
from .vendors import REGISTRY, get_vendor, load, vendor_names

# Import-light: the option defaults, read for the help texts without building anything.
_DEFAULTS = SandboxOptions()

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool = False) -> bool:
    """A boolean environment variable; 'false', '0', 'no' and 'off' are false."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SystemExit(f"{name}={raw!r} is not a boolean; use true or false")


def _credential(text: str) -> tuple[str, str]:
    api, sep, value = text.partition("=")
    if not sep or not api or not value:
        raise argparse.ArgumentTypeError(f"expected API=VALUE, e.g. apprentiscope=my-token; got {text!r}")
    if api not in REGISTRY:
        raise argparse.ArgumentTypeError(f"unknown API {api!r}; known: {', '.join(vendor_names())}")
    try:
        get_vendor(api).credentials.parse(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{api}: {exc}") from None
    return api, value


def _rate_limit(text: str) -> tuple[str, str]:
    api, sep, value = text.partition("=")
    api, value = api.strip(), value.strip().strip("\"'")
    if not sep or not api or not value:
        raise argparse.ArgumentTypeError(f"expected API=LIMIT, e.g. dfe=150/5minutes; got {text!r}")
    if api not in REGISTRY:
        raise argparse.ArgumentTypeError(f"unknown API {api!r}; known: {', '.join(vendor_names())}")
    if get_vendor(api).rate_limit is None:
        limited = [name for name, vendor in REGISTRY.items() if vendor.rate_limit is not None]
        raise argparse.ArgumentTypeError(f"{api} has no rate limit; these do: {', '.join(limited)}")
    try:
        limits.parse(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid rate limit {value!r}; write e.g. dfe=150/5minutes or dfe='150 per 5 minutes'"
        ) from None
    return api, value


def _webhook(text: str) -> tuple[str, str]:
    from .webhooks import InvalidWebhookUrl, check_url

    api, sep, url = text.partition("=")
    api, url = api.strip(), url.strip()
    sending = [name for name, vendor in REGISTRY.items() if vendor.webhook_events]
    if not sep or not api or not url:
        example = f"{sending[0] if sending else 'api'}=http://127.0.0.1:9000/hook"
        raise argparse.ArgumentTypeError(f"expected API=URL, e.g. {example}; got {text!r}")
    if api not in REGISTRY:
        raise argparse.ArgumentTypeError(f"unknown API {api!r}; known: {', '.join(vendor_names())}")
    if api not in sending:
        raise argparse.ArgumentTypeError(f"{api} sends no webhooks; these do: {', '.join(sending) or 'none'}")
    try:
        check_url(url)
    except InvalidWebhookUrl as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return api, url


def _webhook_help() -> str:
    events = "; ".join(
        f"{name}: {', '.join(vendor.webhook_events)}"
        for name, vendor in REGISTRY.items()
        if vendor.webhook_events
    )
    return (
        "POST each webhook event of API to URL, as a form, once, with no retries, in the background; "
        "each delivery and its outcome is in the journal (repeatable; more at /__sandbox__/webhooks/API). "
        f"Events: {events or 'none'}"
    )


def _env_rate_limits() -> list[tuple[str, str]]:
    raw = os.environ.get("LMS_SANDBOX_RATE_LIMIT", "")
    try:
        return [_rate_limit(item) for item in raw.split(",") if item.strip()]
    except argparse.ArgumentTypeError as exc:
        raise SystemExit(f"LMS_SANDBOX_RATE_LIMIT: {exc}") from None


def _fault(text: str) -> str:
    """A ``--fault`` value, checked: its syntax, kind and values, and that the API exists."""
    from .faults import InvalidFault, parse_fault

    try:
        api = parse_fault(text).api
    except InvalidFault as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if api not in REGISTRY:
        raise argparse.ArgumentTypeError(f"unknown API {api!r}; known: {', '.join(vendor_names())}")
    return text


def _size(text: str) -> int:
    from .bounds import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_bounds(serve: argparse.ArgumentParser) -> None:
    """The ``--max-*`` options: request sizes over them are refused in the API's own error body."""
    from .bounds import format_size

    sizes = (
        ("--max-body-size", "max_body_size", "largest request body an API takes; a larger one gets 413"),
        (
            "--max-import-size",
            "max_import_size",
            "largest body of a control-plane state import (/__sandbox__/state, /snapshots); 413 beyond",
        ),
        ("--max-query-size", "max_query_size", "longest query string; a longer one gets 414"),
        ("--max-header-size", "max_header_size", "largest single header, name and value; 431 beyond"),
        ("--max-headers-size", "max_headers_size", "largest total of all headers; 431 beyond"),
    )
    for flag, field, text in sizes:
        default = getattr(_DEFAULTS, field)
        serve.add_argument(
            flag,
            type=_size,
            default=default,
            metavar="SIZE",
            dest=field,
            help=f"{text} (default {format_size(default)}; bytes, or e.g. 512k, 2MiB, 1MB)",
        )


def _limited() -> list[tuple[str, Any]]:
    return [(name, vendor) for name, vendor in REGISTRY.items() if vendor.rate_limit is not None]


def build_parser() -> argparse.ArgumentParser:
    apis = ", ".join(vendor_names())
    parser = argparse.ArgumentParser(
        prog="lms-sandbox",
        description="Local, stateful sandbox of learning and apprenticeship platform APIs "
        f"({apis}), with the specs to check any implementation against.",
        epilog="Run 'lms-sandbox COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"lms-sandbox {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="serve the sandbox over HTTP",
        description="Serve every API (or those named with --api) on one port, each under its prefix, "
        "with its Swagger UI, plus the control plane under /__sandbox__. Stop with Ctrl-C.",
        epilog="Environment: LMS_SANDBOX_HOST, LMS_SANDBOX_PORT, LMS_SANDBOX_SEED, "
        "LMS_SANDBOX_VALIDATE_RESPONSES (true/false) and LMS_SANDBOX_RATE_LIMIT (comma-separated "
        "API=LIMIT, e.g. dfe=1000/minute) set the defaults of the matching options.",
    )
    serve.add_argument(
        "--host",
        default=os.environ.get("LMS_SANDBOX_HOST", "127.0.0.1"),
        help="address to bind (default 127.0.0.1; use 0.0.0.0 only on a network you trust)",
    )
    serve.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("LMS_SANDBOX_PORT", "8000")),
        help="port to bind; 0 picks a free one (default 8000)",
    )
    serve.add_argument(
        "--seed",
        type=int,
        default=int(os.environ.get("LMS_SANDBOX_SEED", "0")),
        help="seed of the generated data: same seed, same data (default 0)",
    )
    serve.add_argument(
        "--api",
        action="append",
        choices=vendor_names(),
        dest="apis",
        metavar="NAME",
        help=f"serve only this API (repeatable; default all: {apis})",
    )
    serve.add_argument(
        "--root",
        action="store_true",
        help="with exactly one --api, serve it at / instead of its prefix "
        "(for clients that cannot take a prefix)",
    )
    serve.add_argument(
        "--fixture",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="scenario YAML to seed from instead of the API's default (repeatable; the file names its api)",
    )
    serve.add_argument(
        "--credential",
        action="append",
        type=_credential,
        default=[],
        metavar="API=VALUE",
        help="accept this credential for API instead of its default (repeatable): VALUE for a one-field "
        "scheme, else field=value,...; defaults: "
        + "; ".join(f"{n}={v.credentials.format(v.credentials.defaults[0])}" for n, v in REGISTRY.items()),
    )
    serve.add_argument(
        "--rate-limit",
        action="append",
        type=_rate_limit,
        default=None,
        metavar="API=LIMIT",
        dest="rate_limits",
        help="replace the documented rate limit of an API, as N/PERIOD or 'N per PERIOD' "
        "(repeatable; defaults: "
        + "; ".join(f"{n}={v.rate_limit.limit} per {v.rate_limit.per}" for n, v in _limited())
        + "; e.g. dfe=1000/minute to loosen it)",
    )
    serve.add_argument(
        "--fault",
        action="append",
        type=_fault,
        default=[],
        metavar="API[:OP]=KIND[,KEY:VALUE...]",
        dest="faults",
        help="inject a fault into an API's answers, or one operation's (an operationId or call name); "
        "repeatable, re-armed by every reset. KIND is status:CODE (the vendor's error body; 429 and 503 "
        "may take retry_after:S), latency:MS (jitter:MS adds a seeded 0..MS), drop (the connection "
        "closes without an answer), truncate (the body stops halfway) or malformed (a body that does not "
        "parse). KEY:VALUE: times:N (the next N matching calls), probability:P (0..1, drawn from the "
        "seed). E.g. apprentiscope:readUser=status:503,times:2",
    )
    serve.add_argument(
        "--webhook",
        action="append",
        type=_webhook,
        default=[],
        metavar="API=URL",
        dest="webhooks",
        help=_webhook_help(),
    )
    serve.add_argument(
        "--validate-responses",
        action="store_true",
        default=env_bool("LMS_SANDBOX_VALIDATE_RESPONSES"),
        help="validate every response against the spec; a violation answers 500 and is logged",
    )
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    serve.add_argument(
        "--state-file",
        type=Path,
        metavar="PATH",
        help="keep every API's state and the named snapshots in this JSON file: restored on start if "
        "it exists, written atomically on shutdown and on every snapshot saved or deleted; a file "
        "that is not a state file of the APIs served stops the start, untouched",
    )
    _add_bounds(serve)
    serve.set_defaults(handler=_serve)

    lint = commands.add_parser(
        "lint-specs",
        help="validate the OpenAPI specs",
        description="Validate every spec in specs/ with openapi-spec-validator and the house rules "
        "(operationId, summary, typed parameters, documented 401 on secured operations).",
    )
    lint.add_argument("folder", nargs="?", type=Path, help="folder of specs (default: the bundled specs)")
    lint.set_defaults(handler=_lint_specs)

    _add_contract_command(commands)
    _add_fuzz_command(commands)
    _add_vendor_commands(commands)
    return parser


def _add_vendor_commands(commands: Any) -> None:
    """The vendors' own commands: ``lms-sandbox NAME API ...`` for each command NAME a vendor declares."""
    by_name: dict[str, list[tuple[str, Any]]] = {}
    for api, vendor in REGISTRY.items():
        for command in vendor.commands:
            by_name.setdefault(command.name, []).append((api, command))
    for name, declared in by_name.items():
        parser = commands.add_parser(
            name,
            help="; ".join(f"{api}: {command.help}" for api, command in declared),
            description=f"The {name!r} command of: {', '.join(api for api, _ in declared)}.",
        )
        per_api = parser.add_subparsers(dest="api", required=True, metavar="API")
        for api, command in declared:
            sub = per_api.add_parser(api, help=command.help, description=command.help)
            load(command.configure)(sub)
            sub.set_defaults(handler=_vendor_command(api, command.run))


def _vendor_command(api: str, run: str) -> Any:
    def handler(args: argparse.Namespace) -> int:
        return int(load(run)(args, get_vendor(api)))

    return handler


def _add_contract_command(commands: Any) -> None:
    contract = commands.add_parser(
        "contract",
        help="verify an implementation of an API against its specs",
        description="Run an API's contract (Schemathesis examples, coverage, fuzzing and link-following "
        "stateful phases, the vendor's error/pagination checks, every credential mistake (auth), and "
        "its workflow model) against the in-process sandbox, or against any implementation with "
        "--base-url. Prints a per-operation table (requests, 2xx, 4xx and 5xx answers, the phases "
        "that reached it), the operations no request reached with a 2xx, and the curl of every "
        "failure; exits 0 only when nothing failed. "
        "Several APIs (or 'all') run in parallel processes against their own sandboxes, one report.",
        epilog="Examples: lms-sandbox contract all --junit-xml reports/contract.xml; "
        "lms-sandbox contract apprentiscope --base-url https://staging.example.com/apprentiscope "
        '--header "Authorization: $TOKEN" (double quotes, so the shell puts the token in)',
    )
    contract.add_argument(
        "api",
        nargs="+",
        choices=[*vendor_names(), "all"],
        metavar="API",
        help=f"the API(s) to verify: {', '.join(vendor_names())}, or all",
    )
    contract.add_argument(
        "--base-url",
        metavar="URL",
        help="root of the implementation to verify (e.g. http://127.0.0.1:8000/apprentiscope); "
        "default: a fresh in-process sandbox",
    )
    contract.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="header sent with every request, e.g. credentials (repeatable); "
        "default with the sandbox: its own credentials",
    )
    contract.add_argument(
        "--credential",
        metavar="VALUE",
        help="the credential, sent the way the API's scheme says (query or body fields, a login call, a "
        "token signed per request): VALUE for a one-field scheme, else field=value,...; "
        "default with the sandbox: its own",
    )
    contract.add_argument(
        "--allow-writes",
        action="store_true",
        help="with --base-url, also run operations that write (POST, PUT, PATCH, DELETE); "
        "without it only GET/HEAD/OPTIONS are sent",
    )
    contract.add_argument(
        "--rate-limit",
        metavar="RATE",
        help="with --base-url, send at most RATE requests (N/s, N/m, N/h or N/d; DfE: 30/m, its 150 per "
        "5 minutes) and wait out any 429 by its Retry-After; 'auto' only waits out 429s",
    )
    contract.add_argument("--junit-xml", type=Path, metavar="FILE", help="write a JUnit XML report to FILE")
    contract.add_argument(
        "--max-examples",
        type=int,
        default=25,
        metavar="N",
        help="generated examples per operation (default 25)",
    )
    contract.add_argument(
        "--full-deprecated",
        action="store_true",
        help="test operations the spec marks deprecated as hard as the others; by default they get a "
        "fifth of the generated examples and no coverage phase (SkyPrep's GET twins of its POST calls)",
    )
    contract.add_argument(
        "--fail-on-unreached",
        action="store_true",
        help="fail the run when an operation got no 2xx answer in any phase (by default such operations "
        "are listed as unreached)",
    )
    contract.add_argument(
        "--budget",
        type=float,
        metavar="SECONDS",
        help="time the run may take: the Schemathesis phases stop where they are once it is spent, "
        "leaving a fifth for the workflow; with several APIs, the whole run's time (default 120), "
        "shared among them by their number of operations",
    )
    contract.add_argument(
        "--json",
        type=Path,
        metavar="FILE",
        help="write each API's verdict, seconds, requests and unreached operations to FILE as JSON",
    )
    contract.add_argument(
        "--jobs",
        type=int,
        default=0,
        metavar="N",
        help="with several APIs, run at most N at once, each in its own process (default: one per core)",
    )
    contract.add_argument(
        "--seed", type=int, default=0, metavar="N", help="seed: the same seed replays the same run"
    )
    contract.add_argument(
        "--phase",
        action="append",
        dest="phases",
        choices=["examples", "coverage", "fuzzing", "stateful", "auth", "workflow"],
        metavar="PHASE",
        help="run only this phase (repeatable): examples, coverage, fuzzing, stateful, auth (every "
        "operation accepted earlier, sent again with each credential mistake), workflow (default: all)",
    )
    contract.add_argument(
        "--auth-status",
        type=int,
        metavar="N",
        help="with --base-url, the status the implementation refuses wrong or missing credentials with "
        "(the auth phase); default: any status the operation documents for them, or any 4xx",
    )
    contract.set_defaults(handler=_contract)


def _add_fuzz_command(commands: Any) -> None:
    fuzz = commands.add_parser(
        "fuzz",
        help="send bad input to every API through serve; fail on any answer >= 500 or server traceback",
        description="Start 'lms-sandbox serve' on 127.0.0.1 and a free port (rate limits raised, its output "
        "in --log), then run Schemathesis' examples, coverage, fuzzing and stateful phases with positive "
        "and negative data against every spec document of every API, each with its own credentials (a "
        "fresh signed token per request, a login token fetched again on a 401). The budget is shared among "
        "the documents by their number of operations; after the first round, fuzzing and stateful run "
        "again with the next seed until a document's share is sent. Prints requests and statuses per "
        "API and the curl of every answer >= 500; exits 1 on any answer >= 500, any request left "
        "unanswered and any traceback in the server log, else 0. No other check decides: that is "
        "'lms-sandbox contract'.",
        epilog="Example: lms-sandbox fuzz --budget 5000 --api absorb --seed 3",
    )
    fuzz.add_argument(
        "--budget",
        type=int,
        default=50_000,
        metavar="N",
        help="requests to send in total (default 50000)",
    )
    fuzz.add_argument(
        "--api",
        action="append",
        choices=vendor_names(),
        dest="apis",
        metavar="NAME",
        help=f"fuzz only this API (repeatable; default all: {', '.join(vendor_names())})",
    )
    fuzz.add_argument(
        "--phase",
        action="append",
        dest="phases",
        choices=["examples", "coverage", "fuzzing", "stateful"],
        metavar="PHASE",
        help="run only this phase (repeatable): examples, coverage, fuzzing, stateful (default: all)",
    )
    fuzz.add_argument(
        "--max-examples",
        type=int,
        default=25,
        metavar="N",
        help="examples per operation and per stateful run, in each round (default 25)",
    )
    fuzz.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="seed of the first round: the same seed, the same run",
    )
    fuzz.add_argument(
        "--fault",
        action="append",
        type=_fault,
        default=[],
        metavar="API[:OP]=KIND[,KEY:VALUE...]",
        dest="faults",
        help="pass a fault to serve (as serve --fault), e.g. apprentiscope=status:500 to watch the run fail",
    )
    fuzz.add_argument(
        "--validate-responses",
        action="store_true",
        help="serve with --validate-responses: an answer against the spec becomes a 500, and fails the run",
    )
    fuzz.add_argument(
        "--log",
        type=Path,
        default=Path(".fuzz/server.log"),
        metavar="FILE",
        help="the server's output (default .fuzz/server.log); scanned for tracebacks after the run",
    )
    fuzz.add_argument(
        "--json", type=Path, metavar="FILE", help="also write the run's figures to FILE as JSON"
    )
    fuzz.set_defaults(handler=_fuzz)


def _fuzz(args: argparse.Namespace) -> int:
    from contracts.fuzz.command import run_fuzz_command

    return run_fuzz_command(args)


def _contract(args: argparse.Namespace) -> int:
    from contracts.command import run_contract_command

    return run_contract_command(args)


def options_from_args(args: argparse.Namespace) -> SandboxOptions:
    credentials: dict[str, tuple[str | dict[str, str], ...]] = {}
    for api, value in args.credential:
        credentials[api] = (*credentials.get(api, ()), value)
    webhooks: dict[str, tuple[str, ...]] = {}
    for api, url in args.webhooks:
        webhooks[api] = (*webhooks.get(api, ()), url)
    return SandboxOptions(
        seed=args.seed,
        apis=tuple(args.apis or ()),
        root=args.root,
        validate_responses=args.validate_responses,
        fixtures=tuple(args.fixture),
        credentials=credentials,
        rate_limits=dict(_env_rate_limits() if args.rate_limits is None else args.rate_limits),
        webhooks=webhooks,
        state_file=args.state_file,
        faults=tuple(args.faults),
        max_body_size=args.max_body_size,
        max_import_size=args.max_import_size,
        max_query_size=args.max_query_size,
        max_header_size=args.max_header_size,
        max_headers_size=args.max_headers_size,
    )


def _serve(args: argparse.Namespace) -> int:
    from .server import serve

    if args.root and len(args.apis or ()) != 1:
        raise SystemExit("--root needs exactly one --api, e.g. --api apprentiscope --root")
    unserved = sorted({api for api, _ in args.webhooks} - set(args.apis or REGISTRY))
    if unserved:
        raise SystemExit(f"--webhook for {', '.join(unserved)}, which --api does not serve")
    serve(options_from_args(args), host=args.host, port=args.port, log_level=args.log_level)
    return 0


def _lint_specs(args: argparse.Namespace) -> int:
    from .resources import data_dir
    from .speclint import lint_specs

    folder = args.folder or data_dir("specs")
    results = lint_specs(folder)
    for name, problems in results.items():
        print(f"{'ok  ' if not problems else 'FAIL'} {name}")
        for problem in problems:
            print(f"     {problem}")
    return 1 if any(results.values()) else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args: Any = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except SandboxError as exc:
        print(f"lms-sandbox: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
