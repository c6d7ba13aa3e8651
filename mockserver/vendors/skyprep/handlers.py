"""SkyPrep handlers: one per call, serving both its POST operation and its deprecated GET twin.

``FoldParameters`` has already put every parameter where the spec validates it: a POST's JSON body or
a GET's query. A handler takes either and calls the model.
"""

from __future__ import annotations

from typing import Any

import connexion

from ...store import Record
from ..base import Handler, VendorContext
from . import catalog, courses, groups, model, paths, progress, report_calls, reward_calls, trainings
from .params import call_params as _params

SUCCESS = {"message": "success"}


def _base_url() -> str:
    """The URL the vendor is served at (the host's own, under its prefix), for links it hands out."""
    url = str(connexion.request.url)
    return url.split("/admin/api/", 1)[0]


class Handlers:
    """The handlers of one SkyPrep app, bound to its store."""

    def __init__(self, ctx: VendorContext) -> None:
        self.store = ctx.store
        self.data = ctx.data
        # available_api_calls answers the call names: the POST operations of the documents served.
        self.calls = [op.id for op in ctx.index.operations.values() if op.method == "POST"]

    def _user(self, params: dict[str, Any]) -> Record:
        return model.find_user(self.data, params.get("user_id"), params.get("user_email"))

    # connection
    def test_connection(self, body: Any = None, **query: Any) -> dict[str, str]:
        return dict(SUCCESS)

    def available_api_calls(self, body: Any = None, **query: Any) -> list[str]:
        return sorted(self.calls)

    # users
    def get_users(self, body: Any = None, **query: Any) -> list[Record]:
        with self.store.locked():
            return [model.public(u) for u in model.list_users(self.data)]

    def get_user(self, body: Any = None, **query: Any) -> Record:
        with self.store.locked():
            return model.public(self._user(_params(body, query)))

    def create_user(self, body: Any = None, **query: Any) -> Record:
        with self.store.locked():
            return model.public(model.create_user(self.data, _params(body, query)))

    def update_user(self, body: Any = None, **query: Any) -> Record:
        params = _params(body, query)
        with self.store.locked():
            return model.public(model.update_user(self.data, self._user(params), params))

    def destroy_user(self, body: Any = None, **query: Any) -> dict[str, str]:
        with self.store.locked():
            model.destroy_user(self.data, self._user(_params(body, query)))
        return dict(SUCCESS)

    def get_user_courses(self, body: Any = None, **query: Any) -> list[Record]:
        with self.store.locked():
            user = self._user(_params(body, query))
            return [courses.answer(self.data, c) for c in courses.user_courses(self.data, user)]

    def mass_enroll(self, body: Any = None, **query: Any) -> dict[str, str]:
        with self.store.locked():
            groups.mass_enroll(self.data, _params(body, query))
        return dict(SUCCESS)

    def get_login_key(self, body: Any = None, **query: Any) -> dict[str, str]:
        base = _base_url()
        with self.store.locked():
            return model.login_key(self.data, _params(body, query), base)

    # power users
    def get_power_users(self, body: Any = None, **query: Any) -> list[Record]:
        with self.store.locked():
            return [model.public(u) for u in model.list_users(self.data, power_only=True)]

    def get_user_roles(self, body: Any = None, **query: Any) -> list[Record]:
        with self.store.locked():
            return [model.public(r) for r in self.data.collection(model.ROLES).values()]

    def get_datasets(self, body: Any = None, **query: Any) -> list[Record]:
        with self.store.locked():
            return [model.public(d) for d in self.data.collection(model.DATASETS).values()]

    def create_or_update_power_users(self, body: Any = None, **query: Any) -> list[Record]:
        with self.store.locked():
            return [model.public(u) for u in model.make_power_users(self.data, _params(body, query))]

    def destroy_power_user(self, body: Any = None, **query: Any) -> dict[str, str]:
        with self.store.locked():
            model.remove_power_user(self.data, self._user(_params(body, query)))
        return dict(SUCCESS)

    # courses
    def get_courses(self, body: Any = None, **query: Any) -> list[Record]:
        with self.store.locked():
            return [courses.answer(self.data, c) for c in courses.list_courses(self.data)]

    def get_course(self, body: Any = None, **query: Any) -> Record:
        with self.store.locked():
            course = courses.find_course(self.data, _params(body, query).get("course_id"))
            return courses.answer(self.data, course)

    def create_course(self, body: Any = None, **query: Any) -> Record:
        with self.store.locked():
            return courses.answer(self.data, courses.create_course(self.data, _params(body, query)))

    def update_course(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        with self.store.locked():
            courses.update_course(self.data, courses.find_course(self.data, params.get("course_id")), params)
        return dict(SUCCESS)

    def destroy_course(self, body: Any = None, **query: Any) -> dict[str, str]:
        with self.store.locked():
            course = courses.find_course(self.data, _params(body, query).get("course_id"))
            courses.destroy_course(self.data, course)
        return dict(SUCCESS)

    def enroll_user_in_course(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        with self.store.locked():
            course = courses.find_course(self.data, params.get("course_id"))
            courses.enroll(self.data, self._user(params), course)
        return dict(SUCCESS)

    def remove_user_from_course(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        with self.store.locked():
            course = courses.find_course(self.data, params.get("course_id"))
            courses.unenroll(self.data, self._user(params), course)
        return dict(SUCCESS)

    def enroll_user_in_courses(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        with self.store.locked():
            courses.enroll_in_courses(self.data, self._user(params), params.get("course_ids"))
        return dict(SUCCESS)

    def add_course_to_user_group(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        with self.store.locked():
            group = groups.find_group(self.data, params.get("user_group_id"))
            groups.add_course(self.data, group, courses.find_course(self.data, params.get("course_id")))
        return dict(SUCCESS)

    def get_user_course_status(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        with self.store.locked():
            course = courses.find_course(self.data, params.get("course_id"))
            return {"status": courses.course_status(self.data, self._user(params), course)}

    def get_course_otp(self, body: Any = None, **query: Any) -> list[str]:
        params = _params(body, query)
        with self.store.locked():
            course = courses.find_course(self.data, params.get("course_id"))
            return courses.make_otp_keys(self.data, course, int(params.get("count", 1)))

    # user groups
    def get_user_groups(self, body: Any = None, **query: Any) -> list[Record]:
        with self.store.locked():
            return [groups.answer(self.data, g) for g in groups.list_groups(self.data)]

    def get_user_group(self, body: Any = None, **query: Any) -> Record:
        with self.store.locked():
            group = groups.find_group(self.data, _params(body, query).get("user_group_id"))
            return groups.answer(self.data, group)

    def create_user_group(self, body: Any = None, **query: Any) -> Record:
        with self.store.locked():
            return groups.answer(self.data, groups.create_group(self.data, _params(body, query)))

    def update_user_group(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        with self.store.locked():
            groups.update_group(self.data, groups.find_group(self.data, params.get("user_group_id")), params)
        return dict(SUCCESS)

    def destroy_user_group(self, body: Any = None, **query: Any) -> dict[str, str]:
        with self.store.locked():
            group = groups.find_group(self.data, _params(body, query).get("user_group_id"))
            groups.destroy_group(self.data, group)
        return dict(SUCCESS)

    def enroll_user_in_user_group(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        with self.store.locked():
            group = groups.find_group(self.data, params.get("user_group_id"))
            groups.add_member(self.data, group, self._user(params))
        return dict(SUCCESS)

    def remove_user_from_user_group(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        with self.store.locked():
            group = groups.find_group(self.data, params.get("user_group_id"))
            groups.remove_member(self.data, group, self._user(params))
        return dict(SUCCESS)

    def get_user_group_enrollments_for_user(self, body: Any = None, **query: Any) -> list[Record]:
        with self.store.locked():
            user = self._user(_params(body, query))
            return [groups.answer(self.data, g) for g in groups.groups_of_user(self.data, user)]

    def remove_course_from_user_group(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        with self.store.locked():
            group = groups.find_group(self.data, params.get("user_group_id"))
            groups.remove_course(self.data, group, courses.find_course(self.data, params.get("course_id")))
        return dict(SUCCESS)

    # learning paths
    def _path(self, params: dict[str, Any]) -> Record:
        return paths.find_path(self.data, params.get("learning_path_id"))

    def get_learning_paths(self, body: Any = None, **query: Any) -> list[Record]:
        with self.store.locked():
            return [paths.answer(self.data, p) for p in paths.list_paths(self.data)]

    def get_learning_path(self, body: Any = None, **query: Any) -> Record:
        with self.store.locked():
            return paths.answer(self.data, self._path(_params(body, query)))

    def create_learning_path(self, body: Any = None, **query: Any) -> Record:
        with self.store.locked():
            return paths.answer(self.data, paths.create_path(self.data, _params(body, query)))

    def update_learning_path(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        with self.store.locked():
            paths.update_path(self.data, self._path(params), params)
        return dict(SUCCESS)

    def destroy_learning_path(self, body: Any = None, **query: Any) -> dict[str, str]:
        with self.store.locked():
            paths.destroy_path(self.data, self._path(_params(body, query)))
        return dict(SUCCESS)

    def add_course_to_learning_path(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        with self.store.locked():
            path = self._path(params)
            paths.add_course(self.data, path, courses.find_course(self.data, params.get("course_id")))
        return dict(SUCCESS)

    def remove_course_from_learning_path(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        with self.store.locked():
            path = self._path(params)
            paths.remove_course(self.data, path, courses.find_course(self.data, params.get("course_id")))
        return dict(SUCCESS)

    def add_group_to_learning_path(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        with self.store.locked():
            path = self._path(params)
            paths.add_group(self.data, path, groups.find_group(self.data, params.get("user_group_id")))
        return dict(SUCCESS)

    def remove_group_from_learning_path(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        with self.store.locked():
            path = self._path(params)
            paths.remove_group(self.data, path, groups.find_group(self.data, params.get("user_group_id")))
        return dict(SUCCESS)

    # catalog
    def add_course_or_learning_path_to_catalog(self, body: Any = None, **query: Any) -> dict[str, str]:
        with self.store.locked():
            catalog.add_to_catalog(self.data, _params(body, query))
        return dict(SUCCESS)

    def remove_course_or_learning_path_from_catalog(self, body: Any = None, **query: Any) -> dict[str, str]:
        with self.store.locked():
            catalog.remove_from_catalog(self.data, _params(body, query))
        return dict(SUCCESS)

    def update_catalog_enrollments(self, body: Any = None, **query: Any) -> dict[str, str]:
        with self.store.locked():
            catalog.update_enrollments(self.data, _params(body, query))
        return dict(SUCCESS)

    # instructor-led trainings
    def get_instructor_led_trainings(self, body: Any = None, **query: Any) -> list[Record]:
        with self.store.locked():
            return [trainings.training_answer(self.data, t) for t in trainings.list_trainings(self.data)]

    def get_instructor_led_training(self, body: Any = None, **query: Any) -> Record:
        params = _params(body, query)
        with self.store.locked():
            training = trainings.find_training(self.data, params.get("instructor_led_training_id"))
            return trainings.training_answer(self.data, training)

    def _timeslot(self, params: dict[str, Any]) -> Record:
        return trainings.find_timeslot(self.data, params.get("instructor_led_training_timeslot_id"))

    def get_instructor_led_training_timeslot(self, body: Any = None, **query: Any) -> Record:
        with self.store.locked():
            return trainings.timeslot_answer(self.data, self._timeslot(_params(body, query)))

    def get_instructor_led_training_timeslots(self, body: Any = None, **query: Any) -> list[Record]:
        with self.store.locked():
            found = trainings.list_timeslots(self.data, _params(body, query))
            return [trainings.timeslot_answer(self.data, s) for s in found]

    def create_instructor_led_training_timeslot(self, body: Any = None, **query: Any) -> Record:
        with self.store.locked():
            made = trainings.create_timeslot(self.data, _params(body, query))
            return trainings.timeslot_answer(self.data, made)

    def update_instructor_led_training_timeslot(self, body: Any = None, **query: Any) -> Record:
        params = _params(body, query)
        with self.store.locked():
            made = trainings.update_timeslot(self.data, self._timeslot(params), params)
            return trainings.timeslot_answer(self.data, made)

    def delete_instructor_led_training_timeslot(self, body: Any = None, **query: Any) -> dict[str, str]:
        with self.store.locked():
            trainings.delete_timeslot(self.data, self._timeslot(_params(body, query)))
        return dict(SUCCESS)

    def get_instructor_led_training_timeslot_registrations(
        self, body: Any = None, **query: Any
    ) -> list[Record]:
        with self.store.locked():
            found = trainings.registrations_of(self.data, self._timeslot(_params(body, query)))
            return [trainings.registration_answer(self.data, r) for r in found]

    def create_instructor_led_training_timeslot_registrations(self, body: Any = None, **query: Any) -> Record:
        params = _params(body, query)
        with self.store.locked():
            slot = self._timeslot(params)
            made = trainings.register(self.data, slot, self._user(params), params)
            return trainings.registration_answer(self.data, made)

    def destroy_instructor_led_training_timeslot_registrations(
        self, body: Any = None, **query: Any
    ) -> dict[str, str]:
        params = _params(body, query)
        with self.store.locked():
            trainings.unregister(self.data, params.get("instructor_led_training_timeslot_registration_ids"))
        return dict(SUCCESS)

    def update_instructor_led_training_timeslot_registration(self, body: Any = None, **query: Any) -> Record:
        params = _params(body, query)
        with self.store.locked():
            found = trainings.find_registration(
                self.data, params.get("instructor_led_training_timeslot_registration_id")
            )
            made = trainings.update_registration(self.data, found, params)
            return trainings.registration_answer(self.data, made)

    # course progress
    def _progress(self, params: dict[str, Any]) -> Record:
        return progress.find_progress(self.data, params.get("course_progress_id"))

    def get_course_progresses(self, body: Any = None, **query: Any) -> list[Record]:
        with self.store.locked():
            found = progress.list_progresses(self.data, _params(body, query))
            return [progress.answer(self.data, p) for p in found]

    def get_course_progress(self, body: Any = None, **query: Any) -> Record:
        with self.store.locked():
            progress.sync(self.data)
            return progress.answer(self.data, self._progress(_params(body, query)))

    def update_course_progress(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        with self.store.locked():
            progress.set_status(self.data, self._progress(params), params.get("set_status"))
        return dict(SUCCESS)

    def destroy_course_progress(self, body: Any = None, **query: Any) -> dict[str, str]:
        with self.store.locked():
            progress.destroy(self.data, self._progress(_params(body, query)))
        return dict(SUCCESS)

    def get_course_item_progress(self, body: Any = None, **query: Any) -> Record:
        with self.store.locked():
            found, item = progress.locate(self.data, _params(body, query))
            return progress.item_answer(self.data, found, item)

    def set_course_item_progress(self, body: Any = None, **query: Any) -> dict[str, str]:
        params = _params(body, query)
        with self.store.locked():
            found, item = progress.locate(self.data, params)
            progress.set_item(self.data, found, item, params)
        return dict(SUCCESS)


def operations(ctx: VendorContext) -> dict[str, Handler]:
    """The operationId -> handler table of specs/skyprep.yaml: each call's POST, then its GET twin."""
    h = Handlers(ctx)
    calls: dict[str, Handler] = {
        "test_connection": h.test_connection,
        "available_api_calls": h.available_api_calls,
        "get_users": h.get_users,
        "get_user": h.get_user,
        "create_user": h.create_user,
        "update_user": h.update_user,
        "destroy_user": h.destroy_user,
        "get_login_key": h.get_login_key,
        "get_user_courses": h.get_user_courses,
        "mass_enroll": h.mass_enroll,
        "get_power_users": h.get_power_users,
        "get_user_roles": h.get_user_roles,
        "get_datasets": h.get_datasets,
        "create_or_update_power_users": h.create_or_update_power_users,
        "destroy_power_user": h.destroy_power_user,
        "get_courses": h.get_courses,
        "get_course": h.get_course,
        "create_course": h.create_course,
        "update_course": h.update_course,
        "destroy_course": h.destroy_course,
        "enroll_user_in_course": h.enroll_user_in_course,
        "remove_user_from_course": h.remove_user_from_course,
        "enroll_user_in_courses": h.enroll_user_in_courses,
        "add_course_to_user_group": h.add_course_to_user_group,
        "get_user_course_status": h.get_user_course_status,
        "get_course_otp": h.get_course_otp,
        "get_user_groups": h.get_user_groups,
        "get_user_group": h.get_user_group,
        "create_user_group": h.create_user_group,
        "update_user_group": h.update_user_group,
        "destroy_user_group": h.destroy_user_group,
        "enroll_user_in_user_group": h.enroll_user_in_user_group,
        "remove_user_from_user_group": h.remove_user_from_user_group,
        "get_user_group_enrollments_for_user": h.get_user_group_enrollments_for_user,
        "remove_course_from_user_group": h.remove_course_from_user_group,
        # The doc's second URL for the same call.
        "remove_course_from_course_group": h.remove_course_from_user_group,
        "get_learning_paths": h.get_learning_paths,
        "get_learning_path": h.get_learning_path,
        "create_learning_path": h.create_learning_path,
        "update_learning_path": h.update_learning_path,
        "destroy_learning_path": h.destroy_learning_path,
        "add_course_to_learning_path": h.add_course_to_learning_path,
        "remove_course_from_learning_path": h.remove_course_from_learning_path,
        "add_group_to_learning_path": h.add_group_to_learning_path,
        "remove_group_from_learning_path": h.remove_group_from_learning_path,
        # The doc's second URL for the same call.
        "remove_group_from_course_group": h.remove_group_from_learning_path,
        "add_course_or_learning_path_to_catalog": h.add_course_or_learning_path_to_catalog,
        "remove_course_or_learning_path_from_catalog": h.remove_course_or_learning_path_from_catalog,
        "update_catalog_enrollments": h.update_catalog_enrollments,
        "get_instructor_led_trainings": h.get_instructor_led_trainings,
        "get_instructor_led_training": h.get_instructor_led_training,
        "get_instructor_led_training_timeslot": h.get_instructor_led_training_timeslot,
        "get_instructor_led_training_timeslots": h.get_instructor_led_training_timeslots,
        "create_instructor_led_training_timeslot": h.create_instructor_led_training_timeslot,
        "update_instructor_led_training_timeslot": h.update_instructor_led_training_timeslot,
        "delete_instructor_led_training_timeslot": h.delete_instructor_led_training_timeslot,
        "get_instructor_led_training_timeslot_registrations": (
            h.get_instructor_led_training_timeslot_registrations
        ),
        "create_instructor_led_training_timeslot_registrations": (
            h.create_instructor_led_training_timeslot_registrations
        ),
        "destroy_instructor_led_training_timeslot_registrations": (
            h.destroy_instructor_led_training_timeslot_registrations
        ),
        "update_instructor_led_training_timeslot_registration": (
            h.update_instructor_led_training_timeslot_registration
        ),
        "get_course_progresses": h.get_course_progresses,
        "get_course_progress": h.get_course_progress,
        "update_course_progress": h.update_course_progress,
        "destroy_course_progress": h.destroy_course_progress,
        "get_course_item_progress": h.get_course_item_progress,
        "set_course_item_progress": h.set_course_item_progress,
        **reward_calls.calls(ctx),
        **report_calls.calls(ctx),
    }
    # Every call takes GET too (deprecated): its operationId is the call name with a "Get" suffix.
    return {**calls, **{f"{name}Get": handler for name, handler in calls.items()}}
