"""The settings of ``serve``: one table that knows each setting's flag, environment variable, config key
and type, so the command line, the environment and the config file cannot drift apart.

The table is filled as ``serve``'s options are declared (``Settings.add`` wraps ``add_argument``): the
config key is the option's ``dest``, which is the ``SandboxOptions`` field's name where the setting is
one (``tests/test_config.py`` checks every field has its setting). Each value is read from, in order of
precedence: the command line, the environment, the config file (``mockserver.config``), the default.
"""

from __future__ import annotations

import argparse
import difflib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .arguments import parse_bool
from .errors import SettingError

PRECEDENCE = "command line > environment > config file > defaults"


@dataclass(frozen=True, slots=True)
class Setting:
    """One ``serve`` setting.

    ``kind``: ``bool``, ``int``, ``text`` (a value the flag's type function reads from text: a size, a
    fault) or ``path``; ``repeat``: a list (a repeatable flag); ``keyed``: its items are ``API=VALUE``,
    and a file may give them as a table; ``comma``: one text holding a comma-separated list.
    """

    key: str
    flags: tuple[str, ...]
    env: str | None
    default: Any
    kind: str
    convert: Callable[[str], Any] | None
    choices: tuple[str, ...] | None = None
    repeat: bool = False
    keyed: bool = False
    comma: bool = False
    secret: bool = False

    @property
    def expected(self) -> str:
        """What a config file must give, for error messages and the docs."""
        one = {"bool": "true or false", "int": "an integer", "path": "a path (text)"}.get(self.kind, "text")
        if self.choices:
            one = "one of " + ", ".join(repr(c) for c in self.choices)
        if self.keyed:
            return "a table of API = VALUE (or a list of 'API=VALUE' texts)"
        if self.repeat:
            return f"a list, each {one}"
        if self.comma:
            return "a list of texts (or one comma-separated text)"
        return one

    def from_text(self, text: str) -> Any:
        """One value (an item, for a list) as the flag reads it; ValueError saying what is wrong."""
        if self.choices is not None and text not in self.choices:
            raise ValueError(f"{text!r} is not one of {', '.join(self.choices)}")
        if self.convert is None:
            return text
        try:
            return self.convert(text)
        except (argparse.ArgumentTypeError, ValueError, TypeError) as exc:
            message = str(exc) if isinstance(exc, argparse.ArgumentTypeError) else f"invalid value {text!r}"
            raise ValueError(message) from None

    def from_env(self, raw: str) -> Any:
        if self.kind == "bool":
            return parse_bool(raw)
        if self.repeat:
            return [self.from_text(item.strip()) for item in raw.split(",") if item.strip()]
        # A choice is read in any case from the environment (LMS_SANDBOX_SERVER=Uvicorn).
        return self.from_text(raw.strip().lower() if self.choices else raw.strip())

    def from_file(self, raw: Any, folder: Path) -> Any:
        """A config file's value, checked and converted to what the flag gives; relative paths are
        resolved against ``folder`` (the file's)."""
        if self.keyed:
            return [self.from_text(item) for item in _keyed_items(raw, self.expected)]
        if self.repeat:
            items = raw if isinstance(raw, list) else None
            if items is None:
                raise ValueError(f"expected {self.expected}, got {_shown(raw)}")
            return [self._scalar(item, folder) for item in items]
        if self.comma:
            if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
                return ",".join(raw)
            if isinstance(raw, str):
                return raw
            raise ValueError(f"expected {self.expected}, got {_shown(raw)}")
        return self._scalar(raw, folder)

    def _scalar(self, raw: Any, folder: Path) -> Any:
        if self.kind == "bool":
            if isinstance(raw, bool):
                return raw
        elif self.kind == "int":
            if isinstance(raw, int) and not isinstance(raw, bool):
                return raw
        elif self.kind == "path":
            if isinstance(raw, str) and raw:
                return folder / Path(raw).expanduser()
        elif isinstance(raw, str) and raw.strip():
            return self.from_text(raw)
        elif isinstance(raw, int | float) and not isinstance(raw, bool) and self.convert is not None:
            # A number where the flag reads one from text (a size, a number of seconds).
            return self.from_text(str(raw))
        one = self.expected.removeprefix("a list, each ")
        shown = "an empty text" if isinstance(raw, str) and not raw.strip() else _shown(raw)
        raise ValueError(f"expected {one}, got {shown}")

    def to_toml(self, value: Any) -> str | None:
        """``value`` as a TOML value (None: it has none, e.g. an unset path)."""
        if value is None:
            return None
        if isinstance(value, list | tuple):
            return "[" + ", ".join(_toml_scalar(self._text(item)) for item in value) + "]"
        return _toml_scalar(self._text(value))

    def _text(self, value: Any) -> Any:
        if isinstance(value, tuple):  # an API=VALUE pair, as the flag's type returns it
            return "=".join(value)
        if isinstance(value, Path):
            return str(value.absolute())
        return value


def _toml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    # A JSON string is a TOML basic string (the same escapes).
    return json.dumps(str(value), ensure_ascii=False)


def _shown(raw: Any) -> str:
    kind = {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a table",
    }
    return f"{kind.get(type(raw), type(raw).__name__)} ({raw!r})"


def _keyed_items(raw: Any, expected: str) -> list[str]:
    """``API=VALUE`` texts from a list of them, or a table of API = VALUE (a text, a table of field =
    value for a credential of several fields, or a list of either)."""
    if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        return list(raw)
    if not isinstance(raw, dict):
        raise ValueError(f"expected {expected}, got {_shown(raw)}")
    items = []
    for api, values in raw.items():
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
                value = ",".join(f"{field}={v}" for field, v in value.items())
            if not isinstance(value, str):
                raise ValueError(f"{api}: expected text (or a table of field = text), got {_shown(value)}")
            items.append(f"{api}={value}")
    return items


@dataclass(frozen=True, slots=True)
class Resolved:
    """The effective settings: each key's value and where it came from."""

    values: dict[str, Any]
    sources: dict[str, str]


class Settings:
    """The table of one command's settings, filled as its options are declared."""

    def __init__(self) -> None:
        self._table: dict[str, Setting] = {}

    def __iter__(self) -> Any:
        return iter(self._table.values())

    def __getitem__(self, key: str) -> Setting:
        return self._table[key]

    def names(self) -> list[str]:
        return list(self._table)

    def add(
        self,
        parser: argparse.ArgumentParser,
        *flags: str,
        env: str | None = None,
        keyed: bool = False,
        comma: bool = False,
        secret: bool = False,
        **kwargs: Any,
    ) -> argparse.Action:
        """``parser.add_argument(*flags, **kwargs)``, noted as a setting; its default is applied after
        the command line is read (``resolve``), under the environment's and the config file's values."""
        kind_of = {"store_true": "bool", "store_false": "bool"}
        action_name = kwargs.get("action", "store")
        convert = kwargs.get("type")
        default = kwargs.pop("default", False if action_name == "store_true" else None)
        if action_name == "store_false":
            default = True
        if action_name == "append" and default is None:
            default = []
        action = parser.add_argument(*flags, default=argparse.SUPPRESS, **kwargs)
        if convert is int:
            kind = "int"
        elif convert is Path:
            kind = "path"
        else:
            kind = kind_of.get(action_name, "text")
        choices = kwargs.get("choices")
        self._table[action.dest] = Setting(
            key=action.dest,
            flags=tuple(action.option_strings),
            env=env,
            default=default,
            kind=kind,
            convert=None if convert in (None, str) else convert,
            choices=tuple(choices) if choices is not None else None,
            repeat=action_name == "append",
            keyed=keyed,
            comma=comma,
            secret=secret,
        )
        return action

    def check_file(self, values: Mapping[str, Any], source: str, folder: Path) -> dict[str, Any]:
        """A config file's table, every key known and every value of its type, converted."""
        checked = {}
        for key, raw in values.items():
            setting = self._table.get(key)
            if setting is None:
                close = difflib.get_close_matches(key.replace("-", "_"), self._table, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise SettingError(
                    f"{source}: unknown key {key!r}{hint}; the keys are: {', '.join(sorted(self._table))}"
                )
            try:
                checked[key] = setting.from_file(raw, folder)
            except ValueError as exc:
                raise SettingError(f"{source}: {key}: {exc}") from None
        return checked

    def resolve(
        self, given: Mapping[str, Any], environ: Mapping[str, str], file: Mapping[str, Any], file_name: str
    ) -> Resolved:
        """Each setting's value: ``given`` (the command line), else the environment (an empty variable
        counts as unset), else ``file`` (checked), else the default."""
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        for key, setting in self._table.items():
            raw = environ.get(setting.env, "") if setting.env else ""
            if key in given:
                values[key], sources[key] = given[key], "command line"
            elif raw.strip():
                try:
                    values[key] = setting.from_env(raw)
                except ValueError as exc:
                    raise SettingError(f"{setting.env}: {exc}") from None
                sources[key] = f"environment {setting.env}"
            elif key in file:
                values[key], sources[key] = file[key], file_name
            else:
                default = setting.default
                values[key], sources[key] = (
                    (list(default) if isinstance(default, list) else default),
                    "default",
                )
        return Resolved(values, sources)

    def environment(self) -> list[str]:
        """The environment variables read, in declaration order."""
        return [s.env for s in self._table.values() if s.env]

    def render(self, resolved: Resolved, header: Sequence[str] = ()) -> str:
        """The effective settings as TOML, each with where it came from as a comment."""
        lines = [f"# {line}" for line in header]
        for key, setting in self._table.items():
            value, source = resolved.values[key], resolved.sources[key]
            if setting.secret and value is not None:
                lines.append(f"# {key} is set ({source}; not shown)")
                continue
            text = setting.to_toml(value)
            if text is None:
                lines.append(f"# {key} is not set  ({source})")
            else:
                lines.append(f"{key} = {text}  # {source}")
        return "\n".join(lines) + "\n"
