"""SkyPrep handlers: one per call, serving both its POST operation and its deprecated GET twin.

``FoldParameters`` has already put every parameter where the spec validates it: a POST's JSON body or
a GET's query. A handler takes either and calls the model.
"""

from __future__ import annotations

from typing import Any

import connexion

from ...store import Record
from ..base import BoundHandlers, Handler, VendorContext
from ..operation import operation, operations_of
from . import catalog, courses, groups, model, paths, progress, report_calls, reward_calls, trainings
from .params import call_params as _params

SUCCESS = {"message": "success"}


def _base_url() -> str:
    """The URL the vendor is served at (the host's own, under its prefix), for links it hands out."""
    url = str(connexion.request.url)
    return url.split("/admin/api/", 1)[0]


class Handlers(BoundHandlers):
    """The handlers of one SkyPrep app, bound to its store."""

    def __init__(self, ctx: VendorContext) -> None:
        super().__init__(ctx)
        # available_api_calls answers the call names: the POST operations of the documents served.
        self.calls = [op.id for op in ctx.index.operations.values() if op.method == "POST"]

    def _user(self, params: dict[str, Any]) -> Record:
        return model.find_user(self.data, params.get("user_id"), params.get("user_email"))

    # connection
    @operation("test_connection")
    def test_connection(self, body: Any = None, **query: Any) -> dict[str, str]:
        return dict(SUCCESS)

    @operation("available_api_calls")
    def available_api_calls(self, body: Any = None, **query: Any) -> list[str]:
        return sorted(self.calls)

    # users
    @operation("get_users")
    def get_users(self, body: Any = None, **query: Any) -> list[Record]:
        return [model.public(u) for u in model.list_users(self.data)]

    @operation("get_user")
    def get_user(self, body: Any = None, **query: Any) -> Record:
        return model.public(self._user(_params(body, query)))

    @operation("create_user")
    def create_user(self, body: Any = None, **query: Any) -> Record:
        return model.public(model.create_user(self.data, _params(body, query)))

    @operation("update_user")
    def update_user(self, body: Any = None, **query: Any) -> Record:
        params = _params(body, query)
        return model.public(model.update_user(self.data, self._user(params), params))

    @operation("destroy_user")
    def destroy_user(self, body: Any = None, **query: Any) -> dict[str, str]:
        model.destroy_user(self.data, self._user(_params(body, query)))
        return dict(SUCCESS)

    @operation("get_user_courses")
    def get_user_courses(self, body: Any = None, **query: Any) -> list[Record]:
        user = self._user(_params(body, query))
        return [courses.answer(self.data, c) for c in courses.user_courses(self.data, user)]

    @operation("mass_enroll")
    def mass_enroll(self, body: Any = None, **query: Any) -> dict[str, str]:
        groups.mass_enroll(self.data, _params(body, query))
        return dict(SUCCESS)

    @operation("get_login_key")
    def get_login_key(self, body: Any = None, **query: Any) -> dict[str, str]:
        base = _base_url()
        return model.login_key(self.data, _params(body, query), base)

    # power users
    @operation("get_power_users")
    def get_power_users(self, body: Any = None, **query: Any) -> list[Record]:
        return [model.public(u) for u in model.list_users(self.data, power_only=True)]

    @operation("get_user_roles")
    def get_user_roles(self, body: Any = None, **query: Any) -> list[Record]:
        return [model.public(r) for r in self.data.collection(model.ROLES).values()]

    @operation("get_datasets")
    def get_datasets(self, body: Any = None, **query: Any) -> list[Record]:
        return [model.public(d) for d in self.data.collection(model.DATASETS).values()]

    @operation("create_or_update_power_users")
    def create_or_update_power_users(self, body: Any = None, **query: Any) -> list[Record]:
        return [model.public(u) for u in model.make_power_users(self.data, _params(body, query))]

    @operation("destroy_power_user")
    def destroy_power_user(self, body: Any = None, **query: Any) -> dict[str, str]:
        model.remove_power_user(self.data, self._user(_params(body, query)))
        return dict(SUCCESS)

    # courses
    @operation("get_courses")
    def get_courses(self, body: Any = None, **query: Any) -> list[Record]:
        return [courses.answer(self.data, c) for c in courses.list_courses(self.data)]

    @operation("get_course")
    def get_course(self, body: Any = None, **query: Any) -> Record:
        course = courses.find_course(self.data, _params(body, query).get("course_id"))
        return courses.answer(self.data, course)

    @operation("create_course")
    def create_course(self, body: Any = None, **query: Any) -> Record:
        return courses.answer(self.data, courses.create_course(self.data, _params(body, query)))

    @operation("update_course")
    def update_course(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        courses.update_course(self.data, courses.find_course(self.data, params.get("course_id")), params)
        return dict(SUCCESS)

    @operation("destroy_course")
    def destroy_course(self, body: Any = None, **query: Any) -> dict[str, str]:
        course = courses.find_course(self.data, _params(body, query).get("course_id"))
        courses.destroy_course(self.data, course)
        return dict(SUCCESS)

    @operation("enroll_user_in_course")
    def enroll_user_in_course(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        course = courses.find_course(self.data, params.get("course_id"))
        courses.enroll(self.data, self._user(params), course)
        return dict(SUCCESS)

    @operation("remove_user_from_course")
    def remove_user_from_course(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        course = courses.find_course(self.data, params.get("course_id"))
        courses.unenroll(self.data, self._user(params), course)
        return dict(SUCCESS)

    @operation("enroll_user_in_courses")
    def enroll_user_in_courses(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        courses.enroll_in_courses(self.data, self._user(params), params.get("course_ids"))
        return dict(SUCCESS)

    @operation("add_course_to_user_group")
    def add_course_to_user_group(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        group = groups.find_group(self.data, params.get("user_group_id"))
        groups.add_course(self.data, group, courses.find_course(self.data, params.get("course_id")))
        return dict(SUCCESS)

    @operation("get_user_course_status")
    def get_user_course_status(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        course = courses.find_course(self.data, params.get("course_id"))
        return {"status": courses.course_status(self.data, self._user(params), course)}

    @operation("get_course_otp")
    def get_course_otp(self, body: Any = None, **query: Any) -> list[str]:
        params = _params(body, query)
        course = courses.find_course(self.data, params.get("course_id"))
        return courses.make_otp_keys(self.data, course, int(params.get("count", 1)))

    # user groups
    @operation("get_user_groups")
    def get_user_groups(self, body: Any = None, **query: Any) -> list[Record]:
        return [groups.answer(self.data, g) for g in groups.list_groups(self.data)]

    @operation("get_user_group")
    def get_user_group(self, body: Any = None, **query: Any) -> Record:
        group = groups.find_group(self.data, _params(body, query).get("user_group_id"))
        return groups.answer(self.data, group)

    @operation("create_user_group")
    def create_user_group(self, body: Any = None, **query: Any) -> Record:
        return groups.answer(self.data, groups.create_group(self.data, _params(body, query)))

    @operation("update_user_group")
    def update_user_group(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        groups.update_group(self.data, groups.find_group(self.data, params.get("user_group_id")), params)
        return dict(SUCCESS)

    @operation("destroy_user_group")
    def destroy_user_group(self, body: Any = None, **query: Any) -> dict[str, str]:
        group = groups.find_group(self.data, _params(body, query).get("user_group_id"))
        groups.destroy_group(self.data, group)
        return dict(SUCCESS)

    @operation("enroll_user_in_user_group")
    def enroll_user_in_user_group(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        group = groups.find_group(self.data, params.get("user_group_id"))
        groups.add_member(self.data, group, self._user(params))
        return dict(SUCCESS)

    @operation("remove_user_from_user_group")
    def remove_user_from_user_group(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        group = groups.find_group(self.data, params.get("user_group_id"))
        groups.remove_member(self.data, group, self._user(params))
        return dict(SUCCESS)

    @operation("get_user_group_enrollments_for_user")
    def get_user_group_enrollments_for_user(self, body: Any = None, **query: Any) -> list[Record]:
        user = self._user(_params(body, query))
        return [groups.answer(self.data, g) for g in groups.groups_of_user(self.data, user)]

    # remove_course_from_course_group: the doc's second URL for the same call.
    @operation("remove_course_from_user_group", "remove_course_from_course_group")
    def remove_course_from_user_group(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        group = groups.find_group(self.data, params.get("user_group_id"))
        groups.remove_course(self.data, group, courses.find_course(self.data, params.get("course_id")))
        return dict(SUCCESS)

    # learning paths
    def _path(self, params: dict[str, Any]) -> Record:
        return paths.find_path(self.data, params.get("learning_path_id"))

    @operation("get_learning_paths")
    def get_learning_paths(self, body: Any = None, **query: Any) -> list[Record]:
        return [paths.answer(self.data, p) for p in paths.list_paths(self.data)]

    @operation("get_learning_path")
    def get_learning_path(self, body: Any = None, **query: Any) -> Record:
        return paths.answer(self.data, self._path(_params(body, query)))

    @operation("create_learning_path")
    def create_learning_path(self, body: Any = None, **query: Any) -> Record:
        return paths.answer(self.data, paths.create_path(self.data, _params(body, query)))

    @operation("update_learning_path")
    def update_learning_path(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        paths.update_path(self.data, self._path(params), params)
        return dict(SUCCESS)

    @operation("destroy_learning_path")
    def destroy_learning_path(self, body: Any = None, **query: Any) -> dict[str, str]:
        paths.destroy_path(self.data, self._path(_params(body, query)))
        return dict(SUCCESS)

    @operation("add_course_to_learning_path")
    def add_course_to_learning_path(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        path = self._path(params)
        paths.add_course(self.data, path, courses.find_course(self.data, params.get("course_id")))
        return dict(SUCCESS)

    @operation("remove_course_from_learning_path")
    def remove_course_from_learning_path(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        path = self._path(params)
        paths.remove_course(self.data, path, courses.find_course(self.data, params.get("course_id")))
        return dict(SUCCESS)

    @operation("add_group_to_learning_path")
    def add_group_to_learning_path(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        path = self._path(params)
        paths.add_group(self.data, path, groups.find_group(self.data, params.get("user_group_id")))
        return dict(SUCCESS)

    # remove_group_from_course_group: the doc's second URL for the same call.
    @operation("remove_group_from_learning_path", "remove_group_from_course_group")
    def remove_group_from_learning_path(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        path = self._path(params)
        paths.remove_group(self.data, path, groups.find_group(self.data, params.get("user_group_id")))
        return dict(SUCCESS)

    # catalog
    @operation("add_course_or_learning_path_to_catalog")
    def add_course_or_learning_path_to_catalog(self, body: Any = None, **query: Any) -> dict[str, str]:
        catalog.add_to_catalog(self.data, _params(body, query))
        return dict(SUCCESS)

    @operation("remove_course_or_learning_path_from_catalog")
    def remove_course_or_learning_path_from_catalog(self, body: Any = None, **query: Any) -> dict[str, str]:
        catalog.remove_from_catalog(self.data, _params(body, query))
        return dict(SUCCESS)

    @operation("update_catalog_enrollments")
    def update_catalog_enrollments(self, body: Any = None, **query: Any) -> dict[str, str]:
        catalog.update_enrollments(self.data, _params(body, query))
        return dict(SUCCESS)

    # instructor-led trainings
    @operation("get_instructor_led_trainings")
    def get_instructor_led_trainings(self, body: Any = None, **query: Any) -> list[Record]:
        return [trainings.training_answer(self.data, t) for t in trainings.list_trainings(self.data)]

    @operation("get_instructor_led_training")
    def get_instructor_led_training(self, body: Any = None, **query: Any) -> Record:
        params = _params(body, query)
        training = trainings.find_training(self.data, params.get("instructor_led_training_id"))
        return trainings.training_answer(self.data, training)

    def _timeslot(self, params: dict[str, Any]) -> Record:
        return trainings.find_timeslot(self.data, params.get("instructor_led_training_timeslot_id"))

    @operation("get_instructor_led_training_timeslot")
    def get_instructor_led_training_timeslot(self, body: Any = None, **query: Any) -> Record:
        return trainings.timeslot_answer(self.data, self._timeslot(_params(body, query)))

    @operation("get_instructor_led_training_timeslots")
    def get_instructor_led_training_timeslots(self, body: Any = None, **query: Any) -> list[Record]:
        found = trainings.list_timeslots(self.data, _params(body, query))
        return [trainings.timeslot_answer(self.data, s) for s in found]

    @operation("create_instructor_led_training_timeslot")
    def create_instructor_led_training_timeslot(self, body: Any = None, **query: Any) -> Record:
        made = trainings.create_timeslot(self.data, _params(body, query))
        return trainings.timeslot_answer(self.data, made)

    @operation("update_instructor_led_training_timeslot")
    def update_instructor_led_training_timeslot(self, body: Any = None, **query: Any) -> Record:
        params = _params(body, query)
        made = trainings.update_timeslot(self.data, self._timeslot(params), params)
        return trainings.timeslot_answer(self.data, made)

    @operation("delete_instructor_led_training_timeslot")
    def delete_instructor_led_training_timeslot(self, body: Any = None, **query: Any) -> dict[str, str]:
        trainings.delete_timeslot(self.data, self._timeslot(_params(body, query)))
        return dict(SUCCESS)

    @operation("get_instructor_led_training_timeslot_registrations")
    def get_instructor_led_training_timeslot_registrations(
        self, body: Any = None, **query: Any
    ) -> list[Record]:
        found = trainings.registrations_of(self.data, self._timeslot(_params(body, query)))
        return [trainings.registration_answer(self.data, r) for r in found]

    @operation("create_instructor_led_training_timeslot_registrations")
    def create_instructor_led_training_timeslot_registrations(self, body: Any = None, **query: Any) -> Record:
        params = _params(body, query)
        slot = self._timeslot(params)
        made = trainings.register(self.data, slot, self._user(params), params)
        return trainings.registration_answer(self.data, made)

    @operation("destroy_instructor_led_training_timeslot_registrations")
    def destroy_instructor_led_training_timeslot_registrations(
        self, body: Any = None, **query: Any
    ) -> dict[str, str]:
        params = _params(body, query)
        trainings.unregister(self.data, params.get("instructor_led_training_timeslot_registration_ids"))
        return dict(SUCCESS)

    @operation("update_instructor_led_training_timeslot_registration")
    def update_instructor_led_training_timeslot_registration(self, body: Any = None, **query: Any) -> Record:
        params = _params(body, query)
        found = trainings.find_registration(
            self.data, params.get("instructor_led_training_timeslot_registration_id")
        )
        made = trainings.update_registration(self.data, found, params)
        # The doc's sample names the registration by the call's own parameter; the record's fields follow.
        return {
            "instructor_led_training_timeslot_registration_id": int(made["id"]),
            **trainings.registration_answer(self.data, made),
        }

    # course progress
    def _progress(self, params: dict[str, Any]) -> Record:
        return progress.find_progress(self.data, params.get("course_progress_id"))

    @operation("get_course_progresses")
    def get_course_progresses(self, body: Any = None, **query: Any) -> list[Record]:
        found = progress.list_progresses(self.data, _params(body, query))
        return [progress.answer(self.data, p) for p in found]

    @operation("get_course_progress")
    def get_course_progress(self, body: Any = None, **query: Any) -> Record:
        progress.sync(self.data)
        return progress.answer(self.data, self._progress(_params(body, query)))

    @operation("update_course_progress")
    def update_course_progress(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        progress.set_status(self.data, self._progress(params), params.get("set_status"))
        return dict(SUCCESS)

    @operation("destroy_course_progress")
    def destroy_course_progress(self, body: Any = None, **query: Any) -> dict[str, str]:
        progress.destroy(self.data, self._progress(_params(body, query)))
        return dict(SUCCESS)

    @operation("get_course_item_progress")
    def get_course_item_progress(self, body: Any = None, **query: Any) -> Record:
        found, item = progress.locate(self.data, _params(body, query))
        return progress.item_answer(self.data, found, item)

    @operation("set_course_item_progress")
    def set_course_item_progress(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        found, item = progress.locate(self.data, params)
        progress.set_item(self.data, found, item, params)
        return dict(SUCCESS)


def operations(ctx: VendorContext) -> dict[str, Handler]:
    """The operationId -> handler table of specs/skyprep.yaml: each call's POST, then its GET twin."""
    calls = operations_of(Handlers(ctx), reward_calls.RewardHandlers(ctx), report_calls.ReportCalls(ctx))
    # Every call takes GET too (deprecated): its operationId is the call name with a "Get" suffix.
    return {**calls, **{f"{name}Get": handler for name, handler in calls.items()}}
