"""DfE's Track Progress rules in the workflow model (``DfeWorkflow`` mixes them in).

Track Progress only takes writes: progress for an apprenticeship no real one can be (planned in 1995)
is not found, and a planned start date not on the 1st of a month is refused.
"""

from __future__ import annotations

import httpx
from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from .base import Workflow, writes_allowed

# The Track Progress document is served at the API's root.
PROGRESS_API = ""
KSB = {"id": "5a5e3f0c-2f5b-4a0e-9b0e-3f7a1c2d4e5f", "value": 40}


class TrackProgressRules(Workflow):
    """The refusals Track Progress documents for its one write operation."""

    def _progress(self, uln: int, start: str) -> httpx.Response:
        return self.call(
            "POST",
            f"/apprenticeships/{uln}/{start}/progress",
            base_path=PROGRESS_API,
            headers={"X-Version": "1"},
            json={"progress": {"ksbs": [KSB]}},
        )

    def track_progress_refuses_what_it_must(self) -> None:
        # Once per example (where writes are allowed), so a short run still reaches the write operation.
        if writes_allowed(self):
            self.progress_for_an_unknown_apprenticeship_is_not_found(1_000_000_000, 1)
            self.a_start_date_not_on_the_first_is_refused(1_000_000_000, 15)

    @precondition(writes_allowed)
    @rule(uln=st.integers(min_value=1_000_000_000, max_value=9_999_999_999), month=st.integers(1, 12))
    def progress_for_an_unknown_apprenticeship_is_not_found(self, uln: int, month: int) -> None:
        # A planned start in 1995 predates the service: no real apprenticeship can have it.
        response = self._progress(uln, f"1995-{month:02d}-01")
        self.expect_status(
            response, 404, "addApprenticeshipProgress", "progress for an unknown apprenticeship"
        )

    @precondition(writes_allowed)
    @rule(uln=st.integers(min_value=1_000_000_000, max_value=9_999_999_999), day=st.integers(2, 28))
    def a_start_date_not_on_the_first_is_refused(self, uln: int, day: int) -> None:
        response = self._progress(uln, f"2025-09-{day:02d}")
        self.expect_status(
            response, 400, "addApprenticeshipProgress", "a planned start date not on the 1st of a month"
        )
