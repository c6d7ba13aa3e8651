"""The ways a vendor's credential edge (``mockserver.vendors.edge``) refuses a request, for coverage.

One status stands for several situations (a 401 for a missing token, an expired one and one a newer
login revoked), and a client should be tested against each: the edge notes the cause of every refusal
(``counters.REFUSED``), and the coverage report (``mockserver.coverage``) lists the causes no test met. The
causes here are the edge's, read from the vendor's descriptor: its credential scheme, rate limit and
required headers.
"""

from __future__ import annotations

from ..coverage import RefusalCase
from .base import VendorContext
from .credentials import CredentialScheme, LoginScheme, SignedScheme
from .edge import header_values


def _duration(seconds: float) -> str:
    return f"{seconds / 3600:g} h" if seconds >= 3600 else f"{seconds:g} s"


def _keys(scheme: CredentialScheme) -> list[RefusalCase]:
    if not scheme.fields:
        return []
    names = " and ".join(f.sources[0].name for f in scheme.fields)
    return [
        RefusalCase("credential-missing", scheme.missing.status, f"a request without {names}"),
        RefusalCase("credential-wrong", scheme.invalid.status, f"a wrong {names}"),
    ]


def _login(scheme: LoginScheme) -> list[RefusalCase]:
    status = scheme.token_invalid.status
    cases = [
        RefusalCase("token-missing", scheme.token_missing.status, "a call without its login token"),
        RefusalCase(
            "token-expired", status, f"a token that had expired (a token lasts {_duration(scheme.lifetime)})"
        ),
    ]
    if scheme.revoke_previous:
        cases.append(RefusalCase("token-revoked", status, "a token a newer login had revoked"))
    return [*cases, RefusalCase("token-unknown", status, "a token the API never issued")]


def _signed(scheme: SignedScheme, knows_subjects: bool) -> list[RefusalCase]:
    status = scheme.invalid.status
    cases = [
        RefusalCase("token-missing", scheme.missing.status, "a call without a token"),
        RefusalCase("token-malformed", status, f"a token that is not a whole {scheme.algorithm} JWT"),
        RefusalCase("token-signature", status, "a token signed with another key"),
        RefusalCase("token-stale", status, f"a token issued more than {_duration(scheme.max_age)} before"),
        RefusalCase("token-future", status, "a token issued ahead of the API's clock"),
        RefusalCase("token-replayed", status, f"a token sent twice (the same {scheme.unique_claim})"),
    ]
    if knows_subjects:
        cases.append(
            RefusalCase("subject-unknown", status, f"a token whose {scheme.subject_claim} names nobody")
        )
    return cases


def refusal_cases(ctx: VendorContext) -> tuple[RefusalCase, ...]:
    """Every way the edge in front of ``ctx``'s vendor refuses a request, in the order it checks."""
    vendor = ctx.vendor
    scheme = vendor.credentials
    cases = _keys(scheme)
    if isinstance(scheme, LoginScheme):
        cases += _login(scheme)
    elif isinstance(scheme, SignedScheme):
        cases += _signed(scheme, vendor.known_subject is not None)
    limit = vendor.rate_limit
    if limit is not None:
        in_force = limit.in_force(ctx.options.rate_limits.get(vendor.name))
        cases.append(RefusalCase("rate-limited", limit.status, f"its rate limit ({in_force})"))
    for header in vendor.required_headers:
        name, status = header.name, header.status
        cases.append(RefusalCase(f"header-missing:{name}", status, f"a call without {name}"))
        if header.values or any(header_values(ctx.index, base, name) for base in ctx.index.documents):
            cases.append(RefusalCase(f"header-unknown:{name}", status, f"a value of {name} it does not take"))
    return tuple(cases)


__all__ = ["refusal_cases"]
