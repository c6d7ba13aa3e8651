"""Connexion's validators, each schema compiled once per app instead of once per request.

Connexion builds a new jsonschema validator for every parameter, request body and response it checks;
building one (its reference resolver above all) costs more than the validation itself. The classes
made by ``validator_map`` are Connexion's own, with the same schemas, the same jsonschema validator
classes and so the same error messages: they only keep each compiled validator for the app's life.
They go through Connexion's extension point, the ``validator_map`` of the app.

A schema is keyed by its identity: Connexion hands the validators the very dicts of the loaded
document, which live as long as the app. The cache holds each schema beside its validator, so an
identity can never be reused for another schema while it is cached.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from connexion.datastructures import MediaTypeDict
from connexion.utils import is_null, is_nullable
from connexion.validators import (
    FormDataValidator,
    JSONRequestBodyValidator,
    JSONResponseBodyValidator,
    MultiPartFormDataValidator,
    ParameterValidator,
    TextResponseBodyValidator,
)
from jsonschema import Draft4Validator  # type: ignore[import-untyped]

__all__ = ["Compiled", "validator_map"]

# A compiled jsonschema validator (jsonschema ships no type stubs here).
Validator = Any


class Compiled:
    """One app's compiled validators: (kind, schema identity) -> (schema, validator)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int], tuple[Any, Validator]] = {}

    def get(self, kind: str, schema: Any, build: Callable[[], Validator]) -> Validator:
        key = (kind, id(schema))
        hit = self._cache.get(key)
        if hit is None or hit[0] is not schema:
            hit = (schema, build())
            self._cache[key] = hit
        return hit[1]

    def __len__(self) -> int:
        return len(self._cache)


def validator_map(parameter_base: type[ParameterValidator] = ParameterValidator) -> dict[str, Any]:
    """A ``validator_map`` for one Connexion app whose validators share one ``Compiled`` cache.

    ``parameter_base`` is the parameter validator to speed up (a subclass of Connexion's whose
    ``validate_parameter`` words errors its own way keeps that wording: only the schema check is
    replaced, by the same check on a compiled validator).
    """
    compiled = Compiled()

    class Parameters(parameter_base):  # type: ignore[misc]
        def validate_parameter(
            self, parameter_type: str, value: Any, param: dict[str, Any], param_name: str | None = None
        ) -> str | None:
            if value is not None and not (is_nullable(param) and is_null(value)):
                validator = compiled.get(
                    "parameter",
                    param,
                    lambda: Draft4Validator(
                        copy.deepcopy(param.get("schema", param)),
                        format_checker=Draft4Validator.FORMAT_CHECKER,
                    ),
                )
                if validator.is_valid(value):
                    return None
            # Absent, null or invalid: the base validator answers, in its own words.
            error: str | None = super().validate_parameter(parameter_type, value, param, param_name)
            return error

    class JSONBody(JSONRequestBodyValidator):  # type: ignore[misc]
        @property
        def _validator(self) -> Validator:
            schema = self._schema
            return compiled.get("body", schema, lambda: JSONRequestBodyValidator._validator.fget(self))

    class FormBody(FormDataValidator):  # type: ignore[misc]
        @property
        def _validator(self) -> Validator:
            schema = self._schema
            return compiled.get("form", schema, lambda: FormDataValidator._validator.fget(self))

    class MultiPartBody(MultiPartFormDataValidator):  # type: ignore[misc]
        @property
        def _validator(self) -> Validator:
            schema = self._schema
            return compiled.get("multipart", schema, lambda: MultiPartFormDataValidator._validator.fget(self))

    class JSONResponse(JSONResponseBodyValidator):  # type: ignore[misc]
        @property
        def validator(self) -> Validator:
            schema = self._schema
            return compiled.get("response", schema, lambda: JSONResponseBodyValidator.validator.fget(self))

    return {
        "parameter": Parameters,
        "body": MediaTypeDict(
            {
                "*/*json": JSONBody,
                "application/x-www-form-urlencoded": FormBody,
                "multipart/form-data": MultiPartBody,
            }
        ),
        "response": MediaTypeDict({"*/*json": JSONResponse, "text/plain": TextResponseBodyValidator}),
    }
