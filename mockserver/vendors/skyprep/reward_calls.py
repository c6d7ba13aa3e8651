"""SkyPrep handlers of the gamification, skill, competency and manager-permission calls.

Like ``handlers``: one per call, serving its POST and its deprecated GET twin (``operations`` adds the
twins); the rules are in ``rewards`` and ``managers``.
"""

from __future__ import annotations

from typing import Any

from ...store import Record
from ..base import BoundHandlers
from ..operation import operation
from . import groups, managers, model, rewards
from .params import call_params

SUCCESS = {"message": "success"}


class RewardHandlers(BoundHandlers):
    """The reward and manager-permission handlers of one SkyPrep app, bound to its store."""

    def _user(self, params: dict[str, Any]) -> Record:
        # The doc's samples name the user by ``email`` for the balance reads, ``user_id`` elsewhere.
        email = params.get("user_email") or params.get("email")
        return model.find_user(self.data, params.get("user_id"), email)

    def _link(self, params: dict[str, Any]) -> Record:
        group = groups.find_group(self.data, params.get("user_group_id"))
        return managers.find_link(self.data, self._user(params), group)

    # gamification
    @operation("get_user_gamification_balance")
    def get_user_gamification_balance(self, body: Any = None, **query: Any) -> dict[str, int]:
        user = self._user(call_params(body, query))
        return {"gamification_balance": rewards.gamification_balance(self.data, user)}

    @operation("create_gamification_transaction")
    def create_gamification_transaction(self, body: Any = None, **query: Any) -> Record:
        params = call_params(body, query)
        made = rewards.create_gamification_transaction(self.data, self._user(params), params)
        return rewards.gamification_answer(self.data, made)

    # skills and competencies
    @operation("get_skills")
    def get_skills(self, body: Any = None, **query: Any) -> list[Record]:
        return [rewards.skill_answer(self.data, s) for s in rewards.list_skills(self.data)]

    @operation("get_skill")
    def get_skill(self, body: Any = None, **query: Any) -> Record:
        skill = rewards.find_skill(self.data, call_params(body, query).get("skill_id"))
        return rewards.skill_detail(self.data, skill)

    @operation("get_user_skill_balances_and_competencies")
    def get_user_skill_balances_and_competencies(self, body: Any = None, **query: Any) -> Record:
        return rewards.user_rewards(self.data, self._user(call_params(body, query)))

    @operation("create_skill_transaction")
    def create_skill_transaction(self, body: Any = None, **query: Any) -> list[Record]:
        params = call_params(body, query)
        user = self._user(params)
        rewards.create_skill_transaction(self.data, user, params)
        return rewards.skill_balances(self.data, user)

    @operation("get_competencies")
    def get_competencies(self, body: Any = None, **query: Any) -> list[Record]:
        return [rewards.competency_answer(self.data, c) for c in rewards.list_competencies(self.data)]

    @operation("get_competency")
    def get_competency(self, body: Any = None, **query: Any) -> Record:
        found = rewards.find_competency(self.data, call_params(body, query).get("competency_id"))
        return rewards.competency_detail(self.data, found)

    # manager permissions
    @operation("get_manager_permissions_from_user_group")
    def get_manager_permissions_from_user_group(self, body: Any = None, **query: Any) -> Record:
        return managers.answer(self.data, self._link(call_params(body, query)))

    @operation("assign_manager_to_user_group")
    def assign_manager_to_user_group(self, body: Any = None, **query: Any) -> Record:
        params = call_params(body, query)
        group = groups.find_group(self.data, params.get("user_group_id"))
        made = managers.assign(self.data, self._user(params), group, params)
        return managers.answer(self.data, made)

    @operation("update_manager_permissions_in_user_group")
    def update_manager_permissions_in_user_group(self, body: Any = None, **query: Any) -> Record:
        params = call_params(body, query)
        return managers.answer(self.data, managers.update(self.data, self._link(params), params))

    @operation("remove_manager_from_user_group")
    def remove_manager_from_user_group(self, body: Any = None, **query: Any) -> dict[str, str]:
        managers.remove(self.data, self._link(call_params(body, query)))
        return dict(SUCCESS)
