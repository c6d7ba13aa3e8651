"""Track Apprenticeship Progress handlers: one per operationId of specs/dfe-track-progress.yaml."""

from __future__ import annotations

from typing import Any

from ..base import BoundHandlers
from ..operation import operation
from . import progress

Reply = tuple[Any, int]


class ProgressHandlers(BoundHandlers):
    """The Track Progress handlers of one DfE app, bound to its store."""

    @operation("addApprenticeshipProgress")
    def add_apprenticeship_progress(self, uln: int, planned_start_date: str, body: dict[str, Any]) -> Reply:
        ksbs = (body.get("progress") or {}).get("ksbs")
        record = progress.record_progress(self.data, uln, planned_start_date, ksbs)
        return {"progressId": record["progressId"]}, 201
