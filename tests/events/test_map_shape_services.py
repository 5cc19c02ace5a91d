"""Map shape services (events/services/map_shapes.py): GeoJSON in, all or none."""

from __future__ import annotations

from typing import Any

import pytest

from events.errors import Forbidden, GeometryError, InvalidInput, NotFound
from events.models import MapShape, Role
from events.services.map_shapes import map_shape_delete, map_shape_update, map_shapes_create
from tests.factories import LabelClassFactory, MapShapeFactory, UserFactory

pytestmark = pytest.mark.django_db

SQUARE = {"type": "Polygon", "coordinates": [[[10, 40], [11, 40], [11, 41], [10, 41], [10, 40]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}


def _feature(geometry: Any = SQUARE, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _collection(*features: Any, **members: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features), **members}


@pytest.fixture
def annotator(member):
    return member(Role.ANNOTATOR)


def test_a_feature_becomes_one_shape_with_its_properties(event, label_class, annotator):
    [shape] = map_shapes_create(
        user=annotator,
        event=event,
        data=_feature(label_class=label_class.pk, note="levee breach", label="ignored"),
    )

    shape.refresh_from_db()
    assert (shape.event, shape.label_class, shape.author) == (event, label_class, annotator)
    assert shape.geometry.geom_type == "Polygon"
    assert shape.geometry.srid == 4326
    assert shape.geometry.extent == (10.0, 40.0, 11.0, 41.0)
    # label_class becomes the relation; derived properties (label, author...) are not kept.
    assert shape.properties == {"note": "levee breach"}


def test_label_class_may_be_given_by_name(event, label_class, annotator):
    [shape] = map_shapes_create(user=annotator, event=event, data=_feature(label_class="flooded"))

    assert shape.label_class == label_class


def test_a_shape_may_have_no_label_class(event, annotator):
    [shape] = map_shapes_create(user=annotator, event=event, data=_feature())

    assert shape.label_class is None
    assert shape.properties == {}


@pytest.mark.parametrize("value", ["no-such-class", 10**9, True])
def test_unknown_label_classes_are_refused(event, label_class, annotator, value):
    with pytest.raises(InvalidInput) as caught:
        map_shapes_create(user=annotator, event=event, data=_feature(label_class=value))

    assert list(caught.value.fields) == ["features.0"]
    assert not MapShape.objects.exists()


def test_another_events_label_class_is_refused_by_id_and_by_name(event, annotator):
    foreign = LabelClassFactory(name="elsewhere")

    for value in (foreign.pk, "elsewhere"):
        with pytest.raises(InvalidInput):
            map_shapes_create(user=annotator, event=event, data=_feature(label_class=value))
    assert not MapShape.objects.exists()


def test_a_collection_creates_every_shape_in_order(event, label_class, annotator):
    line = {"type": "LineString", "coordinates": [[10, 40], [11, 41]]}
    point = {"type": "Point", "coordinates": [10.5, 40.5]}

    shapes = map_shapes_create(
        user=annotator,
        event=event,
        data=_collection(_feature(), _feature(line, label_class="flooded"), _feature(point)),
    )

    assert [s.geometry.geom_type for s in shapes] == ["Polygon", "LineString", "Point"]
    assert [s.label_class for s in shapes] == [None, label_class, None]
    assert list(event.map_shapes.order_by("id")) == shapes


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        (_feature(BOWTIE), GeometryError),
        (_feature({"type": "Point", "coordinates": [200, 40]}), GeometryError),
        (_feature({"type": "Point", "coordinates": [10, -91]}), GeometryError),
        (_feature({"type": "GeometryCollection", "geometries": []}), GeometryError),
        (_feature(None), GeometryError),
        (_feature(label_class="nope"), InvalidInput),
        ({"type": "Polygon", "coordinates": SQUARE["coordinates"]}, InvalidInput),
        ("not a feature", InvalidInput),
    ],
    ids=["bowtie", "lon", "lat", "collection", "null", "class", "bare-geometry", "string"],
)
def test_one_bad_feature_writes_nothing_and_is_named(event, label_class, annotator, bad, error):
    data = _collection(_feature(), _feature(), bad, _feature())

    with pytest.raises(error) as caught:
        map_shapes_create(user=annotator, event=event, data=data)

    assert caught.value.detail.startswith("Feature 2: ")
    assert list(caught.value.fields) == ["features.2"]
    assert not MapShape.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"type": "FeatureCollection", "features": []},
        {"type": "FeatureCollection"},
        {"type": "Polygon", "coordinates": SQUARE["coordinates"]},
        [_feature()],
        None,
    ],
    ids=["empty", "no-features", "geometry", "array", "null"],
)
def test_only_features_and_non_empty_collections_are_accepted(event, annotator, data):
    with pytest.raises(InvalidInput):
        map_shapes_create(user=annotator, event=event, data=data)
    assert not MapShape.objects.exists()


def test_a_crs_member_is_refused_anywhere(event, annotator):
    """GeoJSON is EPSG:4326 only (RFC 7946 §4): a `crs` member means the client expects
    another CRS to be honoured, which it would not be."""
    crs = {"type": "name", "properties": {"name": "EPSG:3857"}}
    with_crs = [
        _collection(_feature(), crs=crs),
        {**_feature(), "crs": crs},
        _collection({**_feature(), "crs": crs}),
        _feature({**SQUARE, "crs": crs}),
    ]

    for data in with_crs:
        with pytest.raises(GeometryError, match="crs"):
            map_shapes_create(user=annotator, event=event, data=data)
    assert not MapShape.objects.exists()


def test_repair_fixes_a_bowtie_when_asked(event, annotator):
    [shape] = map_shapes_create(user=annotator, event=event, data=_feature(BOWTIE), repair=True)

    assert shape.geometry.valid
    assert shape.geometry.area == pytest.approx(2.0)


def test_viewers_cannot_draw_and_strangers_get_not_found(event, member):
    with pytest.raises(Forbidden):
        map_shapes_create(user=member(Role.VIEWER), event=event, data=_feature())
    with pytest.raises(NotFound):
        map_shapes_create(user=UserFactory(), event=event, data=_feature())
    assert not MapShape.objects.exists()


# --- update and delete -------------------------------------------------------------------


@pytest.fixture
def shape(event, label_class):
    return MapShapeFactory(event=event, label_class=label_class, properties={"note": "old"})


def test_update_geometry_only_keeps_properties_and_class(shape, label_class, annotator):
    map_shape_update(user=annotator, shape=shape, data={"type": "Feature", "geometry": SQUARE})

    shape.refresh_from_db()
    assert shape.geometry.extent == (10.0, 40.0, 11.0, 41.0)
    assert (shape.properties, shape.label_class) == ({"note": "old"}, label_class)


def test_update_properties_only_keeps_geometry(shape, event, annotator):
    before = shape.geometry.wkt
    other = LabelClassFactory(event=event, name="burn scar")

    map_shape_update(
        user=annotator,
        shape=shape,
        data={"properties": {"label_class": "burn scar", "note": "new", "author": "x"}},
    )

    shape.refresh_from_db()
    assert shape.geometry.wkt == before
    assert (shape.properties, shape.label_class) == ({"note": "new"}, other)


def test_update_may_clear_the_label_class(shape, annotator):
    map_shape_update(user=annotator, shape=shape, data={"properties": {"label_class": None}})

    shape.refresh_from_db()
    assert shape.label_class is None


def test_update_refuses_bad_geometry_and_foreign_classes(shape, label_class, annotator):
    before = shape.geometry.wkt
    foreign = LabelClassFactory()

    with pytest.raises(GeometryError):
        map_shape_update(user=annotator, shape=shape, data={"geometry": BOWTIE})
    with pytest.raises(GeometryError):
        map_shape_update(
            user=annotator,
            shape=shape,
            data={"geometry": {"type": "Point", "coordinates": [0, 99]}},
        )
    with pytest.raises(InvalidInput):
        map_shape_update(
            user=annotator, shape=shape, data={"properties": {"label_class": foreign.pk}}
        )

    shape.refresh_from_db()
    assert (shape.geometry.wkt, shape.label_class) == (before, label_class)


def test_update_refuses_unknown_members_and_crs(shape, annotator):
    """A typo (`geomtry`) must not be answered by a silent no-op."""
    before = shape.geometry.wkt

    with pytest.raises(InvalidInput) as caught:
        map_shape_update(user=annotator, shape=shape, data={"geomtry": SQUARE})
    assert list(caught.value.fields) == ["geomtry"]
    with pytest.raises(GeometryError, match="crs"):
        map_shape_update(
            user=annotator,
            shape=shape,
            data={"geometry": SQUARE, "crs": {"type": "name", "properties": {"name": "x"}}},
        )

    shape.refresh_from_db()
    assert shape.geometry.wkt == before


def test_update_and_delete_need_an_annotator(shape, member):
    viewer = member(Role.VIEWER)

    with pytest.raises(Forbidden):
        map_shape_update(user=viewer, shape=shape, data={"geometry": SQUARE})
    with pytest.raises(Forbidden):
        map_shape_delete(user=viewer, shape=shape)
    with pytest.raises(NotFound):
        map_shape_delete(user=UserFactory(), shape=shape)
    assert MapShape.objects.filter(pk=shape.pk).exists()


def test_delete_removes_the_shape(shape, annotator):
    map_shape_delete(user=annotator, shape=shape)

    assert not MapShape.objects.filter(pk=shape.pk).exists()
