"""Every runnable example of the README and the docs, run against a real server (127.0.0.1, port 0).

One test per page: its blocks run in page order against one server per test module, reset before the
page, so a failure names the page and line of the block. The convention is in ``tests/doc_examples.py``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from mockserver.app import create_app
from mockserver.cli import build_parser, options_from_args
from mockserver.server import LiveServer

from .conftest import DOWNSTREAM_INI
from .doc_examples import (
    BadFence,
    Block,
    ExampleFailed,
    address,
    blocks,
    module_source,
    run_python,
    run_shell,
    unexpected_statuses,
)
from .docsgen import ROOT, doc_pages


def _runs_something(page: Path) -> bool:
    try:
        return any(b.runs for b in blocks(page.read_text(), str(page)))
    except BadFence:
        return True  # the page's test says what is wrong with it


PAGES = [page for page in doc_pages() if _runs_something(page)]


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """``serve``'s app with its default options (the environment's left out), on Granian as ``serve`` runs."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("LMS_SANDBOX_")]:
            patch.delenv(name)
        options = options_from_args(build_parser().parse_args(["serve"]))
    app = create_app(options)
    with LiveServer(app, server="granian") as server:
        yield server.url


@pytest.fixture
def keep_modules() -> Iterator[dict[str, ModuleType]]:
    """Modules a page's examples imported, kept past ``pytester``'s teardown (ask for this fixture before
    ``pytester``, so it is torn down after it). ``pytester`` restores ``sys.modules`` as it found it;
    a module first imported meanwhile (a lazy import of the served app, of a Python block) would be
    imported again by later tests as a second copy, beside the objects made from the first (two
    ``ABORT`` keys, two exception classes): a drop fault in another module's test then went unseen.
    The test puts in the dict what ``sys.modules`` holds when its examples are done."""
    kept: dict[str, ModuleType] = {}
    yield kept
    for name, module in kept.items():
        sys.modules.setdefault(name, module)


def reset(url: str) -> None:
    """What one page may leave behind, gone: data and seed, faults, clock, journal, snapshots, webhooks."""
    with httpx.Client(base_url=f"{url}/__sandbox__", timeout=30) as control:
        control.post("/reset", json={"seed": 0}).raise_for_status()
        for snapshot in control.get("/snapshots").json()["snapshots"]:
            control.delete(f"/snapshots/{snapshot['name']}").raise_for_status()
        for api in control.get("/webhooks").json():
            control.delete(f"/webhooks/{api}").raise_for_status()
        control.delete("/clock").raise_for_status()


def run_page(page_blocks: list[Block], url: str, cwd: Path, pytester: pytest.Pytester) -> None:
    modules: list[Block] = []
    for block in page_blocks:
        if not block.runs:
            continue
        if block.is_test_module:
            modules.append(block)
            pytester.path.joinpath(str(block.title)).write_text(module_source(block, url))
        elif block.lang == "python":
            run_python(block, url)
        else:
            run_shell(block, url, cwd)
    if modules:
        pytester.makeini(DOWNSTREAM_INI)  # as strict as a downstream project's: warnings are errors
    for block in modules:
        result = pytester.runpytest_inprocess(str(block.title), "-p", "no:cacheprovider", "-q")
        outcomes = result.parseoutcomes()
        if result.ret != 0 or set(outcomes) - {"passed"} or not outcomes.get("passed"):
            raise ExampleFailed(
                f"{block.where}: test module {block.title} did not pass ({outcomes})\n"
                + "\n".join(result.outlines[-60:])
            )


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_example_of_the_page_runs(
    page: Path, served: str, keep_modules: dict[str, ModuleType], pytester: pytest.Pytester
) -> None:
    reset(served)
    try:
        run_page(blocks(page.read_text(), str(page.relative_to(ROOT))), served, pytester.path, pytester)
    finally:
        keep_modules.update(sys.modules)


# --- the harness itself: a broken example must fail, naming its page and line ----------------------


def _one(text: str) -> Block:
    (block,) = blocks(text, "docs/page.md")
    return block


def test_a_shell_block_that_exits_non_zero_fails_naming_its_line(served: str, tmp_path: Path) -> None:
    block = _one("# Page\n\n```bash\ntrue\nfalse\necho never\n```\n")
    with pytest.raises(ExampleFailed, match=r"^docs/page\.md:4: bash block exited 1"):
        run_shell(block, served, tmp_path)


def test_a_curl_answer_the_block_does_not_mention_fails(served: str, tmp_path: Path) -> None:
    call = (
        "curl -s -H 'Authorization: sandbox-apprentiscope-token' "
        "http://127.0.0.1:8000/apprentiscope/read-user/nope"
    )
    with pytest.raises(
        ExampleFailed, match=r"does not mention: \['404 GET http://127\.0\.0\.1:\d+/apprentiscope/"
    ):
        run_shell(_one(f"```bash\n{call}\n```\n"), served, tmp_path)
    run_shell(_one(f"```bash\n{call}   # 404\n```\n"), served, tmp_path)  # a refusal it shows


def test_a_status_counts_as_mentioned_only_as_a_number_of_its_own() -> None:
    # A port or an id that holds the digits (34046, 14042) is no mention of a 404: the CI run that drew
    # port 34046 once let an unmentioned 404 pass.
    answer = "curl-status: 404 GET http://127.0.0.1:34046/apprentiscope/read-user/14042\n"
    block = "curl -s http://127.0.0.1:34046/apprentiscope/read-user/14042"

    assert unexpected_statuses(block, answer) == [
        "404 GET http://127.0.0.1:34046/apprentiscope/read-user/14042"
    ]
    assert unexpected_statuses(block + "  # 404", answer) == []


def test_a_python_block_that_raises_fails_and_one_may_await(served: str) -> None:
    with pytest.raises(ExampleFailed, match=r"^docs/page\.md:2: python block raised ZeroDivisionError"):
        run_python(_one("```python\n1 / 0\n```\n"), served)
    awaiting = (
        "import httpx\n"
        "async with httpx.AsyncClient() as c:\n"
        "    assert (await c.get('http://localhost:8000/__sandbox__/health')).status_code == 200\n"
    )
    run_python(_one(f"```python\n{awaiting}```\n"), served)


@pytest.mark.parametrize(
    "body",
    [
        'assert apprentiscope_sandbox.factory.occupation()["id"] == "nope"',
        'pytest.skip("an example that tests nothing")',
        'import warnings; warnings.warn("deprecated", DeprecationWarning)',
    ],
    ids=["fails", "skips", "warns"],
)
def test_a_test_module_that_does_not_pass_fails_the_page(
    body: str, served: str, keep_modules: dict[str, ModuleType], pytester: pytest.Pytester
) -> None:
    page = (
        '```python title="test_broken.py"\n'
        f"import pytest\n\ndef test_it(apprentiscope_sandbox):\n    {body}\n```\n"
    )
    with pytest.raises(ExampleFailed, match=r"^docs/page\.md:2: test module test_broken\.py did not pass"):
        run_page(blocks(page, "docs/page.md"), served, pytester.path, pytester)
    keep_modules.update(sys.modules)


def test_no_run_skips_a_block_and_needs_a_reason() -> None:
    assert not _one("<!-- no-run: needs Docker -->\n```bash\ndocker run x\n```\n").runs
    assert _one("<!-- no-run: needs Docker -->\n```bash\ndocker run x\n```\n").no_run == "needs Docker"
    with pytest.raises(BadFence, match="needs its reason"):
        blocks("<!-- no-run -->\n```bash\ndocker run x\n```\n", "docs/page.md")
    with pytest.raises(BadFence, match="a fence needs a language"):
        blocks("```\nwhat is this\n```\n", "docs/page.md")
    assert not _one("```yaml\napi: apprentiscope\n```\n").runs


def test_the_documented_address_becomes_the_servers() -> None:
    code = "curl http://127.0.0.1:8000/a localhost:8000/b 'http://localhost:8000/c' http://127.0.0.1:80001"
    assert address(code, "http://127.0.0.1:5555") == (
        "curl http://127.0.0.1:5555/a 127.0.0.1:5555/b 'http://127.0.0.1:5555/c' http://127.0.0.1:80001"
    )
