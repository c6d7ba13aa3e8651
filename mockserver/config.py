"""The config file: ``lms-sandbox.toml``, or the ``[tool.lms-sandbox]`` table of a ``pyproject.toml``.

Found in a folder in this order, the first that exists winning: ``lms-sandbox.toml`` (its top-level
keys), then ``pyproject.toml`` when it has a ``[tool.lms-sandbox]`` table. A file named explicitly
(``serve --config PATH``, ``LMS_SANDBOX_CONFIG``, the plugin's ``--sandbox-config``) is read the same
way by its name: a ``pyproject.toml``'s table, else the whole file. The keys are ``serve``'s settings
(``mockserver.settings``), checked there.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import SettingError

FILE_NAME = "lms-sandbox.toml"
PYPROJECT = "pyproject.toml"
SECTION = "lms-sandbox"
CONFIG_ENV = "LMS_SANDBOX_CONFIG"


@dataclass(frozen=True, slots=True)
class ConfigFile:
    """A config file's settings table, as read (not yet checked against the settings)."""

    path: Path
    values: Mapping[str, Any]

    @property
    def name(self) -> str:
        """How messages and ``--print-config`` name it: the path, and the table in a pyproject.toml."""
        return f"{self.path} [tool.{SECTION}]" if self.path.name == PYPROJECT else str(self.path)

    @property
    def folder(self) -> Path:
        """What relative paths in it are relative to."""
        return self.path.parent


def _parse(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as stream:
            return tomllib.load(stream)
    except FileNotFoundError:
        raise SettingError(f"config file {path} not found") from None
    except IsADirectoryError:
        raise SettingError(f"config file {path} is a folder, not a file") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise SettingError(f"{path}: not valid TOML: not UTF-8 text") from None


def _section(document: dict[str, Any]) -> dict[str, Any] | None:
    tool = document.get("tool")
    section = tool.get(SECTION) if isinstance(tool, dict) else None
    return section if isinstance(section, dict) else None


def read_config(path: Path) -> ConfigFile:
    """The settings of the file at ``path``: a pyproject.toml's ``[tool.lms-sandbox]``, else all of it."""
    path = path.expanduser().absolute()
    document = _parse(path)
    if path.name == PYPROJECT:
        section = _section(document)
        if section is None:
            raise SettingError(f"{path} has no [tool.{SECTION}] table")
        return ConfigFile(path, section)
    return ConfigFile(path, document)


def find_config(folder: Path) -> ConfigFile | None:
    """The config file of ``folder``: its ``lms-sandbox.toml``, else its ``pyproject.toml``'s
    ``[tool.lms-sandbox]``; None when it has neither."""
    own = folder / FILE_NAME
    if own.is_file():
        return read_config(own)
    pyproject = folder / PYPROJECT
    if pyproject.is_file():
        section = _section(_parse(pyproject))
        if section is not None:
            return ConfigFile(pyproject.absolute(), section)
    return None
