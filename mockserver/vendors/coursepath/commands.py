"""``lms-sandbox token coursepath --email X``: a fresh JWT for curl, signed as the sandbox verifies it."""

from __future__ import annotations

import argparse

from ..credentials import SignedScheme
from ..descriptor import Vendor


def configure_token(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--email", help="the member the calls act for (default: the admin member)")
    parser.add_argument("--key", help="the academy's API key (default: the sandbox's)")


def run_token(args: argparse.Namespace, vendor: Vendor) -> int:
    scheme = vendor.credentials
    assert isinstance(scheme, SignedScheme)
    default = scheme.defaults[0]
    credential = {
        scheme.key_field: args.key or default[scheme.key_field],
        scheme.subject_field: args.email or default[scheme.subject_field],
    }
    # Single use and valid for a couple of minutes: mint one per curl call.
    print(scheme.sign(credential))
    return 0
