"""/api/v1/events/{id}/map-shapes/ and /api/v1/map-shapes/{id}/: GeoJSON per RFC 7946."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.gis.geos import GEOSGeometry

from events.models import MapShape, Role
from tests.api.support import assert_error, assert_rfc7946, is_ccw
from tests.factories import LabelClassFactory, MapShapeFactory

pytestmark = pytest.mark.django_db

# Clockwise exterior with a counter-clockwise hole: both the wrong way round for RFC 7946.
CLOCKWISE_WITH_HOLE = {
    "type": "Polygon",
    "coordinates": [
        [[10, 40], [10, 41], [11, 41], [11, 40], [10, 40]],
        [[10.2, 40.2], [10.8, 40.2], [10.8, 40.8], [10.2, 40.8], [10.2, 40.2]],
    ],
}
SQUARE = {"type": "Polygon", "coordinates": [[[20, 0], [21, 0], [21, 1], [20, 1], [20, 0]]]}
BOWTIE = {"type": "Polygon", "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]}
CRS = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}


def _list_url(event) -> str:
    return f"/api/v1/events/{event.pk}/map-shapes/"


def _url(shape) -> str:
    return f"/api/v1/map-shapes/{shape.pk}/"


def _feature(geometry: Any = SQUARE, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _collection(*features: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def _assert_no_crs(data: Any) -> None:
    """No `crs` member at any level of a GeoJSON document."""
    if isinstance(data, dict):
        assert "crs" not in data, data
        for value in data.values():
            _assert_no_crs(value)
    elif isinstance(data, list):
        for value in data:
            _assert_no_crs(value)


@pytest.fixture
def annotator(member):
    return member(Role.ANNOTATOR)


@pytest.fixture
def foreign_shape():
    return MapShapeFactory(properties={"owner": "someone else"})


# --- list --------------------------------------------------------------------------------


def test_map_shapes_are_a_feature_collection(api, event, label_class, member):
    author = member(Role.ANNOTATOR)
    shape = MapShapeFactory(
        event=event, label_class=label_class, author=author, properties={"note": "levee"}
    )
    MapShapeFactory()  # another event's

    response = api(member(Role.VIEWER)).get(_list_url(event))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"type", "features"}
    assert body["type"] == "FeatureCollection"
    [feature] = body["features"]
    assert feature == {
        "type": "Feature",
        "id": shape.pk,
        "geometry": feature["geometry"],
        "properties": {
            "note": "levee",
            "label_class": label_class.pk,
            "label": "flooded",
            "author": author.username,
            "created_at": shape.created_at.isoformat(),
            "updated_at": shape.updated_at.isoformat(),
        },
    }
    assert feature["geometry"]["type"] == "Polygon"
    assert GEOSGeometry(json.dumps(feature["geometry"]), srid=4326).equals(shape.geometry)
    assert_rfc7946(feature["geometry"])
    _assert_no_crs(body)


def test_stored_clockwise_rings_are_answered_counter_clockwise(api, event, member):
    stored = GEOSGeometry(json.dumps(CLOCKWISE_WITH_HOLE), srid=4326)
    shape = MapShapeFactory(event=event, geometry=stored)
    assert not is_ccw(list(shape.geometry.coords[0]))  # really stored clockwise

    body = api(member(Role.VIEWER)).get(_list_url(event)).json()

    geometry = body["features"][0]["geometry"]
    assert_rfc7946(geometry)
    assert len(geometry["coordinates"]) == 2


def test_map_shapes_filter_by_label_class(api, event, label_class, member):
    other = LabelClassFactory(event=event, name="burn scar")
    flooded = MapShapeFactory(event=event, label_class=label_class)
    MapShapeFactory(event=event, label_class=other)
    MapShapeFactory(event=event)
    client = api(member(Role.VIEWER))

    body = client.get(_list_url(event), {"label_class": label_class.pk}).json()

    assert [f["id"] for f in body["features"]] == [flooded.pk]
    assert len(client.get(_list_url(event)).json()["features"]) == 3
    assert client.get(_list_url(event), {"label_class": 999999}).json()["features"] == []


@pytest.mark.parametrize(
    ("query", "fields"),
    [({"label_class": "flooded"}, ["label_class"]), ({"bbox": "0,0,1,1"}, ["bbox"])],
)
def test_map_shape_list_refuses_bad_queries(api, event, member, query, fields):
    assert_error(api(member(Role.VIEWER)).get(_list_url(event), query), 400, "invalid", fields)


# --- create ------------------------------------------------------------------------------


def test_post_a_feature(api, event, label_class, annotator):
    response = api(annotator).post(
        _list_url(event), _feature(CLOCKWISE_WITH_HOLE, label_class="flooded", note="breach")
    )

    assert response.status_code == 201
    body = response.json()
    assert body["type"] == "FeatureCollection"
    [feature] = body["features"]
    shape = MapShape.objects.get()
    assert feature["id"] == shape.pk
    assert (shape.event, shape.label_class, shape.author) == (event, label_class, annotator)
    assert shape.properties == {"note": "breach"}
    props = feature["properties"]
    assert (props["label_class"], props["label"], props["author"], props["note"]) == (
        label_class.pk,
        "flooded",
        annotator.username,
        "breach",
    )
    # The clockwise input comes back counter-clockwise, its hole clockwise; no crs member.
    assert_rfc7946(feature["geometry"])
    _assert_no_crs(body)
    assert shape.geometry.equals(GEOSGeometry(json.dumps(CLOCKWISE_WITH_HOLE), srid=4326))


def test_post_a_feature_collection(api, event, label_class, annotator):
    line = {"type": "LineString", "coordinates": [[10, 40], [11, 41]]}
    point = {"type": "Point", "coordinates": [10.5, 40.5]}
    data = _collection(_feature(label_class=label_class.pk), _feature(line), _feature(point))

    response = api(annotator).post(_list_url(event), data)

    assert response.status_code == 201
    features = response.json()["features"]
    assert [f["geometry"]["type"] for f in features] == ["Polygon", "LineString", "Point"]
    assert [f["properties"]["label_class"] for f in features] == [label_class.pk, None, None]
    assert features[1]["geometry"] == line
    assert features[2]["geometry"] == point
    assert sorted(f["id"] for f in features) == sorted(
        MapShape.objects.values_list("pk", flat=True)
    )


@pytest.mark.parametrize(
    "content_type", ["application/geo+json", "application/geo+json; charset=utf-8"]
)
def test_post_geojson_media_type(api, event, annotator, content_type):
    data = _collection(_feature(), _feature(CLOCKWISE_WITH_HOLE))

    response = api(annotator).post(_list_url(event), json.dumps(data), content_type=content_type)

    assert response.status_code == 201, response.content
    assert len(response.json()["features"]) == 2
    assert MapShape.objects.count() == 2


def test_post_refuses_other_media_types(api, event, annotator):
    response = api(annotator).post(
        _list_url(event), json.dumps(_feature()), content_type="text/plain"
    )

    assert_error(response, 415, "unsupported_media_type", [])
    assert not MapShape.objects.exists()


def test_one_bad_feature_writes_nothing_and_is_named(api, event, annotator):
    out_of_range = {"type": "Point", "coordinates": [10, 95]}
    data = _collection(_feature(), _feature(out_of_range), _feature())

    body = assert_error(api(annotator).post(_list_url(event), data), 400, "invalid_geometry")

    assert list(body["fields"]) == ["features.1"]
    assert body["detail"].startswith("Feature 1: ")
    assert not MapShape.objects.exists()


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Point", "coordinates": [181, 0]},
        {"type": "Point", "coordinates": [-180.5, 0]},
        {"type": "Point", "coordinates": [0, 90.01]},
        {"type": "Point", "coordinates": [0, -91]},
        # lat, lon order by mistake: 100 is not a latitude
        {"type": "Polygon", "coordinates": [[[40, 100], [41, 100], [41, 101], [40, 100]]]},
    ],
)
def test_out_of_range_coordinates_are_refused(api, event, annotator, geometry):
    response = api(annotator).post(_list_url(event), _feature(geometry))

    body = assert_error(response, 400, "invalid_geometry", ["features.0"])
    assert "longitude" in body["detail"]
    assert not MapShape.objects.exists()


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({**_collection(_feature()), "crs": CRS}, ["crs"]),
        ({**_feature(), "crs": CRS}, ["crs"]),
        (_collection(_feature(), {**_feature(), "crs": CRS}), ["features.1"]),
        (_feature({**SQUARE, "crs": CRS}), ["features.0"]),
    ],
    ids=["collection", "feature", "feature-in-collection", "geometry"],
)
def test_a_crs_member_is_refused(api, event, annotator, data, fields):
    body = assert_error(
        api(annotator).post(_list_url(event), data), 400, "invalid_geometry", fields
    )

    assert "crs" in body["detail"]
    assert not MapShape.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"type": "FeatureCollection", "features": []},
        {"type": "Polygon", "coordinates": SQUARE["coordinates"]},
        [_feature()],
    ],
    ids=["empty", "bare-geometry", "array"],
)
def test_post_refuses_what_is_not_a_feature(api, event, annotator, data):
    assert_error(api(annotator).post(_list_url(event), data), 400, "invalid")
    assert not MapShape.objects.exists()


def test_post_refuses_another_events_label_class(api, event, annotator):
    foreign = LabelClassFactory(name="elsewhere")

    response = api(annotator).post(_list_url(event), _feature(label_class=foreign.pk))

    assert_error(response, 400, "invalid", ["features.0"])
    assert not MapShape.objects.exists()


def test_repair_is_a_query_parameter(api, event, annotator):
    client = api(annotator)

    assert_error(client.post(_list_url(event), _feature(BOWTIE)), 400, "invalid_geometry")
    response = client.post(f"{_list_url(event)}?repair=true", _feature(BOWTIE))

    assert response.status_code == 201
    geometry = response.json()["features"][0]["geometry"]
    assert geometry["type"] == "MultiPolygon"
    assert_rfc7946(geometry)


def test_viewers_cannot_draw(api, event, member):
    response = api(member(Role.VIEWER)).post(_list_url(event), _feature())

    assert_error(response, 403, "permission_denied", [])
    assert not MapShape.objects.exists()


# --- detail ------------------------------------------------------------------------------


@pytest.fixture
def shape(event, label_class):
    return MapShapeFactory(event=event, label_class=label_class, properties={"note": "old"})


def test_map_shape_detail_is_a_feature(api, shape, member):
    response = api(member(Role.VIEWER)).get(_url(shape))

    assert response.status_code == 200
    body = response.json()
    assert (body["type"], body["id"]) == ("Feature", shape.pk)
    assert body["properties"]["note"] == "old"
    assert body["properties"]["label"] == "flooded"
    assert_rfc7946(body["geometry"])
    _assert_no_crs(body)


def test_map_shape_patch_geometry_and_properties(api, event, shape, annotator):
    other = LabelClassFactory(event=event, name="burn scar")
    client = api(annotator)

    response = client.patch(_url(shape), {"type": "Feature", "geometry": CLOCKWISE_WITH_HOLE})
    assert response.status_code == 200
    assert_rfc7946(response.json()["geometry"])
    assert response.json()["properties"]["note"] == "old"

    response = client.patch(
        _url(shape),
        json.dumps({"properties": {"label_class": "burn scar", "note": "new"}}),
        content_type="application/geo+json",
    )
    assert response.status_code == 200
    assert response.json()["properties"]["label_class"] == other.pk
    assert response.json()["properties"]["label"] == "burn scar"
    shape.refresh_from_db()
    assert (shape.label_class, shape.properties) == (other, {"note": "new"})
    assert shape.geometry.equals(GEOSGeometry(json.dumps(CLOCKWISE_WITH_HOLE), srid=4326))


@pytest.mark.parametrize(
    ("data", "status", "code", "fields"),
    [
        ({"geomtry": SQUARE}, 400, "invalid", ["geomtry"]),
        ({"geometry": BOWTIE}, 400, "invalid_geometry", []),
        ({"geometry": {"type": "Point", "coordinates": [200, 0]}}, 400, "invalid_geometry", []),
        ({"geometry": SQUARE, "crs": CRS}, 400, "invalid_geometry", ["crs"]),
    ],
)
def test_map_shape_patch_refuses_bad_bodies(api, shape, annotator, data, status, code, fields):
    before = shape.geometry.wkt

    assert_error(api(annotator).patch(_url(shape), data), status, code, fields)
    shape.refresh_from_db()
    assert shape.geometry.wkt == before


def test_map_shape_patch_and_delete_are_refused_to_viewers(api, shape, member):
    client = api(member(Role.VIEWER))

    assert_error(client.patch(_url(shape), {"geometry": SQUARE}), 403, "permission_denied", [])
    assert_error(client.delete(_url(shape)), 403, "permission_denied", [])
    assert MapShape.objects.filter(pk=shape.pk).exists()


def test_map_shape_delete(api, shape, annotator):
    assert api(annotator).delete(_url(shape)).status_code == 204
    assert not MapShape.objects.filter(pk=shape.pk).exists()


def test_another_teams_shapes_are_not_found(api, annotator, foreign_shape):
    client = api(annotator)

    assert_error(client.get(_list_url(foreign_shape.event)), 404, "not_found", [])
    assert_error(client.post(_list_url(foreign_shape.event), _feature()), 404, "not_found", [])
    assert_error(client.get(_url(foreign_shape)), 404, "not_found", [])
    assert_error(client.patch(_url(foreign_shape), {"geometry": SQUARE}), 404, "not_found", [])
    assert_error(client.delete(_url(foreign_shape)), 404, "not_found", [])
    foreign_shape.refresh_from_db()
    assert MapShape.objects.count() == 1
    assert foreign_shape.properties == {"owner": "someone else"}
