"""/api/v1/events/{id}/label-classes/ and /api/v1/label-classes/{id}/."""

from __future__ import annotations

import pytest

from events.models import ImageTag, LabelClass, Role
from tests.api.support import assert_error
from tests.factories import AnnotationFactory, LabelClassFactory, MapShapeFactory

pytestmark = pytest.mark.django_db

CLASS_KEYS = {"id", "event", "name", "color", "hotkey", "order", "kind", "description", "value"}


def _list_url(event) -> str:
    return f"/api/v1/events/{event.pk}/label-classes/"


def _url(label_class) -> str:
    return f"/api/v1/label-classes/{label_class.pk}/"


@pytest.fixture
def manager(member):
    return member(Role.MANAGER)


@pytest.fixture
def foreign_class():
    return LabelClassFactory(name="theirs")


def test_label_classes_are_listed_in_order_for_any_member(api, event, member):
    late = LabelClassFactory(event=event, name="water", order=3, hotkey="w")
    early = LabelClassFactory(event=event, name="cloudy", order=1, kind=LabelClass.Kind.TAG)
    LabelClassFactory(name="other event")

    response = api(member(Role.VIEWER)).get(_list_url(event))

    assert response.status_code == 200
    body = response.json()
    assert [c["id"] for c in body] == [early.pk, late.pk]
    assert body[1] == {
        "id": late.pk,
        "event": event.pk,
        "name": "water",
        "color": "#e6194b",
        "hotkey": "w",
        "order": 3,
        "kind": "object",
        "description": "",
        "value": None,
    }


def test_label_class_create_with_defaults(api, event, label_class, manager):
    response = api(manager).post(_list_url(event), {"name": "water"})

    assert response.status_code == 201
    body = response.json()
    created = LabelClass.objects.get(pk=body["id"])
    assert body == {
        "id": created.pk,
        "event": event.pk,
        "name": "water",
        "color": "#e6194b",
        "hotkey": "",
        "order": 1,  # after the existing class
        "kind": "object",
        "description": "",
        "value": None,
    }


def test_label_class_create_with_every_field(api, event, manager):
    data = {
        "name": "snow",
        "color": "#FFFFFF",
        "hotkey": "s",
        "order": 7,
        "kind": "value",
        "description": "snow cover",
        "value": 2.5,
    }

    response = api(manager).post(_list_url(event), data)

    assert response.status_code == 201
    body = response.json()
    assert {key: body[key] for key in data} == data
    assert set(body) == CLASS_KEYS


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"name": "water"}, ["name"]),  # taken
        ({"name": "wet", "hotkey": "w"}, ["hotkey"]),  # taken
        ({"name": "x", "color": "blue"}, ["color"]),
        ({"name": "x", "color": "#12345g"}, ["color"]),
        ({"name": "x", "color": "#1234567"}, ["color"]),
        ({"name": "x", "hotkey": "ab"}, ["hotkey"]),
        ({"name": "x", "kind": "region"}, ["kind"]),
        ({"name": "x", "order": -1}, ["order"]),
        ({"name": "x", "event": 1}, ["event"]),
        ({"nmae": "x"}, ["nmae"]),
        ({"name": ""}, ["name"]),
    ],
)
def test_label_class_create_refuses_bad_bodies_naming_the_field(api, event, manager, data, fields):
    LabelClassFactory(event=event, name="water", hotkey="w")

    response = api(manager).post(_list_url(event), data)

    assert_error(response, 400, "invalid", fields)
    assert list(event.label_classes.values_list("name", flat=True)) == ["water"]


def test_label_class_writes_are_refused_below_manager(api, event, label_class, member):
    client = api(member(Role.ANNOTATOR))

    assert_error(client.post(_list_url(event), {"name": "x"}), 403, "permission_denied", [])
    assert_error(client.patch(_url(label_class), {"name": "x"}), 403, "permission_denied", [])
    assert_error(client.delete(_url(label_class)), 403, "permission_denied", [])
    assert list(event.label_classes.values_list("name", flat=True)) == ["flooded"]


def test_another_teams_classes_are_not_found(api, manager, foreign_class):
    client = api(manager)

    assert_error(client.get(_list_url(foreign_class.event)), 404, "not_found", [])
    assert_error(client.post(_list_url(foreign_class.event), {"name": "x"}), 404, "not_found")
    assert_error(client.get(_url(foreign_class)), 404, "not_found", [])
    assert_error(client.patch(_url(foreign_class), {"name": "x"}), 404, "not_found", [])
    assert_error(client.delete(_url(foreign_class)), 404, "not_found", [])
    assert LabelClass.objects.filter(pk=foreign_class.pk, name="theirs").exists()
    assert foreign_class.event.label_classes.count() == 1


def test_label_class_detail(api, label_class, member):
    response = api(member(Role.VIEWER)).get(_url(label_class))

    assert response.status_code == 200
    assert response.json()["id"] == label_class.pk
    assert response.json()["name"] == "flooded"
    assert set(response.json()) == CLASS_KEYS


def test_label_class_patch(api, label_class, manager):
    response = api(manager).patch(_url(label_class), {"color": "#00ff00", "hotkey": "f"})

    assert response.status_code == 200
    assert (response.json()["color"], response.json()["hotkey"]) == ("#00ff00", "f")
    assert response.json()["name"] == "flooded"
    label_class.refresh_from_db()
    assert (label_class.color, label_class.hotkey, label_class.name) == ("#00ff00", "f", "flooded")


def test_label_class_patch_refuses_a_taken_name_and_bad_values(api, event, label_class, manager):
    LabelClassFactory(event=event, name="dry")
    client = api(manager)

    assert_error(client.patch(_url(label_class), {"name": "dry"}), 400, "invalid", ["name"])
    assert_error(client.patch(_url(label_class), {"color": "red"}), 400, "invalid", ["color"])
    assert_error(client.patch(_url(label_class), {"event": 1}), 400, "invalid", ["event"])
    label_class.refresh_from_db()
    assert (label_class.name, label_class.color) == ("flooded", "#e6194b")


def test_label_class_kind_is_fixed_once_used(api, event, label_class, image, manager):
    client = api(manager)
    assert client.patch(_url(label_class), {"kind": "tag"}).json()["kind"] == "tag"
    assert client.patch(_url(label_class), {"kind": "object"}).json()["kind"] == "object"

    AnnotationFactory(image=image, label_class=label_class)

    body = assert_error(client.patch(_url(label_class), {"kind": "tag"}), 400, "invalid")
    assert body["fields"] == {"kind": ["In use."]}
    label_class.refresh_from_db()
    assert label_class.kind == "object"


def test_label_class_delete_when_unused(api, label_class, manager):
    assert api(manager).delete(_url(label_class)).status_code == 204
    assert not LabelClass.objects.filter(pk=label_class.pk).exists()


@pytest.mark.parametrize("use", ["annotation", "map_shape", "image_tag"])
def test_label_class_delete_is_refused_while_in_use(api, event, image, manager, use):
    label_class = LabelClassFactory(event=event)
    if use == "annotation":
        AnnotationFactory(image=image, label_class=label_class)
    elif use == "map_shape":
        MapShapeFactory(event=event, label_class=label_class)
    else:
        label_class.kind = LabelClass.Kind.TAG
        label_class.save()
        ImageTag.objects.create(image=image, label_class=label_class, state="positive")

    body = assert_error(api(manager).delete(_url(label_class)), 400, "invalid")

    assert body["detail"].startswith("1 ")
    assert LabelClass.objects.filter(pk=label_class.pk).exists()
