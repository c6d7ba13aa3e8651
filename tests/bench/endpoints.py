"""The benchmarked requests: per vendor its main reads and writes, with ids found in the running sandbox.

Paths are relative to the vendor's document, so the same request goes to the sandbox (under the vendor's
prefix), to Prism (serving that document at its root) and to WireMock (the sandbox's full path).
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
import jwt

from tests.bench.load import Shape

APPRENTISCOPE = {"Authorization": "sandbox-apprentiscope-token"}
DFE = {"Ocp-Apim-Subscription-Key": "sandbox-subscription-key", "X-Version": "2"}
SKYPREP = {"api_key": "sandbox-skyprep-key", "acct_key": "sandbox.skyprepapp.com"}
# The keys as headers (one of SkyPrep's documented places): Prism checks the spec's security schemes, and a
# header scheme is the one it can see besides the query.
SKYPREP_HEADERS = {"X-SkyPrep-API-Key": SKYPREP["api_key"], "X-SkyPrep-Acct-Key": SKYPREP["acct_key"]}
ABSORB_KEY = "7c1f3a52-9e4b-4d6a-b8e1-2f5c0d9a6b34"
ABSORB_LOGIN = {"username": "sandbox.admin", "password": "Absorb-Admin-2", "privateKey": ABSORB_KEY}
COURSEPATH_KEY = "sandbox-coursepath-key"
COURSEPATH_EMAIL = "sandbox.admin@example.com"
JSON = {"Content-Type": "application/json"}

# The documented limits (DfE 150 per 5 minutes, SkyPrep 100 a minute) raised the way contract runs do.
RATE_LIMITS = {"dfe": "1000000/second", "skyprep": "1000000/second"}


@dataclass(frozen=True)
class Doc:
    """A vendor document: Prism serves ``spec`` at its root, the sandbox under ``mount``."""

    api: str
    spec: str
    mount: str


@dataclass(frozen=True)
class Endpoint:
    """One benchmarked request of one vendor document."""

    label: str
    doc: Doc
    shape: Shape
    kind: str = "one"  # "one" record or a "list" (P2's targets differ)
    ok: int = 200
    signed: bool = False  # a fresh single-use JWT per request
    creates: str = ""  # the collection each request adds a record to (checked after a sandbox run)

    @property
    def sandbox_path(self) -> str:
        return self.doc.mount + self.shape.path

    def sandbox_shape(self) -> Shape:
        return replace(self.shape, path=self.sandbox_path)


@dataclass
class Minter:
    """Fresh Coursepath tokens: HS256, ``email``, ``iat`` (wall clock, the sandbox default), ``jti``."""

    minted: int = 0
    clock: Callable[[], float] = field(default=time.time)

    def tokens(self, count: int) -> list[str]:
        now = int(self.clock())
        start, self.minted = self.minted, self.minted + count
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
            return [
                jwt.encode(
                    {"email": COURSEPATH_EMAIL, "iat": now, "jti": f"bench-{now}-{n}"},
                    COURSEPATH_KEY,
                    algorithm="HS256",
                )
                for n in range(start, start + count)
            ]


def _first(response: httpx.Response, *keys: str | int) -> str:
    """The first item's id in a list answer (or the value at ``keys``)."""
    if response.status_code != 200:
        raise RuntimeError(f"{response.request.url}: the sandbox answered {response.status_code}")
    data: Any = response.json()
    for key in keys:
        data = data[key]
    return str(data[0]["id"] if isinstance(data, list) else data)


def discover(client: httpx.Client, minter: Minter) -> list[Endpoint]:
    """Every benchmarked endpoint, with ids and tokens taken from the sandbox at ``client``'s base URL."""
    user = _first(client.get("/apprentiscope/read-users/apprentice", headers=APPRENTISCOPE))
    sky_user = _first(client.post("/skyprep/admin/api/get_users", json=SKYPREP))
    token = client.post("/absorb/authenticate", json=ABSORB_LOGIN, headers={"x-api-key": ABSORB_KEY}).json()
    absorb = {"x-api-key": ABSORB_KEY, "Authorization": token}
    absorb_user = _first(client.get("/absorb/users", headers=absorb), "users")
    bearer = {"Authorization": "Bearer " + minter.tokens(1)[0]}
    member = _first(client.get("/coursepath/api/v1/members", params={"limit": 1}, headers=bearer))
    adverts = client.get("/apprenticeships/vacancies/vacancy", params={"PageSize": 1}, headers=DFE)
    advert_ref = _first(adverts, "vacancies", 0, "vacancyReference")
    create_user = {
        "user": {
            "first_name": "Bench",
            "last_name": "User{n}",
            "email": "bench.{n}@bench.example",
            "user_type": "apprentice",
        }
    }
    near = "Lat=52.481&Lon=-1.8995&DistanceInMiles=50&Sort=DistanceAsc&PageSize=10"
    scope = Doc("apprentiscope", "apprentiscope.yaml", "/apprentiscope")
    dfe = Doc("dfe", "dfe-display-advert.yaml", "/apprenticeships/vacancies")
    sky = Doc("skyprep", "skyprep.yaml", "/skyprep/admin/api")
    absorb_doc = Doc("absorb", "absorb.yaml", "/absorb")
    course = Doc("coursepath", "coursepath.yaml", "/coursepath/api/v1")
    signed = {"token_header": "Authorization", "token_prefix": "Bearer "}
    return [
        Endpoint(
            "ApprentiScope GET /read-user/{id}",
            scope,
            shape=Shape("GET", f"/read-user/{user}", APPRENTISCOPE),
        ),
        Endpoint(
            "ApprentiScope GET /read-users/apprentice",
            scope,
            kind="list",
            shape=Shape("GET", "/read-users/apprentice", APPRENTISCOPE),
        ),
        Endpoint(
            "ApprentiScope POST /create-user",
            scope,
            ok=201,
            creates="users",
            shape=Shape("POST", "/create-user", {**APPRENTISCOPE, **JSON}, json.dumps(create_user)),
        ),
        Endpoint("DfE GET /vacancy/{ref}", dfe, shape=Shape("GET", f"/vacancy/{advert_ref}", DFE)),
        Endpoint(
            "DfE GET /vacancy (distance, 10 a page)",
            dfe,
            kind="list",
            shape=Shape("GET", f"/vacancy?{near}", DFE),
        ),
        Endpoint(
            "SkyPrep POST /get_user",
            sky,
            shape=Shape(
                "POST", "/get_user", {**SKYPREP_HEADERS, **JSON}, json.dumps({"user_id": int(sky_user)})
            ),
        ),
        Endpoint(
            "SkyPrep POST /create_user",
            sky,
            creates="users",
            shape=Shape(
                "POST",
                "/create_user",
                {**SKYPREP_HEADERS, **JSON},
                json.dumps({"email": "bench.{n}@bench.example", "first_name": "Bench"}),
            ),
        ),
        Endpoint("Absorb GET /users/{id}", absorb_doc, shape=Shape("GET", f"/users/{absorb_user}", absorb)),
        Endpoint(
            "Absorb PUT /users/{id}",
            absorb_doc,
            shape=Shape(
                "PUT", f"/users/{absorb_user}", {**absorb, **JSON}, json.dumps({"jobTitle": "Bench {n}"})
            ),
        ),
        Endpoint(
            "Coursepath GET /members/{id}",
            course,
            signed=True,
            shape=Shape("GET", f"/members/{member}", {}, **signed),
        ),
        Endpoint(
            "Coursepath POST /members/{id}",
            course,
            signed=True,
            shape=Shape("POST", f"/members/{member}", JSON, json.dumps({"company": "Bench {n}"}), **signed),
        ),
    ]
