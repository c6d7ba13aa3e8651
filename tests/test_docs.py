"""The README and the docs site: short README, links that resolve, fences that follow the examples'
convention, generated parts up to date, every page in the nav."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import yaml

from .doc_examples import BadFence, blocks
from .docsgen import ROOT, doc_pages, regenerate, regions

README_MAX_LINES = 200
PAGES = doc_pages()
IDS = [str(page.relative_to(ROOT)) for page in PAGES]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
SNIPPET = re.compile(r'^--8<-- "(?P<path>[^"]+)"$', re.M)


def prose(text: str, spans: bool = False) -> str:
    """``text`` without its fenced blocks, where a link is no link, and its code spans (or, with
    ``spans``, their backticks only)."""
    kept, fence = [], ""
    for line in text.split("\n"):
        opening = re.match(r"^\s*(`{3,}|~{3,})", line)
        if opening and (not fence or opening.group(1).startswith(fence)):
            fence = "" if fence else opening.group(1)
            continue
        if not fence:
            kept.append(line.replace("`", "") if spans else re.sub(r"`+[^`]*`+", "", line))
    return "\n".join(kept)


def slug(heading: str) -> str:
    """A heading's anchor, as Python-Markdown's ``toc`` makes it (MkDocs' default)."""
    text = re.sub(r"<[^>]+>", "", heading)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def anchors(page: Path) -> set[str]:
    text = page.read_text()
    for included in SNIPPET.finditer(text):
        text += "\n" + (ROOT / included.group("path")).read_text()
    headings = re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", prose(text, spans=True), re.M)
    return {slug(h) for h in headings}


def broken_links(page: Path) -> list[str]:
    broken = []
    for link in LINK.finditer(prose(page.read_text())):
        target = link.group("target")
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue  # http:, https:, mailto:: not ours to check
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no file {file}")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{target}: {file.name} has no heading #{anchor}")
    return broken


def test_the_readme_is_short() -> None:
    lines = (ROOT / "README.md").read_text().count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail into docs/"


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_every_relative_link_resolves(page: Path) -> None:
    assert broken_links(page) == []


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_every_fence_says_what_it_holds(page: Path) -> None:
    try:
        blocks(page.read_text(), str(page.relative_to(ROOT)))
    except BadFence as error:
        pytest.fail(str(error))


@pytest.mark.parametrize("page", [p for p in PAGES if regions(p.read_text())], ids=lambda p: p.name)
def test_generated_parts_are_up_to_date(page: Path) -> None:
    text = page.read_text()
    fresh = regions(regenerate(text))
    stale = [name for name, body in regions(text).items() if fresh[name] != body]
    assert stale == [], f"{page.name}: stale {stale}; run .venv/bin/python -m tests.docsgen"


def _nav_files(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [f for item in node for f in _nav_files(item)]
    if isinstance(node, dict):
        return [f for value in node.values() for f in _nav_files(value)]
    return []


def test_every_page_is_in_the_nav() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    nav = _nav_files(config["nav"])
    pages = sorted(str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md"))
    assert sorted(nav) == pages


# --- the checks themselves -----------------------------------------------------------------------


def test_a_link_to_a_missing_file_or_heading_is_found(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other\n\n## A part: `x`\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n[ok](other.md#a-part-x) [own](#page) [web](https://example.com/x.md)\n"
        "[gone](missing.md) [no heading](other.md#nope) `[code](missing.md)`\n"
        "```text\n[in a listing](missing.md)\n```\n"
    )
    assert [b.split(":")[0] for b in broken_links(page)] == ["missing.md", "other.md#nope"]


def test_a_stale_generated_part_is_found() -> None:
    fresh = regenerate("<!-- generated: operations:apprentiscope -->\n<!-- /generated -->")
    stale = fresh.replace("`createUser`", "`makeUser`")
    assert regions(regenerate(stale)) != regions(stale)
    assert regions(regenerate(fresh)) == regions(fresh)


def test_make_shell_opens_a_shell_with_the_cli_on_path() -> None:
    """``make shell``, as the docs tell a user to run it: ``lms-sandbox`` by name, from this virtualenv."""
    venv = Path(sys.prefix)
    if shutil.which("make") is None or not (venv / ".installed").exists():
        pytest.skip("needs make and a virtualenv made by the Makefile (make test makes one)")
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MAKELEVEL", "MFLAGS"}}
    env["SHELL"] = "/bin/sh"
    done = subprocess.run(
        ["make", "-s", "-C", str(ROOT), f"VENV={venv}", "shell"],
        input='command -v lms-sandbox; echo "venv=$VIRTUAL_ENV"\n',
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"{venv}/bin/lms-sandbox" in done.stdout.split("\n")
    assert f"venv={venv}" in done.stdout
