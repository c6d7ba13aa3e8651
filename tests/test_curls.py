"""Copy as curl's pure function (mockserver/curls.py): each command is run by a real ``bash`` in which
``curl`` is a shell function writing the words it was given (and its standard input) to files, so a test
reads exactly what curl would have received: no server, no network."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.curls import Call, curl_command, guess_type, without_credentials
from mockserver.vendors import REGISTRY
from mockserver.vendors.credentials import (
    Field,
    KeyScheme,
    LoginScheme,
    Refusal,
    SignedScheme,
    header,
    json_field,
    query,
)

REFUSED = Refusal(401, "no")
KEY = "a signing key of 32 bytes or more, as RFC 7518 asks"
KEYS = KeyScheme(
    fields=(Field("key", (json_field("key"), query("key"))), Field("account", (query("account"),))),
    defaults=({"key": "k-1", "account": "a 1"},),
    missing=REFUSED,
    invalid=REFUSED,
)
SIGNED = SignedScheme(fields=(), defaults=({"key": KEY, "subject": "ann"},), missing=REFUSED, invalid=REFUSED)
LOGIN = LoginScheme(
    fields=(Field("api_key", (header("x-key"),)),),
    login_fields=("user",),
    defaults=({"api_key": "k", "user": "ann"},),
    missing=REFUSED,
    invalid=REFUSED,
    login_path="/login",
    login_body={"name": "user"},
)
URL = "http://127.0.0.1:9/api/things"
# A stand-in curl: its words, NUL-separated, one file per call; its standard input; and for a login
# (a call to /login) the answer in $ANSWER.
FAKE_CURL = r"""
curl() {
  n=1; while [ -e "$OUT/words.$n" ]; do n=$((n + 1)); done
  printf '%s\0' "$@" > "$OUT/words.$n"
  cat > "$OUT/stdin.$n"
  case "$*" in *"/login"*) printf '%s' "$ANSWER" ;; esac
}
"""


def _run(command: str, tmp_path: Path, answer: str = "") -> list[tuple[list[str], bytes]]:
    """Each curl call ``command`` makes: its words after ``curl`` and what it read from stdin."""
    env = {"OUT": str(tmp_path), "ANSWER": answer, "PATH": "/usr/bin:/bin"}
    ran = subprocess.run(["bash", "-c", FAKE_CURL + command], env=env, capture_output=True, timeout=30)
    assert ran.returncode == 0, ran.stderr
    calls = sorted(tmp_path.glob("words.*"), key=lambda p: int(p.suffix[1:]))
    return [
        ([w.decode() for w in p.read_bytes().split(b"\0")[:-1]], (tmp_path / f"stdin{p.suffix}").read_bytes())
        for p in calls
    ]


def _option(words: list[str], flag: str) -> list[str]:
    return [words[i + 1] for i, word in enumerate(words) if word == flag]


TRICKY = [
    "it's \"quoted\" 'twice'",
    "line one\nline two\r\n\ttabbed",
    "Zoë, Łódź, 東京, emoji 🎉",
    "$HOME `id` $(id) \\ \\n %s %% !",
    "'",
    "",
]


@pytest.mark.parametrize("text", TRICKY)
def test_a_body_reaches_curl_byte_for_byte(text: str, tmp_path: Path) -> None:
    body = json.dumps({"name": text}, ensure_ascii=False)
    command = curl_command(
        KEYS, None, Call("POST", URL, body, "application/json"), api_url=URL, now=0
    ).command

    [(words, _)] = _run(command, tmp_path)

    assert _option(words, "--data-binary") == [body]
    assert words[-1] == URL
    assert "\n" not in command or "\n" in text  # one line unless the body has one


@given(st.text(max_size=40))
def test_any_text_body_reaches_curl_unchanged(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    tmp = tmp_path_factory.mktemp("fuzz")
    command = curl_command(KEYS, None, Call("PUT", URL, text, "text/plain"), api_url=URL, now=0).command

    [(words, stdin)] = _run(command, tmp)

    if "\0" in text:  # no shell word holds a NUL: the body comes on standard input
        assert (_option(words, "--data-binary"), stdin) == (["@-"], text.encode())
    else:
        assert _option(words, "--data-binary") == ([text] if text else [])


def test_a_body_that_is_not_utf8_is_piped_in_byte_for_byte(tmp_path: Path) -> None:
    body = bytes(range(256))
    command = curl_command(
        KEYS, None, Call("POST", URL, body, "application/octet-stream"), api_url=URL, now=0
    )

    [(words, stdin)] = _run(command.command, tmp_path)

    assert _option(words, "--data-binary") == ["@-"]
    assert stdin == body


def test_keys_join_the_calls_json_body_and_query_as_the_scheme_sends_them(tmp_path: Path) -> None:
    call = Call("POST", f"{URL}?page=2", '{"name": "x", "key": "mine"}', "application/json")
    command = curl_command(KEYS, KEYS.defaults[0], call, api_url=URL, now=0, session="s 1")

    [(words, _)] = _run(command.command, tmp_path)

    # The call's own "key" is kept (as a client's own value is); the account goes in the query.
    assert json.loads(_option(words, "--data-binary")[0]) == {"name": "x", "key": "mine"}
    assert words[-1] == f"{URL}?page=2&account=a+1"
    assert "X-Sandbox-Session: s 1" in _option(words, "-H")
    assert command.expires_in is None


def test_keys_go_in_the_query_of_a_call_without_body(tmp_path: Path) -> None:
    command = curl_command(KEYS, KEYS.defaults[0], Call("GET", URL), api_url=URL, now=0).command

    [(words, _)] = _run(command, tmp_path)

    assert words[-1] == f"{URL}?key=k-1&account=a+1"
    assert "-X" not in words


def test_a_signed_token_is_dated_by_the_clock_given(tmp_path: Path) -> None:
    made = curl_command(SIGNED, SIGNED.defaults[0], Call("GET", URL), api_url=URL, now=1_700_000_000)

    [(words, _)] = _run(made.command, tmp_path)

    [authorization] = [h for h in _option(words, "-H") if h.startswith("Authorization: ")]
    scheme, token = authorization.removeprefix("Authorization: ").split(" ")
    claims = jwt.decode(token, KEY, algorithms=["HS256"])
    assert scheme == "Bearer"
    assert (claims["sub"], claims["iat"]) == ("ann", 1_700_000_000)
    assert made.expires_in == SIGNED.max_age
    assert "single-use" in made.note


@pytest.mark.parametrize(
    "answer", ['"tok.en-1/2+=="', '{"token": "tok.en-1/2+==", "user": 3}', '{"access_token":"tok.en-1/2+=="}']
)
def test_the_login_snippet_carries_the_answered_token_to_the_call(answer: str, tmp_path: Path) -> None:
    made = curl_command(
        LOGIN, LOGIN.defaults[0], Call("GET", URL), api_url="http://127.0.0.1:9/api", now=0, session="s"
    )

    login, call = _run(made.command, tmp_path, answer)

    assert login[0][-1] == "http://127.0.0.1:9/api/login"
    assert json.loads(_option(login[0], "--data-binary")[0]) == {"name": "ann"}
    assert "-f" in login[0]
    assert call[0][-1] == URL
    for words in (login[0], call[0]):
        assert {"x-key: k", "X-Sandbox-Session: s"} <= {
            h.replace("x-sandbox-session", "X-Sandbox-Session") for h in _option(words, "-H")
        }
    assert "Authorization: Bearer tok.en-1/2+==" in _option(call[0], "-H")


def test_a_refused_login_stops_the_snippet_before_the_call(tmp_path: Path) -> None:
    made = curl_command(LOGIN, LOGIN.defaults[0], Call("GET", URL), api_url="http://127.0.0.1:9/api", now=0)

    env = {"OUT": str(tmp_path), "ANSWER": '{"message": "denied"}', "PATH": "/usr/bin:/bin"}
    ran = subprocess.run(["bash", "-c", FAKE_CURL + made.command], env=env, capture_output=True, timeout=30)

    assert ran.returncode != 0
    assert [p.name for p in tmp_path.glob("words.*")] == ["words.1"]


def test_a_journals_redacted_credentials_give_way_to_the_credentials_own() -> None:
    form_scheme = KeyScheme(
        fields=(Field("key", (json_field("key"), query("key"))),),
        defaults=({"key": "k"},),
        missing=REFUSED,
        invalid=REFUSED,
    )
    redacted = "[redacted]"

    query_, body = without_credentials(
        form_scheme, f"key={redacted}&page=2", f'{{"key": "{redacted}", "n": 1}}', "application/json"
    )

    assert (query_, json.loads(body)) == ("page=2", {"n": 1})
    assert without_credentials(form_scheme, "page=2", "key=x", "text/plain") == ("page=2", "key=x")


def test_a_body_without_content_type_is_json_when_it_looks_like_it() -> None:
    assert [guess_type(b) for b in ('{"a": 1}', " [1]", "a=1&b=2")] == [
        "application/json",
        "application/json",
        "application/x-www-form-urlencoded",
    ]


def test_a_head_call_asks_curl_for_the_head_only(tmp_path: Path) -> None:
    [(words, _)] = _run(curl_command(KEYS, None, Call("HEAD", URL), api_url=URL, now=0).command, tmp_path)

    assert "-I" in words
    assert "-X" not in words


@pytest.mark.parametrize(
    ("api", "call", "status"),
    [
        ("no-such-api", {}, 404),
        ("skyprep", {"method": "FETCH", "path": "/skyprep/admin/api/get_users"}, 400),
        ("skyprep", {"path": "/absorb/users"}, 400),
        ("skyprep", {"path": "/skyprepx/admin/api/get_users"}, 400),
        ("skyprep", {"path": "https://example.com/skyprep/"}, 400),
        ("skyprep", {"path": "/skyprep/admin/api/get_users?api_key=1"}, 400),
        ("skyprep", {"path": "/skyprep/admin/api/get_users\r\nX-Injected: 1"}, 400),
        ("skyprep", {"path": "/skyprep/x", "content_type": "text/plain\nX-Injected: 1"}, 400),
        ("skyprep", {"path": "/skyprep/x", "query": "a=1\r\nX-Injected: 1"}, 400),
        ("skyprep", {"method": "POST", "path": "/skyprep/admin/api/create_user", "body": "{not json"}, 400),
        ("skyprep", {"path": "/skyprep/x", "unknown": 1}, 400),
    ],
)
def test_a_call_that_is_not_the_apis_is_a_problem(
    client: httpx.Client, api: str, call: dict[str, Any], status: int
) -> None:
    answer = client.post(f"/__sandbox__/apis/{api}/curl", json=call)

    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["status"] == status


def test_the_dashboard_renders_no_command_and_fetches_each_fresh(client: httpx.Client) -> None:
    page = client.get("/__sandbox__/", headers={"Accept": "text/html"}).text
    script = client.get("/__sandbox__/dashboard.js").text

    for name in REGISTRY:
        assert f'<div class="curl" data-api="{name}">' in page
    # A signed token cannot be rendered into the page: every command comes from the control plane.
    assert "curl -sS" not in page
    assert "/curl`" in script


def test_a_call_journaled_under_a_session_path_is_reproduced_there(client: httpx.Client) -> None:
    api = "apprentiscope"
    under = "/__session__/curl-path"
    token = REGISTRY[api].credentials.defaults[0]["token"]
    assert client.get(f"{under}/{api}/read-occupations", headers={"Authorization": token}).status_code == 200
    entry = client.get(f"{under}/__sandbox__/journal").json()["entries"][-1]

    answer = client.post(f"{under}/__sandbox__/apis/{api}/curl", json={"path": entry["path"]})
    client.delete("/__sandbox__/sessions/curl-path")

    assert answer.status_code == 200, answer.text
    assert answer.json()["command"].endswith(f" http://sandbox{under}/{api}/read-occupations")
