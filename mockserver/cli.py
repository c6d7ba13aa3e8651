"""The ``lms-sandbox`` command: serve the sandbox, lint the specs."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__, arguments
from .arguments import env_bool
from .errors import SandboxError
from .options import DEFAULT_SERVER, SERVER_ENV, SERVERS, STATE_SYNC_MODES, SandboxOptions
from .vendors import REGISTRY, get_vendor, load, vendor_names

__all__ = ["build_parser", "env_bool", "main", "options_from_args"]

# exposure.CONTROL_TOKEN_ENV, spelled out: the CLI does not import Starlette to print its help.
CONTROL_TOKEN_ENV = "LMS_SANDBOX_CONTROL_TOKEN"
REQUIRE_TOKEN_ENV = "LMS_SANDBOX_REQUIRE_CONTROL_TOKEN"
_NO_TOKEN = (
    f"lms-sandbox serve: no control token given, and --require-control-token ({REQUIRE_TOKEN_ENV}) "
    f"asks for one: set {CONTROL_TOKEN_ENV} to a secret of your own, e.g. "
    f"docker run -e {CONTROL_TOKEN_ENV}=$(openssl rand -hex 32) ..., and send it to the control plane "
    "as Authorization: Bearer <token>"
)

# Import-light: the option defaults, read for the help texts without building anything.
_DEFAULTS = SandboxOptions()


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
        return [arguments.rate_limit(item) for item in raw.split(",") if item.strip()]
    except argparse.ArgumentTypeError as exc:
        raise SystemExit(f"LMS_SANDBOX_RATE_LIMIT: {exc}") from None


def _env_choice(variable: str, choices: Sequence[str], default: str) -> str:
    """The value of ``variable`` (case and blanks aside), one of ``choices``; ``default`` when unset."""
    raw = os.environ.get(variable, "").strip().lower() or default
    if raw not in choices:
        raise SystemExit(f"{variable}: {raw!r} is not one of {', '.join(choices)}")
    return raw


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
        ("--max-path-size", "max_path_size", "longest request path, percent-encoded as sent; 414 beyond"),
        ("--max-header-size", "max_header_size", "largest single header, name and value; 431 beyond"),
        ("--max-headers-size", "max_headers_size", "largest total of all headers; 431 beyond"),
    )
    for flag, field, text in sizes:
        default = getattr(_DEFAULTS, field)
        serve.add_argument(
            flag,
            type=arguments.size,
            default=default,
            metavar="SIZE",
            dest=field,
            help=f"{text} (default {format_size(default)}; bytes, or e.g. 512k, 2MiB, 1MB)",
        )


def _env_list(name: str) -> list[str]:
    """A comma-separated environment variable, as the list a repeatable option starts from."""
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _limited() -> list[tuple[str, Any]]:
    return [(name, vendor) for name, vendor in REGISTRY.items() if vendor.rate_limit is not None]


class _CommandParser(argparse.ArgumentParser):
    """A command's parser; with ``configure`` ("module:function"), that function adds its options
    the first time the command is parsed."""

    def __init__(self, *args: Any, configure: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._configure = configure

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        if self._configure is not None:
            configure, self._configure = self._configure, None
            load(configure)(self)
        return super().parse_known_args(args, namespace)


def build_parser() -> argparse.ArgumentParser:
    apis = ", ".join(vendor_names())
    parser = argparse.ArgumentParser(
        prog="lms-sandbox",
        description="Local, stateful sandbox of learning and apprenticeship platform APIs "
        f"({apis}), with the specs to check any implementation against.",
        epilog="Run 'lms-sandbox COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"lms-sandbox {__version__}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_CommandParser
    )

    serve = commands.add_parser(
        "serve",
        help="serve the sandbox over HTTP",
        description="Serve every API (or those named with --api) on one port, each under its prefix, "
        "with its Swagger UI, plus the control plane under /__sandbox__. It listens first and builds the "
        "APIs right after: a request meanwhile waits for its API; GET /__sandbox__/health answers 503 "
        "(starting, with the APIs still building) until every API is ready, then 200. Stop with Ctrl-C.",
        epilog="Environment: LMS_SANDBOX_HOST, LMS_SANDBOX_PORT, LMS_SANDBOX_SEED, "
        "LMS_SANDBOX_VALIDATE_RESPONSES (true/false), LMS_SANDBOX_STATE_SYNC (normal/always), "
        "LMS_SANDBOX_RATE_LIMIT (comma-separated API=LIMIT, e.g. dfe=1000/minute), "
        "LMS_SANDBOX_ALLOW_WEBHOOK_HOSTS (comma-separated), LMS_SANDBOX_FORWARDED_ALLOW_IPS, "
        "LMS_SANDBOX_JOURNAL_SECRETS (true/false), LMS_SANDBOX_SERVER (granian/uvicorn) and "
        "LMS_SANDBOX_CONTROL_TOKEN, LMS_SANDBOX_REQUIRE_CONTROL_TOKEN (true/false) set the defaults of the "
        "matching options.",
    )
    serve.add_argument(
        "--host",
        default=os.environ.get("LMS_SANDBOX_HOST", "127.0.0.1"),
        help="address to bind (default 127.0.0.1). Any other address exposes the sandbox: the control "
        "plane then needs a token (see --control-token) and the banner warns; use 0.0.0.0 only on a "
        "network you trust",
    )
    serve.add_argument(
        "--control-token",
        default=os.environ.get(CONTROL_TOKEN_ENV, "").strip() or None,
        metavar="TOKEN",
        help="every control-plane request (all but GET /__sandbox__/health) must carry this token, as "
        "Authorization: Bearer TOKEN or X-Sandbox-Token: TOKEN; also on loopback. Without it, serve "
        "makes one up when --host is not a loopback address and prints it. Prefer the environment "
        "variable LMS_SANDBOX_CONTROL_TOKEN: a command line is visible to other users",
    )
    serve.add_argument(
        "--require-control-token",
        action="store_true",
        default=env_bool(REQUIRE_TOKEN_ENV),
        help="refuse to start without a control token given (--control-token or "
        "LMS_SANDBOX_CONTROL_TOKEN) instead of making one up: where nobody reads the banner, as in a "
        "container (the Docker image sets LMS_SANDBOX_REQUIRE_CONTROL_TOKEN=true)",
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
    arguments.add_api_option(serve, "serve")
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
        type=arguments.credential,
        default=[],
        metavar="API=VALUE",
        help="accept this credential for API instead of its default (repeatable): VALUE for a one-field "
        "scheme, else field=value,...; defaults: "
        + "; ".join(f"{n}={v.credentials.format(v.credentials.defaults[0])}" for n, v in REGISTRY.items()),
    )
    serve.add_argument(
        "--rate-limit",
        action="append",
        type=arguments.rate_limit,
        default=None,
        metavar="API=LIMIT",
        dest="rate_limits",
        help="replace the documented rate limit of an API, as N/PERIOD or 'N per PERIOD' "
        "(repeatable; defaults: "
        + "; ".join(f"{n}={v.rate_limit.limit} per {v.rate_limit.per}" for n, v in _limited())
        + "; e.g. dfe=1000/minute to loosen it)",
    )
    arguments.add_fault_option(
        serve,
        "inject a fault into an API's answers, or one operation's (an operationId or call name); "
        "repeatable, re-armed by every reset. KIND is status:CODE (the vendor's error body; 429 and 503 "
        "may take retry_after:S), latency:MS (at most 3600000; jitter:MS adds a seeded 0..MS), drop "
        "(the connection closes without an answer), truncate (the body stops halfway) or malformed (a body "
        "that does not parse). KEY:VALUE: times:N (the next N matching calls), probability:P (0..1, "
        "drawn from the seed). E.g. apprentiscope:readUser=status:503,times:2",
    )
    serve.add_argument(
        "--webhook",
        action="append",
        type=arguments.webhook,
        default=[],
        metavar="API=URL",
        dest="webhooks",
        help=_webhook_help(),
    )
    serve.add_argument(
        "--allow-webhook-host",
        action="append",
        default=_env_list("LMS_SANDBOX_ALLOW_WEBHOOK_HOSTS"),
        metavar="HOST",
        dest="allow_webhook_hosts",
        help="let webhooks go to HOST (a name or an address, as in the URL) although it is link-local "
        "(169.254.0.0/16, fe80::/10) or a cloud metadata host (169.254.169.254, fd00:ec2::254, "
        "metadata.google.internal, ...), which are refused otherwise, also when a name resolves there "
        "(repeatable)",
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        default=os.environ.get("LMS_SANDBOX_FORWARDED_ALLOW_IPS", ""),
        metavar="IPS",
        help="comma-separated proxy addresses or networks (e.g. 10.0.0.0/8), or *, whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed; from any other peer they are ignored, so "
        "per-client rate limits count the real peer (default: none; uvicorn's FORWARDED_ALLOW_IPS "
        "is not read)",
    )
    serve.add_argument(
        "--journal-secrets",
        action="store_true",
        default=env_bool("LMS_SANDBOX_JOURNAL_SECRETS"),
        help="keep credentials' values in the request journal (for debugging); by default every token, "
        "key and password in query strings and JSON or form bodies (requests and answers) is recorded "
        "as [redacted], its name kept",
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
        "--server",
        choices=SERVERS,
        default=_env_choice(SERVER_ENV, SERVERS, DEFAULT_SERVER),
        help="the HTTP server: granian (default; its HTTP I/O runs in Rust threads beside the Python "
        "thread that runs the APIs, so two cores work) or uvicorn (all in one Python thread; the "
        "fallback). On granian a request target over 64 KiB gets the server's bare 414, not the "
        "API's own error body",
    )
    serve.add_argument(
        "--state-file",
        type=Path,
        metavar="PATH",
        help="keep every API's state and the named snapshots in this SQLite file: restored on start if "
        "it exists, and written before every answer that changed something, so a write answered 2xx "
        "survives the server being killed; a JSON state file of an earlier version is migrated in place "
        "(the JSON kept as PATH.bak, or PATH.json.bak for a name not ending in .json); a file that is not "
        "a state file of the APIs served stops the start, untouched",
    )
    serve.add_argument(
        "--state-sync",
        choices=STATE_SYNC_MODES,
        default=_env_choice("LMS_SANDBOX_STATE_SYNC", STATE_SYNC_MODES, "normal"),
        help="with --state-file: 'normal' (default) survives the process being killed; 'always' also "
        "survives a power loss, with an fsync per write (slower)",
    )
    serve.add_argument(
        "--session-ttl",
        type=arguments.seconds,
        default=_DEFAULTS.session_ttl,
        metavar="SECONDS",
        help="a session (a request's X-Sandbox-Session header or /__session__/NAME/ path prefix: a "
        "state of its own, in memory) is forgotten once unused this long "
        f"(default {_DEFAULTS.session_ttl:g})",
    )
    serve.add_argument(
        "--session-limit",
        type=arguments.count,
        default=_DEFAULTS.session_limit,
        metavar="N",
        help="how many sessions may live at once; a request opening one more gets 503 until one "
        f"expires or is deleted (default {_DEFAULTS.session_limit}; 0: no sessions)",
    )
    _add_bounds(serve)
    serve.set_defaults(handler=_serve, error=serve.error)

    lint = commands.add_parser(
        "lint-specs",
        help="validate the OpenAPI specs",
        description="Validate every spec in specs/ with openapi-spec-validator and the house rules "
        "(operationId, summary, typed parameters, documented 401 on secured operations).",
    )
    lint.add_argument("folder", nargs="?", type=Path, help="folder of specs (default: the bundled specs)")
    lint.set_defaults(handler=_lint_specs)

    # Each configured by its runner's module, imported only when the command is parsed: both bring
    # Schemathesis, which serve must not pay for.
    commands.add_parser(
        "contract",
        help="verify an implementation of an API against its specs",
        configure="contracts.command:configure",
    )
    commands.add_parser(
        "fuzz",
        help="send bad input to every API through serve; fail on any answer >= 500 or server traceback",
        configure="contracts.fuzz.command:configure",
    )
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
        allow_webhook_hosts=tuple(args.allow_webhook_hosts),
        control_token=args.control_token,
        journal_secrets=args.journal_secrets,
        forwarded_allow_ips=tuple(ip.strip() for ip in args.forwarded_allow_ips.split(",") if ip.strip()),
        state_file=args.state_file,
        state_sync=args.state_sync,
        faults=tuple(args.faults),
        max_body_size=args.max_body_size,
        max_import_size=args.max_import_size,
        max_query_size=args.max_query_size,
        max_path_size=args.max_path_size,
        max_header_size=args.max_header_size,
        max_headers_size=args.max_headers_size,
        session_ttl=args.session_ttl,
        session_limit=args.session_limit,
    )


def _serve(args: argparse.Namespace) -> int:
    # No collection while the start makes what lives as long as the process (serve turns it back on).
    gc.disable()
    from .server import serve

    if args.require_control_token and args.control_token is None:
        raise SystemExit(_NO_TOKEN)
    if args.root and len(args.apis or ()) != 1:
        raise SystemExit("--root needs exactly one --api, e.g. --api apprentiscope --root")
    unserved = sorted({api for api, _ in args.webhooks} - set(args.apis or REGISTRY))
    if unserved:
        raise SystemExit(f"--webhook for {', '.join(unserved)}, which --api does not serve")
    _check_webhooks(args)
    serve(
        options_from_args(args), host=args.host, port=args.port, log_level=args.log_level, server=args.server
    )
    return 0


def _check_webhooks(args: argparse.Namespace) -> None:
    """Where each ``--webhook`` points, every ``--allow-webhook-host`` known: a usage error if refused."""
    from .webhook_targets import InvalidWebhookUrl, WebhookPolicy

    policy = WebhookPolicy.of(args.allow_webhook_hosts)
    for _api, url in args.webhooks:
        try:
            policy.check(url)
        except InvalidWebhookUrl as exc:
            args.error(f"argument --webhook: {exc}")


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
