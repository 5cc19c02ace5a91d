"""POST /api/v1/events/{id}/images/bulk-tags/: tag many images by ids or by the filters."""

from __future__ import annotations

import pytest

from events.models import Annotation, ImageTag, LabelClass, Role
from tests.api.support import assert_error
from tests.factories import AnnotationFactory, ImageFactory, LabelClassFactory

pytestmark = pytest.mark.django_db


def _url(event) -> str:
    return f"/api/v1/events/{event.pk}/images/bulk-tags/"


@pytest.fixture
def tag_class(event):
    return LabelClassFactory(event=event, name="cloudy", kind=LabelClass.Kind.TAG)


@pytest.fixture
def annotator(member):
    return member(Role.ANNOTATOR)


@pytest.fixture
def images(event):
    return [
        ImageFactory(event=event, name=f"scene-{n}.tif", cloud_cover=10.0 * n) for n in range(6)
    ]


def _states(tag_class) -> dict[str, str]:
    return dict(ImageTag.objects.filter(label_class=tag_class).values_list("image__name", "state"))


def test_bulk_tags_by_ids_set_change_and_clear(api, event, images, tag_class, annotator):
    client = api(annotator)
    ImageTag.objects.create(image=images[1], label_class=tag_class, state="negative")

    response = client.post(
        _url(event),
        {"label_class": tag_class.pk, "state": "positive", "images": [images[0].pk, images[1].pk]},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json() == {"updated": 2}
    assert _states(tag_class) == {"scene-0.tif": "positive", "scene-1.tif": "positive"}
    # Like the single-image route: the annotator is the author of every tag it set.
    assert set(ImageTag.objects.values_list("author", flat=True)) == {annotator.pk}
    assert ImageTag.objects.count() == 2  # updated in place, not duplicated

    response = client.post(
        _url(event),
        {"label_class": tag_class.pk, "state": None, "images": [images[1].pk, images[2].pk]},
        format="json",
    )
    assert response.json() == {"updated": 2}
    assert _states(tag_class) == {"scene-0.tif": "positive"}


def test_bulk_tags_by_filters_tag_every_matching_image(api, event, images, tag_class, annotator):
    other = ImageFactory(name="elsewhere.tif", cloud_cover=50)  # another event's image
    response = api(annotator).post(
        _url(event),
        {
            "label_class": tag_class.pk,
            "state": "negative",
            "filters": {"cloud_cover_min": 25, "cloud_cover_max": 45},
        },
        format="json",
    )

    assert response.json() == {"updated": 2}
    assert _states(tag_class) == {"scene-3.tif": "negative", "scene-4.tif": "negative"}
    assert not ImageTag.objects.filter(image=other).exists()


def test_bulk_tags_by_tag_state_filter_then_everything(api, event, images, tag_class, annotator):
    ImageTag.objects.create(image=images[0], label_class=tag_class, state="positive")
    client = api(annotator)

    # Every image not yet tagged for the class becomes negative; the positive one stays.
    response = client.post(
        _url(event),
        {
            "label_class": tag_class.pk,
            "state": "negative",
            "filters": {"label_class": tag_class.pk, "tag_state": "unlabeled"},
        },
        format="json",
    )
    assert response.json() == {"updated": 5}
    states = _states(tag_class)
    assert states.pop("scene-0.tif") == "positive"
    assert set(states.values()) == {"negative"} and len(states) == 5

    # Empty filters: the whole event. Clear it all.
    response = client.post(
        _url(event), {"label_class": tag_class.pk, "state": None, "filters": {}}, format="json"
    )
    assert response.json() == {"updated": 6}
    assert not ImageTag.objects.exists()


def test_bulk_tags_by_auto_labelled_filter(api, event, images, tag_class, annotator, label_class):
    AnnotationFactory(image=images[2], label_class=label_class, source=Annotation.Source.PREDICTED)
    AnnotationFactory(image=images[3], label_class=label_class)  # manual

    response = api(annotator).post(
        _url(event),
        {"label_class": tag_class.pk, "state": "positive", "filters": {"auto_labelled": True}},
        format="json",
    )

    assert response.json() == {"updated": 1}
    assert _states(tag_class) == {"scene-2.tif": "positive"}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            lambda c, i: {"label_class": c["object"].pk, "state": "positive", "images": i},
            ["label_class"],
        ),
        (
            lambda c, i: {"label_class": c["foreign"].pk, "state": "positive", "images": i},
            ["label_class"],
        ),
        (lambda c, i: {"label_class": c["tag"].pk, "state": "maybe", "images": i}, ["state"]),
        (lambda c, i: {"label_class": c["tag"].pk, "images": i}, ["state"]),
        (lambda c, i: {"label_class": c["tag"].pk, "state": "positive"}, ["images"]),
        (
            lambda c, i: {
                "label_class": c["tag"].pk,
                "state": "positive",
                "images": i,
                "filters": {},
            },
            ["images"],
        ),
        (lambda c, i: {"label_class": c["tag"].pk, "state": "positive", "images": []}, ["images"]),
        (
            lambda c, i: {"label_class": c["tag"].pk, "state": "positive", "images": ["a"]},
            ["images.0"],
        ),
        (
            lambda c, i: {
                "label_class": c["tag"].pk,
                "state": "positive",
                "images": [*i, c["alien"].pk],
            },
            ["images"],
        ),
        (
            lambda c, i: {
                "label_class": c["tag"].pk,
                "state": "positive",
                "filters": {"source": "flickr"},
            },
            ["filters.source"],
        ),
        (
            lambda c, i: {
                "label_class": c["tag"].pk,
                "state": "positive",
                "filters": {"cloudy": 1},
            },
            ["filters.cloudy"],
        ),
        (
            lambda c, i: {
                "label_class": c["tag"].pk,
                "state": "positive",
                "filters": {"label_class": c["object"].pk, "tag_state": "positive"},
            },
            ["label_class"],
        ),
        (
            lambda c, i: {"label_class": c["tag"].pk, "state": "positive", "images": i, "x": 1},
            ["x"],
        ),
    ],
)
def test_bulk_tags_refuse_bad_bodies_naming_the_field(
    api, event, images, tag_class, label_class, annotator, body, fields
):
    classes = {
        "tag": tag_class,
        "object": label_class,
        "foreign": LabelClassFactory(kind="tag"),
        "alien": ImageFactory(),
    }
    ids = [images[0].pk, images[1].pk]

    response = api(annotator).post(_url(event), body(classes, ids), format="json")

    assert_error(response, 400, "invalid", fields)
    assert not ImageTag.objects.exists()  # nothing half-done


@pytest.mark.parametrize("role", [Role.VIEWER])
def test_bulk_tags_below_annotator_are_refused(api, event, images, tag_class, member, role):
    response = api(member(role)).post(
        _url(event),
        {"label_class": tag_class.pk, "state": "positive", "filters": {}},
        format="json",
    )

    assert_error(response, 403, "permission_denied", [])
    assert not ImageTag.objects.exists()


@pytest.mark.parametrize("role", [Role.ANNOTATOR, Role.REVIEWER, Role.MANAGER, Role.OWNER])
def test_bulk_tags_from_annotator_up(api, event, images, tag_class, member, role):
    response = api(member(role)).post(
        _url(event),
        {"label_class": tag_class.pk, "state": "positive", "images": [images[0].pk]},
        format="json",
    )

    assert response.json() == {"updated": 1}


def test_bulk_tags_on_another_teams_event_are_not_found(api, annotator, tag_class):
    foreign = ImageFactory()
    foreign_class = LabelClassFactory(event=foreign.event, kind="tag")

    response = api(annotator).post(
        _url(foreign.event),
        {"label_class": foreign_class.pk, "state": "positive", "filters": {}},
        format="json",
    )

    assert_error(response, 404, "not_found", [])
    assert not ImageTag.objects.exists()


def test_anonymous_bulk_tags_are_unauthorised(api, event, tag_class):
    response = api().post(
        _url(event),
        {"label_class": tag_class.pk, "state": "positive", "filters": {}},
        format="json",
    )

    assert response.status_code == 401
