"""A plain Absorb Integration API v2 client, written from Absorb's documentation, for nothing but a base URL.

As Absorb's docs describe it: ``POST /authenticate`` with ``{username, password, privateKey}``
answers the token as a JSON string; every call sends ``x-api-key`` (the private key),
``x-api-version: 2`` and the token in ``Authorization``; a token lasts 4 hours, so a 401 means
authenticate again. Lists are paged with ``_limit`` and ``_offset`` (a page index) in an envelope
``{totalItems, returnedItems, limit, offset, <collection>}``. Nothing here knows the sandbox: point
``base_url`` at ``https://rest.myabsorb.com`` and it is a real client.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import httpx


class AbsorbError(Exception):
    """An answer Absorb refused, with its error body ``{validations, code, message, term, _meta}``."""

    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        try:
            self.body: Any = response.json()
        except ValueError:
            self.body = response.text
        super().__init__(f"{response.request.method} {response.request.url.path}: {self.status} {self.body}")


class AbsorbClient:
    """Absorb Integration API v2 for one administrator account."""

    def __init__(
        self,
        base_url: str,
        *,
        username: str,
        password: str,
        private_key: str,
        page_size: int = 100,
        timeout: float = 10.0,
    ) -> None:
        self.page_size = page_size  # _limit: at most 1000
        self._credentials = {"username": username, "password": password, "privateKey": private_key}
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            headers={"x-api-key": private_key, "x-api-version": "2", "Accept": "application/json"},
        )
        self._token: str | None = None

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AbsorbClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # authentication

    def authenticate(self) -> str:
        """A new token (which revokes the account's previous one)."""
        response = self._http.post("/authenticate", json=self._credentials)
        if response.status_code != 200:
            raise AbsorbError(response)
        self._token = str(response.json())
        return self._token

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        if self._token is None:
            self.authenticate()
        for attempt in (1, 2):
            response = self._http.request(method, path, headers={"Authorization": str(self._token)}, **kwargs)
            if response.status_code == 401 and attempt == 1:
                self.authenticate()  # expired or revoked: Absorb's docs say to authenticate again
                continue
            if response.status_code >= 400:
                raise AbsorbError(response)
            return response.json() if response.content else None
        raise AssertionError("unreachable")

    def _pages(self, path: str, key: str, params: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
        """Every item of a paged list, one page (``_offset`` is a page index) after the other."""
        offset = 0
        while True:
            page = self._request("GET", path, params={**params, "_limit": self.page_size, "_offset": offset})
            yield from page[key]
            if page["returnedItems"] < page["limit"] or (offset + 1) * page["limit"] >= page["totalItems"]:
                return
            offset += 1

    # users

    def users(self, *, filter: str | None = None, sort: str | None = None) -> Iterator[dict[str, Any]]:
        params = {k: v for k, v in {"_filter": filter, "_sort": sort}.items() if v is not None}
        return self._pages("/users", "users", params)

    def user(self, user_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self._request("GET", f"/users/{user_id}")
        return found

    def upload_users(self, users: Sequence[Mapping[str, Any]]) -> dict[str, str]:
        """Create or update users by username, at most 200 a call: username -> id."""
        done: dict[str, str] = {}
        for start in range(0, len(users), 200):
            answer = self._request("POST", "/users/upload", json=list(users[start : start + 200]))
            done.update({pair["value"]: pair["key"] for pair in answer})
        return done

    # enrollments, lessons, attempts

    def enrollments(self, user_id: str, *, filter: str | None = None) -> Iterator[dict[str, Any]]:
        params = {"_filter": filter} if filter else {}
        return self._pages(f"/users/{user_id}/enrollments", "enrollments", params)

    def lessons(self, user_id: str, course_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._request(
            "GET", f"/users/{user_id}/enrollments/{course_id}/lessons"
        )
        return found

    def attempts(self, user_id: str, course_id: str, lesson_id: str) -> list[dict[str, Any]]:
        path = f"/users/{user_id}/enrollments/{course_id}/lessons/{lesson_id}/attempts"
        answer = self._request("GET", path, params={"_limit": 1000})
        # Absorb clients accept an array or {"attempts": [...]}.
        found: list[dict[str, Any]] = answer["attempts"] if isinstance(answer, dict) else answer
        return found

    def start_attempt(self, user_id: str, course_id: str, lesson_id: str) -> str:
        path = f"/users/{user_id}/enrollments/{course_id}/lessons/{lesson_id}/attempts"
        return str(self._request("POST", path)["attemptId"])
