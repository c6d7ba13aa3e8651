"""``lms-sandbox serve``: its settings (flags, environment, config file), the options they make, the run."""

from __future__ import annotations

import argparse
import dataclasses
import functools
import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import arguments
from .config import CONFIG_ENV, FILE_NAME, PYPROJECT, SECTION, ConfigFile, find_config, read_config
from .errors import SettingError
from .options import DEFAULT_SERVER, SERVER_ENV, SERVERS, STATE_SYNC_MODES, SandboxOptions
from .settings import PRECEDENCE, Resolved, Settings
from .vendors import REGISTRY

if TYPE_CHECKING:
    from .accesslog import LogSettings

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
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
LOG_FORMATS = ("text", "json")
# The log levels at which the access log writes (its lines are info, as the servers' own were).
_ACCESS_LEVELS = ("info", "debug")

DESCRIPTION = (
    "Serve every API (or those named with --api) on one port, each under its prefix, with its Swagger UI, "
    "plus the control plane under /__sandbox__. It listens first and builds the APIs right after: a "
    "request meanwhile waits for its API; GET /__sandbox__/health answers 503 (starting, with the APIs "
    "still building) until every API is ready, then 200. Stop with Ctrl-C."
)


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


def _limited() -> list[tuple[str, Any]]:
    return [(name, vendor) for name, vendor in REGISTRY.items() if vendor.rate_limit is not None]


def _add_bounds(add: Any) -> None:
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
        add(
            flag,
            type=arguments.size,
            default=default,
            metavar="SIZE",
            dest=field,
            help=f"{text} (default {format_size(default)}; bytes, or e.g. 512k, 2MiB, 1MB)",
        )


def _add_serving(add: Any) -> None:
    """Where and how it listens, and what it logs."""
    add(
        "--host",
        env="LMS_SANDBOX_HOST",
        default="127.0.0.1",
        help="address to bind (default 127.0.0.1). Any other address exposes the sandbox: the control "
        "plane then needs a token (see --control-token) and the banner warns; use 0.0.0.0 only on a "
        "network you trust",
    )
    add(
        "--port",
        env="LMS_SANDBOX_PORT",
        type=int,
        default=8000,
        help="port to bind; 0 picks a free one (default 8000)",
    )
    add(
        "--control-token",
        env=CONTROL_TOKEN_ENV,
        secret=True,
        metavar="TOKEN",
        help="every control-plane request (all but GET /__sandbox__/health) must carry this token, as "
        "Authorization: Bearer TOKEN or X-Sandbox-Token: TOKEN (a browser opens the dashboard once as "
        "/__sandbox__/?token=TOKEN and keeps it in a cookie); also on loopback. Without it, serve "
        "makes one up when --host is not a loopback address and prints it. Prefer the environment "
        "variable LMS_SANDBOX_CONTROL_TOKEN: a command line is visible to other users",
    )
    add(
        "--require-control-token",
        env=REQUIRE_TOKEN_ENV,
        action="store_true",
        help="refuse to start without a control token given (--control-token or "
        "LMS_SANDBOX_CONTROL_TOKEN) instead of making one up: where nobody reads the banner, as in a "
        "container (the Docker image sets LMS_SANDBOX_REQUIRE_CONTROL_TOKEN=true)",
    )
    add(
        "--server",
        env=SERVER_ENV,
        choices=SERVERS,
        default=DEFAULT_SERVER,
        help="the HTTP server: granian (default; its HTTP I/O runs in Rust threads beside the Python "
        "thread that runs the APIs, so two cores work) or uvicorn (all in one Python thread; the "
        "fallback). On granian a request target over 64 KiB gets the server's bare 414, not the "
        "API's own error body",
    )
    add(
        "--log-level",
        env="LMS_SANDBOX_LOG_LEVEL",
        choices=LOG_LEVELS,
        default="info",
        help="the log level (default info); at warning and above, no access lines either",
    )
    add(
        "--log-format",
        env="LMS_SANDBOX_LOG_FORMAT",
        choices=LOG_FORMATS,
        default="text",
        help="the access log's lines: text (one compact line per request: method, path, status, API and "
        "operationId, time; coloured by status on a terminal unless NO_COLOR is set) or json (one JSON "
        "object per line, for CI). Default text",
    )
    add(
        "--no-access-log",
        env="LMS_SANDBOX_ACCESS_LOG",
        action="store_false",
        dest="access_log",
        help="print no line per request (also none at --log-level warning and above; the config key "
        "access_log = false; the environment LMS_SANDBOX_ACCESS_LOG=false)",
    )


def _add_data(add: Any, serve: argparse.ArgumentParser) -> None:
    """What it serves and seeds."""
    add(
        "--seed",
        env="LMS_SANDBOX_SEED",
        type=int,
        default=0,
        help="seed of the generated data: same seed, same data (default 0)",
    )
    arguments.add_api_option(serve, "serve", add)
    add(
        "--root",
        action="store_true",
        help="with exactly one --api, serve it at / instead of its prefix "
        "(for clients that cannot take a prefix)",
    )
    add(
        "--fixture",
        action="append",
        type=Path,
        dest="fixtures",
        metavar="FILE",
        help="scenario YAML to seed from instead of the API's default (repeatable; the file names its api)",
    )
    add(
        "--credential",
        action="append",
        type=arguments.credential,
        keyed=True,
        dest="credentials",
        metavar="API=VALUE",
        help="accept this credential for API instead of its default (repeatable): VALUE for a one-field "
        "scheme, else field=value,...; defaults: "
        + "; ".join(f"{n}={v.credentials.format(v.credentials.defaults[0])}" for n, v in REGISTRY.items()),
    )
    add(
        "--rate-limit",
        env="LMS_SANDBOX_RATE_LIMIT",
        action="append",
        type=arguments.rate_limit,
        keyed=True,
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
        add,
    )


def _add_traffic(add: Any) -> None:
    """Webhooks, proxies, the journal, validation and the state file."""
    add(
        "--webhook",
        action="append",
        type=arguments.webhook,
        keyed=True,
        metavar="API=URL",
        dest="webhooks",
        help=_webhook_help(),
    )
    add(
        "--allow-webhook-host",
        env="LMS_SANDBOX_ALLOW_WEBHOOK_HOSTS",
        action="append",
        metavar="HOST",
        dest="allow_webhook_hosts",
        help="let webhooks go to HOST (a name or an address, as in the URL) although it is link-local "
        "(169.254.0.0/16, fe80::/10) or a cloud metadata host (169.254.169.254, fd00:ec2::254, "
        "metadata.google.internal, ...), which are refused otherwise, also when a name resolves there "
        "(repeatable)",
    )
    add(
        "--forwarded-allow-ips",
        env="LMS_SANDBOX_FORWARDED_ALLOW_IPS",
        comma=True,
        default="",
        metavar="IPS",
        help="comma-separated proxy addresses or networks (e.g. 10.0.0.0/8), or *, whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed; from any other peer they are ignored, so "
        "per-client rate limits count the real peer (default: none; uvicorn's FORWARDED_ALLOW_IPS "
        "is not read)",
    )
    add(
        "--journal-size",
        env="LMS_SANDBOX_JOURNAL_SIZE",
        type=arguments.positive,
        default=_DEFAULTS.journal_size,
        metavar="N",
        help="how many requests the journal keeps, the oldest dropped first "
        f"(default {_DEFAULTS.journal_size})",
    )
    add(
        "--session-ttl",
        env="LMS_SANDBOX_SESSION_TTL",
        type=arguments.seconds,
        default=_DEFAULTS.session_ttl,
        metavar="SECONDS",
        help="a session (a request's X-Sandbox-Session header or /__session__/NAME/ path prefix: a "
        "state of its own, in memory) is forgotten once unused this long "
        f"(default {_DEFAULTS.session_ttl:g})",
    )
    add(
        "--session-limit",
        env="LMS_SANDBOX_SESSION_LIMIT",
        type=arguments.count,
        default=_DEFAULTS.session_limit,
        metavar="N",
        help="how many sessions may live at once; a request opening one more gets 503 until one "
        f"expires or is deleted (default {_DEFAULTS.session_limit}; 0: no sessions)",
    )
    add(
        "--open-sessions",
        env="LMS_SANDBOX_OPEN_SESSIONS",
        action="store_true",
        help="let any request open a new session although the control plane needs a token (exposed, "
        "or --control-token); by default the request opening one must carry the token too (a live "
        "session is used without it), so that nobody else can fill --session-limit",
    )
    add(
        "--journal-secrets",
        env="LMS_SANDBOX_JOURNAL_SECRETS",
        action="store_true",
        help="keep credentials' values in the request journal (for debugging); by default every token, "
        "key and password in query strings and JSON or form bodies (requests and answers) is recorded "
        "as [redacted], its name kept",
    )
    add(
        "--validate-responses",
        env="LMS_SANDBOX_VALIDATE_RESPONSES",
        action="store_true",
        help="validate every response against the spec; a violation answers 500 and is logged",
    )
    add(
        "--state-file",
        type=Path,
        metavar="PATH",
        help="keep every API's state and the named snapshots in this SQLite file: restored on start if "
        "it exists, and written before every answer that changed something, so a write answered 2xx "
        "survives the server being killed; a JSON state file of an earlier version is migrated in place "
        "(the JSON kept as PATH.bak, or PATH.json.bak for a name not ending in .json); a file that is not "
        "a state file of the APIs served stops the start, untouched",
    )
    add(
        "--state-sync",
        env="LMS_SANDBOX_STATE_SYNC",
        choices=STATE_SYNC_MODES,
        default="normal",
        help="with --state-file: 'normal' (default) survives the process being killed; 'always' also "
        "survives a power loss, with an fsync per write (slower)",
    )


def configure(serve: argparse.ArgumentParser) -> Settings:
    """Add ``serve``'s options to its parser; the table of its settings."""
    settings = Settings()
    add = functools.partial(settings.add, serve)
    serve.description = DESCRIPTION
    group = serve.add_argument_group("config file")
    group.add_argument(
        "--config",
        type=Path,
        metavar="PATH",
        help=f"read the settings from this TOML file (a {PYPROJECT}: its [tool.{SECTION}] table); "
        f"default: ./{FILE_NAME}, else ./{PYPROJECT}'s [tool.{SECTION}], the first found; also "
        f"{CONFIG_ENV}. Relative paths in the file are relative to its folder",
    )
    group.add_argument("--no-config", action="store_true", help="read no config file")
    group.add_argument(
        "--print-config",
        action="store_true",
        help="print the effective settings as TOML, each with where it came from, and exit",
    )
    _add_serving(add)
    _add_data(add, serve)
    _add_traffic(add)
    _add_bounds(add)
    irregular = [
        f"{s.flags[0]} is {s.key}"
        for s in settings
        if s.key != s.flags[0].removeprefix("--").replace("-", "_")
    ]
    serve.epilog = (
        "Every option is also a key of the config file: its name without '--', '-' as '_' "
        f"(e.g. validate_responses), except: {'; '.join(irregular)}; repeatable options take lists "
        f"(--print-config shows every key). Precedence: {PRECEDENCE}. "
        f"Environment: {', '.join(settings.environment())} (an empty variable counts as unset; lists "
        "comma-separated; booleans true/false)."
    )
    serve.set_defaults(handler=_serve, error=serve.error, settings=settings)
    return settings


def complete(settings: Settings, args: argparse.Namespace) -> None:
    """Fill ``args`` (the command line's values only) with the environment's, the config file's and the
    defaults, and note where each came from (``args.resolved``, ``args.config_file``)."""
    config: ConfigFile | None = None
    named = args.config or (Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV, "").strip() else None)
    if not args.no_config:
        config = read_config(named) if named is not None else find_config(Path.cwd())
    file = settings.check_file(config.values, config.name, config.folder) if config else {}
    given = {key: getattr(args, key) for key in settings.names() if hasattr(args, key)}
    resolved = settings.resolve(given, os.environ, file, config.name if config else "")
    for key, value in resolved.values.items():
        setattr(args, key, value)
    args.resolved = resolved
    args.config_file = config.name if config else None


# The options whose setting holds their value as it is (the others are converted below).
_AS_GIVEN = (
    *("seed", "root", "validate_responses", "control_token", "journal_size", "journal_secrets"),
    *("session_ttl", "session_limit", "open_sessions", "state_file", "state_sync", "max_body_size"),
    *("max_import_size", "max_query_size", "max_path_size", "max_header_size", "max_headers_size"),
)


def options_from_args(args: argparse.Namespace) -> SandboxOptions:
    credentials: dict[str, tuple[str | dict[str, str], ...]] = {}
    for api, value in args.credentials:
        credentials[api] = (*credentials.get(api, ()), value)
    webhooks: dict[str, tuple[str, ...]] = {}
    for api, url in args.webhooks:
        webhooks[api] = (*webhooks.get(api, ()), url)
    return SandboxOptions(
        **{name: getattr(args, name) for name in _AS_GIVEN},
        apis=tuple(args.apis or ()),
        fixtures=tuple(args.fixtures),
        credentials=credentials,
        rate_limits=dict(args.rate_limits),
        webhooks=webhooks,
        allow_webhook_hosts=tuple(args.allow_webhook_hosts),
        forwarded_allow_ips=tuple(ip.strip() for ip in args.forwarded_allow_ips.split(",") if ip.strip()),
        faults=tuple(args.faults),
    )


def file_options(config: ConfigFile, base: SandboxOptions) -> SandboxOptions:
    """``base`` with the sandbox options ``config`` sets (checked as ``serve`` checks them; the keys
    that are only ``serve``'s, such as host, port and the logs, are left out): the pytest plugin's."""
    settings = configure(argparse.ArgumentParser())
    given = settings.check_file(config.values, config.name, config.folder)
    resolved = settings.resolve({}, {}, given, config.name)
    options = options_from_args(argparse.Namespace(**resolved.values))
    fields = {f.name for f in dataclasses.fields(SandboxOptions)}
    return dataclasses.replace(base, **{key: getattr(options, key) for key in given if key in fields})


def print_config(args: argparse.Namespace) -> str:
    """The effective settings, as ``--print-config`` prints them."""
    resolved: Resolved = args.resolved
    source = args.config_file or ("none (--no-config)" if args.no_config else "none found")
    header = [
        "lms-sandbox serve: the effective settings, each with where it came from",
        f"precedence: {PRECEDENCE}",
        f"config file: {source}",
        "",
    ]
    return str(args.settings.render(resolved, header))


def log_settings(args: argparse.Namespace) -> LogSettings:
    """The access log ``args`` ask for. Its lines are info: ``--log-level warning`` and above quiet
    them too, as they quieted the servers' own access logs."""
    from .accesslog import LogSettings

    return LogSettings(access=args.access_log and args.log_level in _ACCESS_LEVELS, format=args.log_format)


def _serve(args: argparse.Namespace) -> int:
    if args.print_config:
        sys.stdout.write(print_config(args))
        return 0
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
    try:
        options = options_from_args(args)
    except ValueError as exc:  # a combination SandboxOptions refuses, from whichever source
        args.error(str(exc))
    serve(
        options,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        server=args.server,
        log=log_settings(args),
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


__all__ = [
    "SettingError",
    "complete",
    "configure",
    "file_options",
    "log_settings",
    "options_from_args",
    "print_config",
]
