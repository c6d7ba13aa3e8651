"""Operations bound once: Connexion's decorators, built once per operation, answer as Connexion's do."""

from __future__ import annotations

import pytest
from connexion.decorators.parameter import pythonic, sanitized
from connexion.frameworks.starlette import Starlette

from mockserver._connexion import _NAMES_KEPT, _NamesKept

NAMES = ["PageSize", "pageNumber", "user_id", "id", "type", "filter[name]", "2fa", "from", "X-Version", ""]


@pytest.mark.parametrize("pythonic_params", [True, False])
def test_kept_names_are_connexions_names(pythonic_params: bool) -> None:
    decorator = _NamesKept(framework=Starlette, pythonic_params=pythonic_params)
    plain = pythonic if pythonic_params else sanitized
    for _ in range(2):
        assert [decorator.sanitize_fn(name) for name in NAMES] == [plain(name) for name in NAMES]


def test_the_names_kept_are_bounded() -> None:
    decorator = _NamesKept(framework=Starlette, pythonic_params=True)
    for n in range(_NAMES_KEPT + 100):
        decorator.sanitize_fn(f"clientName{n}")
    assert decorator.sanitize_fn.cache_info().currsize == _NAMES_KEPT
