"""The ``lms-sandbox`` command: serve the sandbox, lint the specs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .arguments import env_bool
from .errors import SandboxError, SettingError
from .serve_command import complete, options_from_args
from .serve_command import configure as configure_serve
from .settings import Settings
from .vendors import REGISTRY, get_vendor, load, vendor_names

__all__ = ["build_parser", "env_bool", "main", "options_from_args"]


class _CommandParser(argparse.ArgumentParser):
    """A command's parser; with ``configure`` ("module:function"), that function adds its options
    the first time the command is parsed. With ``settings`` (serve's), what the command line leaves
    unset is filled from the environment, the config file and the defaults once it is read."""

    settings: Settings | None = None

    def __init__(self, *args: Any, configure: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._configure = configure

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        if self._configure is not None:
            configure, self._configure = self._configure, None
            load(configure)(self)
        parsed, rest = super().parse_known_args(args, namespace)
        if self.settings is not None:
            try:
                complete(self.settings, parsed)
            except SettingError as exc:
                self.error(str(exc))
        return parsed, rest


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

    serve = commands.add_parser("serve", help="serve the sandbox over HTTP")
    serve.settings = configure_serve(serve)

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
    commands.add_parser(
        "coverage",
        help="the consumer coverage of a running serve (operations, statuses, parameters exercised)",
        configure="mockserver.coverage_command:configure",
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
