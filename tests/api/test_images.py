"""/api/v1/events/{id}/images/, /api/v1/images/{id}/ and /api/v1/images/{id}/tags/."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely
from django.contrib.gis.geos import Polygon
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from events.models import Image, ImageTag, LabelClass, Role
from tests.api.support import assert_error, assert_rfc7946, is_ccw
from tests.factories import UTM_TRANSFORM, ImageFactory, LabelClassFactory, PixelImageFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
IMAGE_KEYS = {
    "id",
    "event",
    "name",
    "source",
    "status",
    "status_message",
    "width",
    "height",
    "band_count",
    "band_names",
    "dtype",
    "nodata",
    "crs",
    "transform",
    "footprint",
    "stats",
    "reflectance_scale",
    "reflectance_offset",
    "has_preview",
    "has_thumbnail",
    "tiles",
    "image_tiles",
    "tilejson",
    "preview_url",
    "thumbnail_url",
    "acquired_at",
    "cloud_cover",
    "provenance",
    "checksum",
    "created_at",
    "tags",
}


def _list_url(event) -> str:
    return f"/api/v1/events/{event.pk}/images/"


def _url(image) -> str:
    return f"/api/v1/images/{image.pk}/"


def _box(min_lon, min_lat, max_lon, max_lat) -> Polygon:
    polygon = Polygon.from_bbox((min_lon, min_lat, max_lon, max_lat))
    polygon.srid = 4326
    return polygon


@pytest.fixture
def viewer(member):
    return member(Role.VIEWER)


@pytest.fixture
def manager(member):
    return member(Role.MANAGER)


@pytest.fixture
def foreign_image():
    return ImageFactory(name="theirs.tif")


# --- list and filters --------------------------------------------------------------------


@pytest.fixture
def scenes(event, foreign_image):
    at = dt.datetime(2024, 5, 1, 12, tzinfo=UTC)
    return {
        "florida": ImageFactory(
            event=event,
            name="florida.tif",
            footprint=_box(-81, 25, -80, 26),
            acquired_at=at,
            source="gibs",
        ),
        "alps": ImageFactory(
            event=event,
            name="alps.tif",
            footprint=_box(10, 45, 11, 46),
            acquired_at=at + dt.timedelta(days=3),
            source="sentinelhub",
            status="processing",
        ),
        "photo": PixelImageFactory(event=event, name="photo.png", acquired_at=None),
    }


def _names(response) -> set[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return {image["name"] for image in response.json()["results"]}


def test_image_list_shows_the_events_images_only(api, event, viewer, scenes):
    response = api(viewer).get(_list_url(event))

    assert _names(response) == {"florida.tif", "alps.tif", "photo.png"}
    assert response.json()["count"] == 3
    assert set(response.json()["results"][0]) == IMAGE_KEYS


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"bbox": "-80.5,25.5,-79,27"}, {"florida.tif"}),
        ({"bbox": "-180,-90,180,90"}, {"florida.tif", "alps.tif"}),
        ({"bbox": " 10.5, 45.5, 10.6, 45.6 "}, {"alps.tif"}),
        ({"bbox": "0,0,1,1"}, set()),
        ({"acquired_after": "2024-05-02T00:00:00Z"}, {"alps.tif"}),
        ({"acquired_after": "2024-05-01T12:00:00Z"}, {"florida.tif", "alps.tif"}),
        ({"acquired_before": "2024-05-02T00:00:00Z"}, {"florida.tif"}),
        ({"acquired_after": "2024-05-02"}, {"alps.tif"}),  # a date is its midnight, UTC
        ({"acquired_after": "2024-05-01T14:00:00+02:00"}, {"florida.tif", "alps.tif"}),
        ({"acquired_after": "2024-05-01T14:00:01+02:00"}, {"alps.tif"}),
        (
            {"acquired_after": "2024-05-01T00:00:00Z", "acquired_before": "2024-05-31T00:00:00Z"},
            {"florida.tif", "alps.tif"},
        ),
        ({"source": "gibs"}, {"florida.tif"}),
        ({"source": "upload"}, {"photo.png"}),
        ({"status": "processing"}, {"alps.tif"}),
        ({"status": "ready"}, {"florida.tif", "photo.png"}),
        ({"status": "ready", "source": "sentinelhub"}, set()),
        ({"bbox": "-81,25,11,46", "acquired_after": "2024-05-02T00:00:00Z"}, {"alps.tif"}),
    ],
)
def test_image_list_filters(api, event, viewer, scenes, query, expected):
    response = api(viewer).get(_list_url(event), query)

    assert _names(response) == expected
    assert response.json()["count"] == len(expected)


def test_image_list_paginates_with_a_count(api, event, viewer):
    for n in range(5):
        ImageFactory(event=event, name=f"tile-{n}.tif")
    client = api(viewer)

    first = client.get(_list_url(event), {"page_size": 2}).json()
    last = client.get(_list_url(event), {"page_size": 2, "page": 3}).json()

    assert first["count"] == last["count"] == 5
    assert [i["name"] for i in first["results"]] == ["tile-0.tif", "tile-1.tif"]
    assert [i["name"] for i in last["results"]] == ["tile-4.tif"]
    assert first["next"] and first["previous"] is None
    assert last["next"] is None
    assert_error(client.get(_list_url(event), {"page": 4}), 404, "not_found", [])


@pytest.mark.parametrize(
    "bbox",
    [
        "1,2,3",
        "1,2,3,4,5",
        "a,b,c,d",
        "",
        "10,0,5,5",  # min lon > max lon
        "0,10,5,5",  # min lat > max lat
        "0,0,0,5",  # zero width
        "-181,0,5,5",
        "0,-91,5,5",
        "0,0,181,5",
        "nan,0,5,5",
        "0,0,inf,5",
    ],
)
def test_image_list_refuses_a_bad_bbox_naming_it(api, event, viewer, scenes, bbox):
    response = api(viewer).get(_list_url(event), {"bbox": bbox})

    body = assert_error(response, 400, "invalid", ["bbox"])
    assert body["detail"].startswith("Invalid input. bbox: ")


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"acquired_after": "last tuesday"}, ["acquired_after"]),
        (
            {"acquired_after": "2024-06-01T00:00:00Z", "acquired_before": "2024-05-01T00:00:00Z"},
            ["acquired_before"],
        ),
        ({"source": "flickr"}, ["source"]),
        ({"status": "done"}, ["status"]),
        ({"page_size": "0"}, ["page_size"]),
        ({"sort": "-acquired_at"}, ["sort"]),
        ({"bbx": "0,0,1,1"}, ["bbx"]),
    ],
)
def test_image_list_refuses_bad_filters_naming_them(api, event, viewer, scenes, query, fields):
    assert_error(api(viewer).get(_list_url(event), query), 400, "invalid", fields)


def test_another_teams_images_are_not_found(api, viewer, foreign_image):
    client = api(viewer)

    assert_error(client.get(_list_url(foreign_image.event)), 404, "not_found", [])
    assert_error(client.get(_url(foreign_image)), 404, "not_found", [])
    assert_error(client.patch(_url(foreign_image), {"name": "mine.tif"}), 404, "not_found", [])
    assert_error(client.delete(_url(foreign_image)), 404, "not_found", [])
    assert_error(
        client.post(f"{_url(foreign_image)}tags/", {"label_class": 1, "state": "positive"}),
        404,
        "not_found",
        [],
    )
    foreign_image.refresh_from_db()
    assert foreign_image.name == "theirs.tif"


# --- detail ------------------------------------------------------------------------------


def test_image_detail_with_its_footprint_in_epsg4326(api, image, viewer):
    response = api(viewer).get(_url(image))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == IMAGE_KEYS
    assert (body["id"], body["event"], body["name"]) == (image.pk, image.event_id, image.name)
    assert (body["width"], body["height"], body["band_count"]) == (100, 80, 3)
    assert body["band_names"] == ["red", "green", "blue"]
    assert (body["crs"], body["transform"]) == ("EPSG:32618", UTM_TRANSFORM)
    assert body["tags"] == []

    footprint = body["footprint"]
    assert footprint["type"] == "Polygon"
    assert set(footprint) == {"type", "coordinates"}  # no crs member (RFC 7946)
    assert_rfc7946(footprint)
    # The stored ring runs clockwise (the image's y axis points down); the output does not.
    assert not is_ccw(image.footprint.coords[0])
    assert is_ccw(footprint["coordinates"][0])
    # The same outline as stored, vertex for vertex, only walked the other way round.
    output = shapely.Polygon(footprint["coordinates"][0])
    stored = shapely.Polygon(image.footprint.coords[0])
    assert len(footprint["coordinates"][0]) == len(image.footprint.coords[0])
    assert output.equals(stored)
    # Longitude first, in degrees, where UTM 18N's (101985, 2826915) lies: about 79 W, 25.5 N.
    min_lon, min_lat, max_lon, max_lat = output.bounds
    assert -79.0 < min_lon < max_lon < -78.9
    assert 25.4 < min_lat < max_lat < 25.6


def test_image_without_georeference_has_no_footprint(api, event, viewer):
    photo = PixelImageFactory(event=event)

    body = api(viewer).get(_url(photo)).json()

    assert (body["footprint"], body["crs"], body["transform"]) == (None, "", None)


# --- patch and delete --------------------------------------------------------------------


def test_image_patch_by_a_manager(api, image, manager):
    response = api(manager).patch(
        _url(image),
        {"name": "renamed.tif", "acquired_at": "2024-05-03T10:30:00Z", "cloud_cover": 12.5},
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["acquired_at"], body["cloud_cover"]) == (
        "renamed.tif",
        "2024-05-03T10:30:00Z",
        12.5,
    )
    image.refresh_from_db()
    assert (image.name, image.cloud_cover) == ("renamed.tif", 12.5)
    assert image.acquired_at == dt.datetime(2024, 5, 3, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"cloud_cover": 101}, ["cloud_cover"]),
        ({"cloud_cover": -1}, ["cloud_cover"]),
        ({"acquired_at": "soon"}, ["acquired_at"]),
        ({"status": "ready"}, ["status"]),
        ({"footprint": None}, ["footprint"]),
        ({"width": 10}, ["width"]),
        ({"name": ""}, ["name"]),
    ],
)
def test_image_patch_refuses_bad_or_read_only_fields(api, image, manager, data, fields):
    assert_error(api(manager).patch(_url(image), data), 400, "invalid", fields)
    refreshed = Image.objects.get(pk=image.pk)
    assert (refreshed.name, refreshed.cloud_cover, refreshed.width) == (image.name, None, 100)


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.ANNOTATOR, Role.VIEWER])
def test_image_patch_and_delete_are_refused_below_manager(api, image, member, role):
    client = api(member(role))

    assert_error(client.patch(_url(image), {"name": "x.tif"}), 403, "permission_denied", [])
    assert_error(client.delete(_url(image)), 403, "permission_denied", [])
    assert Image.objects.get(pk=image.pk).name == image.name


def test_image_delete_by_a_manager_removes_its_files(
    api, event, manager, django_capture_on_commit_callbacks
):
    image = ImageFactory(event=event)
    image.file.save("delete-me.tif", ContentFile(b"II*\x00"), save=False)
    image.preview.save("delete-me.png", ContentFile(b"\x89PNG"), save=True)
    paths = [image.file.name, image.preview.name]
    assert all(default_storage.exists(p) for p in paths)

    with django_capture_on_commit_callbacks(execute=True):
        response = api(manager).delete(_url(image))

    assert response.status_code == 204
    assert not Image.objects.filter(pk=image.pk).exists()
    assert not any(default_storage.exists(p) for p in paths)


# --- tags --------------------------------------------------------------------------------


@pytest.fixture
def tag_class(event):
    return LabelClassFactory(event=event, name="cloudy", kind=LabelClass.Kind.TAG)


def _tags_url(image) -> str:
    return f"/api/v1/images/{image.pk}/tags/"


def test_tags_are_set_changed_and_cleared(api, image, tag_class, member):
    client = api(member(Role.ANNOTATOR))

    response = client.post(_tags_url(image), {"label_class": tag_class.pk, "state": "positive"})
    assert response.status_code == 200
    assert response.json()["id"] == image.pk
    assert response.json()["tags"] == [{"label_class": tag_class.pk, "state": "positive"}]

    response = client.post(_tags_url(image), {"label_class": tag_class.pk, "state": "negative"})
    assert response.json()["tags"] == [{"label_class": tag_class.pk, "state": "negative"}]
    assert ImageTag.objects.filter(image=image).count() == 1

    response = client.post(_tags_url(image), {"label_class": tag_class.pk, "state": None})
    assert response.json()["tags"] == []
    assert not ImageTag.objects.filter(image=image).exists()


def test_tags_show_in_the_image_list(api, event, image, tag_class, member):
    ImageTag.objects.create(image=image, label_class=tag_class, state="negative")

    results = api(member(Role.VIEWER)).get(_list_url(event)).json()["results"]

    assert [r["tags"] for r in results] == [[{"label_class": tag_class.pk, "state": "negative"}]]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (lambda c: {"label_class": c["object"].pk, "state": "positive"}, ["label_class"]),
        (lambda c: {"label_class": c["foreign"].pk, "state": "positive"}, ["label_class"]),
        (lambda c: {"label_class": 999999999, "state": "positive"}, ["label_class"]),
        (lambda c: {"label_class": c["tag"].pk, "state": "maybe"}, ["state"]),
        (lambda c: {"label_class": c["tag"].pk}, ["state"]),
        (lambda c: {"label_class": "cloudy", "state": "positive"}, ["label_class"]),
        (lambda c: {"label_class": c["tag"].pk, "state": "positive", "x": 1}, ["x"]),
    ],
)
def test_tags_refuse_bad_bodies(api, image, tag_class, label_class, member, body, fields):
    classes = {"tag": tag_class, "object": label_class, "foreign": LabelClassFactory(kind="tag")}

    response = api(member(Role.ANNOTATOR)).post(_tags_url(image), body(classes))

    assert_error(response, 400, "invalid", fields)
    assert not ImageTag.objects.exists()


def test_viewers_cannot_tag(api, image, tag_class, member):
    response = api(member(Role.VIEWER)).post(
        _tags_url(image), {"label_class": tag_class.pk, "state": "positive"}
    )

    assert_error(response, 403, "permission_denied", [])
    assert not ImageTag.objects.exists()


# --- gallery filters and ordering --------------------------------------------------------


@pytest.fixture
def gallery(event, tag_class, label_class):
    """Five images: tagged positive / negative / not at all, annotated by hand or by a model."""
    from events.models import Annotation
    from tests.factories import AnnotationFactory

    at = dt.datetime(2024, 5, 1, tzinfo=UTC)
    made = {
        name: ImageFactory(event=event, name=name, cloud_cover=cloud, acquired_at=acquired)
        for name, cloud, acquired in [
            ("b-pos.tif", 5.0, at + dt.timedelta(days=2)),
            ("a-neg.tif", 40.0, at),
            ("e-plain.tif", None, None),
            ("c-manual.tif", 80.0, at + dt.timedelta(days=1)),
            ("d-predicted.tif", 100.0, at + dt.timedelta(days=3)),
        ]
    }
    ImageTag.objects.create(image=made["b-pos.tif"], label_class=tag_class, state="positive")
    ImageTag.objects.create(image=made["a-neg.tif"], label_class=tag_class, state="negative")
    AnnotationFactory(image=made["c-manual.tif"], label_class=label_class)
    AnnotationFactory(
        image=made["d-predicted.tif"],
        label_class=label_class,
        source=Annotation.Source.PREDICTED,
        confidence=0.9,
    )
    ImageFactory(name="theirs-pos.tif", cloud_cover=5.0)  # another team's image
    return made


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"tag_state": "positive"}, {"b-pos.tif"}),
        ({"tag_state": "negative"}, {"a-neg.tif"}),
        ({"tag_state": "unlabeled"}, {"e-plain.tif", "c-manual.tif", "d-predicted.tif"}),
        ({}, {"b-pos.tif", "a-neg.tif"}),  # the class alone: tagged either way
        ({"cloud_cover_min": "40"}, {"a-neg.tif", "c-manual.tif", "d-predicted.tif"}),
        ({"cloud_cover_max": "40"}, {"b-pos.tif", "a-neg.tif"}),
        ({"cloud_cover_min": "10", "cloud_cover_max": "90"}, {"a-neg.tif", "c-manual.tif"}),
        ({"labelled": "true"}, {"b-pos.tif", "a-neg.tif", "c-manual.tif", "d-predicted.tif"}),
        ({"labelled": "false"}, {"e-plain.tif"}),
        ({"auto_labelled": "true"}, {"d-predicted.tif"}),
        ({"auto_labelled": "false"}, {"b-pos.tif", "a-neg.tif", "e-plain.tif", "c-manual.tif"}),
        (
            {"labelled": "true", "auto_labelled": "false", "cloud_cover_min": "30"},
            {"a-neg.tif", "c-manual.tif"},
        ),
    ],
)
def test_image_list_gallery_filters(api, event, viewer, gallery, tag_class, query, expected):
    uses_class = "tag_state" in query or not query
    if uses_class:
        query = {**query, "label_class": tag_class.pk}

    response = api(viewer).get(_list_url(event), query)

    assert _names(response) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        (None, ["b-pos.tif", "a-neg.tif", "e-plain.tif", "c-manual.tif", "d-predicted.tif"]),
        ("id", ["b-pos.tif", "a-neg.tif", "e-plain.tif", "c-manual.tif", "d-predicted.tif"]),
        ("-id", ["d-predicted.tif", "c-manual.tif", "e-plain.tif", "a-neg.tif", "b-pos.tif"]),
        ("name", ["a-neg.tif", "b-pos.tif", "c-manual.tif", "d-predicted.tif", "e-plain.tif"]),
        ("-name", ["e-plain.tif", "d-predicted.tif", "c-manual.tif", "b-pos.tif", "a-neg.tif"]),
        # Unknown values rank above every known one: last ascending, first descending.
        (
            "acquired_at",
            ["a-neg.tif", "c-manual.tif", "b-pos.tif", "d-predicted.tif", "e-plain.tif"],
        ),
        (
            "-acquired_at",
            ["e-plain.tif", "d-predicted.tif", "b-pos.tif", "c-manual.tif", "a-neg.tif"],
        ),
        (
            "cloud_cover",
            ["b-pos.tif", "a-neg.tif", "c-manual.tif", "d-predicted.tif", "e-plain.tif"],
        ),
        (
            "-cloud_cover",
            ["e-plain.tif", "d-predicted.tif", "c-manual.tif", "a-neg.tif", "b-pos.tif"],
        ),
        (
            "created_at",
            ["b-pos.tif", "a-neg.tif", "e-plain.tif", "c-manual.tif", "d-predicted.tif"],
        ),
        (
            "-created_at",
            ["d-predicted.tif", "c-manual.tif", "e-plain.tif", "a-neg.tif", "b-pos.tif"],
        ),
    ],
)
def test_image_list_ordering(api, event, viewer, gallery, ordering, expected):
    query = {"ordering": ordering} if ordering else {}

    response = api(viewer).get(_list_url(event), query)

    assert response.status_code == 200
    assert [r["name"] for r in response.json()["results"]] == expected


def test_image_list_ordering_pages_neither_overlap_nor_skip(api, event, viewer):
    at = dt.datetime(2024, 5, 1, tzinfo=UTC)
    for n in range(7):  # ties on acquired_at: id breaks them
        ImageFactory(event=event, name=f"tie-{n}.tif", acquired_at=at)
    client = api(viewer)

    names = []
    for page in (1, 2, 3, 4):
        body = client.get(
            _list_url(event), {"ordering": "-acquired_at", "page_size": 2, "page": page}
        ).json()
        names += [r["name"] for r in body["results"]]

    assert names == [f"tie-{n}.tif" for n in reversed(range(7))]


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"tag_state": "positive"}, ["tag_state"]),  # no label_class
        ({"label_class": "flooded"}, ["label_class"]),
        ({"label_class": "OBJECT", "tag_state": "positive"}, ["label_class"]),
        ({"label_class": "FOREIGN", "tag_state": "positive"}, ["label_class"]),
        ({"label_class": "TAG", "tag_state": "maybe"}, ["tag_state"]),
        ({"cloud_cover_min": "-1"}, ["cloud_cover_min"]),
        ({"cloud_cover_max": "101"}, ["cloud_cover_max"]),
        ({"cloud_cover_min": "cloudy"}, ["cloud_cover_min"]),
        ({"cloud_cover_min": "50", "cloud_cover_max": "10"}, ["cloud_cover_max"]),
        ({"labelled": "perhaps"}, ["labelled"]),
        ({"auto_labelled": "2"}, ["auto_labelled"]),
        ({"ordering": "confidence"}, ["ordering"]),
        ({"ordering": "--name"}, ["ordering"]),
    ],
)
def test_image_list_refuses_bad_gallery_filters(
    api, event, viewer, tag_class, label_class, query, fields
):
    ids = {
        "TAG": tag_class.pk,
        "OBJECT": label_class.pk,
        "FOREIGN": LabelClassFactory(kind="tag").pk,
    }
    query = {key: str(ids.get(value, value)) for key, value in query.items()}

    assert_error(api(viewer).get(_list_url(event), query), 400, "invalid", fields)


def test_image_list_rows_equal_the_image_serializer(api, event, viewer, tag_class, label_class):
    """The list builds its rows directly (image_rows, for speed): the same JSON as the
    ImageSerializer gives, for every kind of image."""
    from api.serializers.images import ImageSerializer

    full = ImageFactory(
        event=event,
        acquired_at=dt.datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=UTC),
        cloud_cover=12.5,
        nodata=0,
        reflectance_scale=0.0001,
        reflectance_offset=-0.1,
        provenance={"layer": "MODIS", "bbox": [1, 2, 3, 4]},
        stats=[{"min": 0, "max": 255, "mean": 1.5, "std": 0.5, "p2": 1, "p98": 200}],
        checksum="ab" * 32,
        status_message="fine",
    )
    full.preview.name, full.thumbnail.name = "previews/x.png", "thumbnails/x.png"
    full.save()
    ImageTag.objects.create(image=full, label_class=tag_class, state="positive")
    PixelImageFactory(event=event, band_names=[], status="processing")
    ImageFactory(event=event, footprint=_box(179, 0, 180, 1), transform=[1, 0, 0, 0, -1, 0])

    body = api(viewer).get(_list_url(event)).json()

    images = Image.objects.filter(event=event).order_by("id").prefetch_related("image_tags")
    assert body["results"] == ImageSerializer(images, many=True).data
    assert body["results"][0]["thumbnail_url"] == f"/api/v1/images/{full.pk}/thumbnail.png"
    assert body["results"][1]["tiles"] is None and body["results"][1]["preview_url"] is None
