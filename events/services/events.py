from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.auth.models import User
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from events.errors import InvalidInput
from events.geometry import validate_geographic_geometry
from events.models import Event, LabelClass, Team
from events.rules import Action, require

_UNSET: Any = object()
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _area_of_interest(geometry: dict[str, Any] | None, *, repair: bool) -> MultiPolygon | None:
    if geometry is None:
        return None
    geom = validate_geographic_geometry(geometry, repair=repair)
    geos = GEOSGeometry(geom.wkb_hex, srid=4326)
    return geos if isinstance(geos, MultiPolygon) else MultiPolygon(geos, srid=4326)


def _check_time_range(starts_at: dt.datetime | None, ends_at: dt.datetime | None) -> None:
    if starts_at and ends_at and ends_at < starts_at:
        raise InvalidInput(
            "The event ends before it starts.", fields={"ends_at": ["Must be after starts_at."]}
        )


def event_create(
    *,
    user: User,
    team: Team,
    name: str,
    description: str = "",
    phenomenon: str = "",
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    area_of_interest: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    repair: bool = False,
) -> Event:
    """A new event in ``team`` (managers and owners). ``area_of_interest`` is GeoJSON."""
    require(user, team, Action.MANAGE, what="Team")
    _check_time_range(starts_at, ends_at)
    aoi = _area_of_interest(area_of_interest, repair=repair)
    with transaction.atomic():
        root = slugify(name)[:180] or "event"
        taken = set(team.events.filter(slug__startswith=root).values_list("slug", flat=True))
        slug, n = root, 2
        while slug in taken:
            slug, n = f"{root}-{n}", n + 1
        return Event.objects.create(
            team=team,
            name=name,
            slug=slug,
            description=description,
            phenomenon=phenomenon,
            starts_at=starts_at,
            ends_at=ends_at,
            area_of_interest=aoi,
            settings=settings or {},
            created_by=user,
        )


def event_update(
    *,
    user: User,
    event: Event,
    name: str = _UNSET,
    description: str = _UNSET,
    phenomenon: str = _UNSET,
    starts_at: dt.datetime | None = _UNSET,
    ends_at: dt.datetime | None = _UNSET,
    area_of_interest: dict[str, Any] | None = _UNSET,
    settings: dict[str, Any] = _UNSET,
    repair: bool = False,
) -> Event:
    """Change an event's fields (managers and owners); omitted fields stay as they are."""
    require(user, event.team_id, Action.MANAGE, what="Event")
    changes: dict[str, Any] = {
        key: value
        for key, value in {
            "name": name,
            "description": description,
            "phenomenon": phenomenon,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "settings": settings,
        }.items()
        if value is not _UNSET
    }
    if area_of_interest is not _UNSET:
        changes["area_of_interest"] = _area_of_interest(area_of_interest, repair=repair)
    _check_time_range(
        changes.get("starts_at", event.starts_at), changes.get("ends_at", event.ends_at)
    )
    for key, value in changes.items():
        setattr(event, key, value)
    event.save()
    return event


def event_delete(*, user: User, event: Event) -> None:
    """Delete an event with its images, labels and shapes (managers and owners)."""
    require(user, event.team_id, Action.MANAGE, what="Event")
    event.delete()


def _check_label_class(fields: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if "name" in fields and not str(fields["name"]).strip():
        errors["name"] = ["This field may not be blank."]
    if "color" in fields and not _COLOR.match(str(fields["color"])):
        errors["color"] = ["Use a #rrggbb colour, e.g. #1f77b4."]
    if "hotkey" in fields and len(str(fields["hotkey"])) > 1:
        errors["hotkey"] = ["A hotkey is one character."]
    if "kind" in fields and fields["kind"] not in LabelClass.Kind.values:
        errors["kind"] = [f"Choose one of {', '.join(LabelClass.Kind.values)}."]
    if errors:
        field, messages = next(iter(errors.items()))
        raise InvalidInput(f"Invalid label class: {field}: {messages[0]}", fields=errors)


def _save_label_class(label_class: LabelClass) -> LabelClass:
    try:
        with transaction.atomic():
            label_class.save()
    except IntegrityError:
        clash = LabelClass.objects.filter(event_id=label_class.event_id).exclude(pk=label_class.pk)
        if clash.filter(name=label_class.name).exists():
            raise InvalidInput(
                f"This event already has a label class named {label_class.name!r}.",
                fields={"name": ["Already used in this event."]},
            ) from None
        raise InvalidInput(
            f"Hotkey {label_class.hotkey!r} is already used in this event.",
            fields={"hotkey": ["Already used in this event."]},
        ) from None
    return label_class


def _uses(label_class: LabelClass) -> int:
    """How many labels (annotations, image tags, map shapes) carry this class."""
    return (
        label_class.annotations.count()
        + label_class.image_tags.count()
        + label_class.map_shapes.count()
    )


def label_class_create(*, user: User, event: Event, **fields: Any) -> LabelClass:
    """A new label class (name, color, hotkey, order, kind, description, value)."""
    require(user, event.team_id, Action.MANAGE, what="Event")
    _check_label_class({"name": "", **fields})
    if "order" not in fields:
        fields["order"] = event.label_classes.count()
    return _save_label_class(LabelClass(event=event, **fields))


def label_class_update(*, user: User, label_class: LabelClass, **fields: Any) -> LabelClass:
    """Change a label class; its kind cannot change once labels use it."""
    require(user, label_class.event.team_id, Action.MANAGE, what="Label class")
    _check_label_class(fields)
    if "kind" in fields and fields["kind"] != label_class.kind and _uses(label_class):
        raise InvalidInput(
            "This label class is used by labels; its kind cannot change.",
            fields={"kind": ["In use."]},
        )
    for key, value in fields.items():
        setattr(label_class, key, value)
    return _save_label_class(label_class)


def label_class_delete(*, user: User, label_class: LabelClass) -> None:
    """Delete a label class that no annotation, image tag or map shape uses."""
    require(user, label_class.event.team_id, Action.MANAGE, what="Label class")
    in_use = _uses(label_class)
    if in_use:
        raise InvalidInput(
            f"{in_use} annotations, image tags or map shapes use this label class; "
            "delete or relabel them first."
        )
    label_class.delete()
