"""lms-sandbox contracts: verify an implementation of the vendor APIs against the specs.

The contract runner (Schemathesis suites, Hypothesis workflow models, ``lms-sandbox contract``)
is built on this package; today the specs are exercised by the sandbox's own test suite.
"""

from __future__ import annotations

__all__: list[str] = []
