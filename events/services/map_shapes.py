"""Map shapes: GeoJSON Features in EPSG:4326 drawn over an event's areas of interest."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction

from events.errors import GeometryError, InvalidInput
from events.geometry import validate_geographic_geometry
from events.models import Event, LabelClass, MapShape
from events.rules import Action, require

#: Geometry types a map shape may have.
SHAPE_TYPES = ("Polygon", "MultiPolygon", "LineString", "MultiLineString", "Point", "MultiPoint")
#: Members of a Feature sent to update a shape (RFC 7946 §3.2); anything else is a typo.
_UPDATE_MEMBERS = ("type", "id", "geometry", "properties", "bbox")
_UNSET: Any = object()


def _refuse_crs(data: dict[str, Any]) -> None:
    # RFC 7946 §4 dropped `crs`: coordinates are EPSG:4326, whatever a `crs` member says.
    if "crs" in data:
        raise GeometryError(
            "GeoJSON is EPSG:4326 (RFC 7946); remove the 'crs' member.",
            fields={"crs": ["Not allowed."]},
        )


def _features(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, dict) or data.get("type") not in ("Feature", "FeatureCollection"):
        raise InvalidInput(
            "Send a GeoJSON Feature or FeatureCollection.",
            fields={"type": ["Feature or FeatureCollection."]},
        )
    _refuse_crs(data)
    if data["type"] == "Feature":
        return [data]
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise InvalidInput(
            "A FeatureCollection needs a non-empty 'features' array.",
            fields={"features": ["Empty."]},
        )
    return features


def _label_class(event: Event, value: Any, classes: dict[int, LabelClass]) -> LabelClass | None:
    if value is None:
        return None
    found = classes.get(value) if isinstance(value, int) and not isinstance(value, bool) else None
    if found is None:
        found = next((c for c in classes.values() if c.name == value), None)
    if found is None:
        raise InvalidInput(f"Label class {value!r} is not a class of this event.")
    return found


def _prepare(
    event: Event, feature: Any, classes: dict[int, LabelClass], *, repair: bool
) -> dict[str, Any]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise InvalidInput("Each item must be a GeoJSON Feature.")
    _refuse_crs(feature)
    properties = dict(feature.get("properties") or {})
    label = _label_class(event, properties.pop("label_class", None), classes)
    for derived in ("label", "author", "created_at", "updated_at"):
        properties.pop(derived, None)
    geom = validate_geographic_geometry(
        feature.get("geometry"),
        allowed=SHAPE_TYPES,
        repair=repair,
        max_vertices=settings.LABELER_MAX_VERTICES,
    )
    return {
        "label_class": label,
        "geometry": GEOSGeometry(geom.wkb_hex, srid=4326),
        "properties": properties,
    }


def map_shapes_create(
    *, user: User, event: Event, data: Any, repair: bool = False
) -> list[MapShape]:
    """Create the shapes of a GeoJSON Feature or FeatureCollection, all or none.

    A feature's ``properties.label_class`` is a label class id or name of this event; the
    other properties are kept as the shape's properties.
    """
    require(user, event.team_id, Action.ANNOTATE, what="Event")
    classes = {c.pk: c for c in event.label_classes.all()}
    prepared = []
    for index, feature in enumerate(_features(data)):
        try:
            prepared.append(_prepare(event, feature, classes, repair=repair))
        except InvalidInput as error:
            raise type(error)(
                f"Feature {index}: {error.detail}", fields={f"features.{index}": [error.detail]}
            ) from None
    with transaction.atomic():
        return [MapShape.objects.create(event=event, author=user, **fields) for fields in prepared]


def map_shape_update(*, user: User, shape: MapShape, data: Any, repair: bool = False) -> MapShape:
    """Replace a shape's geometry and/or properties from a GeoJSON Feature (partial)."""
    require(user, shape.event.team_id, Action.ANNOTATE, what="Map shape")
    if not isinstance(data, dict):
        raise InvalidInput("Send a GeoJSON Feature.")
    _refuse_crs(data)
    unknown = sorted(set(data) - set(_UPDATE_MEMBERS))
    if unknown:
        raise InvalidInput(
            f"Unknown member {unknown[0]!r}; a Feature has {', '.join(_UPDATE_MEMBERS)}.",
            fields={name: [f"Unknown field {name!r}."] for name in unknown},
        )
    classes = {c.pk: c for c in shape.event.label_classes.all()}
    if data.get("geometry") is not None:
        geom = validate_geographic_geometry(
            data["geometry"],
            allowed=SHAPE_TYPES,
            repair=repair,
            max_vertices=settings.LABELER_MAX_VERTICES,
        )
        shape.geometry = GEOSGeometry(geom.wkb_hex, srid=4326)
    if "properties" in data:
        properties = dict(data["properties"] or {})
        if "label_class" in properties:
            shape.label_class = _label_class(shape.event, properties.pop("label_class"), classes)
        for derived in ("label", "author", "created_at", "updated_at"):
            properties.pop(derived, None)
        shape.properties = properties
    shape.save()
    return shape


def map_shape_delete(*, user: User, shape: MapShape) -> None:
    require(user, shape.event.team_id, Action.ANNOTATE, what="Map shape")
    shape.delete()
