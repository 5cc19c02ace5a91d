"""The permission matrix: every API route x every role x a foreign team x anonymous.

Generated from api/urls.py, so a new route without a rule here fails ``test_every_route_has
_a_rule``. For each route and method the rule names the least role that may use it; members
with a lower role get 403, members of another team 404 (the object's existence stays
hidden), anonymous callers 401.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from events.models import Annotation, Event, LabelClass, Membership, Role
from events.rules import RANK
from tests.factories import (
    AnnotationFactory,
    EventFactory,
    ImageFactory,
    LabelClassFactory,
    MapShapeFactory,
    TeamFactory,
    UserFactory,
)
from tests.workers.imagery import small_png

ROLES = [Role.OWNER, Role.MANAGER, Role.REVIEWER, Role.ANNOTATOR, Role.VIEWER]
ANYONE = "anyone signed in"  # no team involved: any authenticated user
PUBLIC = "public"  # no authentication needed


@dataclass
class World:
    """One team with a member of each role, its objects, and an outsider's team."""

    team: Any
    users: dict[str, Any]
    outsider: Any
    event: Event
    object_class: LabelClass
    tag_class: LabelClass
    image: Any
    annotation: Annotation
    map_shape: Any
    target_member: Membership
    job: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def build_world() -> World:
    team = TeamFactory()
    users = {}
    for role in ROLES:
        user = UserFactory()
        Membership.objects.create(team=team, user=user, role=role)
        users[role] = user
    outsider = UserFactory()
    Membership.objects.create(team=TeamFactory(), user=outsider, role=Role.OWNER)
    event = EventFactory(team=team)
    object_class = LabelClassFactory(event=event, name="water")
    tag_class = LabelClassFactory(event=event, name="flooded", kind=LabelClass.Kind.TAG)
    image = ImageFactory(event=event)
    annotation = AnnotationFactory(image=image, label_class=object_class)
    map_shape = MapShapeFactory(event=event, label_class=object_class)
    target = Membership.objects.create(team=team, user=UserFactory(), role=Role.VIEWER)
    world = World(
        team=team,
        users=users,
        outsider=outsider,
        event=event,
        object_class=object_class,
        tag_class=tag_class,
        image=image,
        annotation=annotation,
        map_shape=map_shape,
        target_member=target,
    )
    from workers.models import Job

    world.job = Job.objects.create(
        kind="event_summary", owner=users[Role.OWNER], team=team, event=event
    )
    return world


@dataclass(frozen=True)
class Rule:
    who: str  # a Role value, ANYONE or PUBLIC
    kwargs: Callable[[World], dict[str, Any]] = lambda w: {}
    body: Callable[[World], Any] = lambda w: None
    ok: int = 200
    format: str = "json"


BOX = {"type": "Polygon", "coordinates": [[[5, 5], [20, 5], [20, 15], [5, 15], [5, 5]]]}
SQUARE_LONLAT = {
    "type": "Polygon",
    "coordinates": [[[10, 40], [10.1, 40], [10.1, 40.1], [10, 40.1], [10, 40]]],
}


def _team(w: World) -> dict[str, Any]:
    return {"team_id": w.team.pk}


def _event(w: World) -> dict[str, Any]:
    return {"event_id": w.event.pk}


def _image(w: World) -> dict[str, Any]:
    return {"image_id": w.image.pk}


def _annotation(w: World) -> dict[str, Any]:
    return {"annotation_id": w.annotation.pk}


def _sentinelhub_team(w: World) -> dict[str, Any]:
    """The world's team with saved Sentinel Hub credentials."""
    from events.services.credentials import sentinelhub_credential_set

    sentinelhub_credential_set(
        user=w.users[Role.OWNER], team=w.team, client_id="c", client_secret="s", endpoint="cdse"
    )
    return {"team_id": w.team.pk}


def _dataset(w: World) -> dict[str, Any]:
    """A dataset version of the world's event, really built (classification CSV)."""
    from workers.exports.build import dataset_start
    from workers.services import job_run

    version, job = dataset_start(
        user=w.users[Role.REVIEWER], event=w.event, formats=["classification_csv"]
    )
    job_run(job_id=job.pk)
    return {"dataset_id": version.pk}


def _raster_image(w: World) -> dict[str, Any]:
    """The world's image with a real COG (a EuroSAT 13-band patch), preview and thumbnail."""
    from tests.rasters import attach_raster

    attach_raster(w.image)
    return {"image_id": w.image.pk}


def _raster_tile(space: str) -> Callable[[World], dict[str, Any]]:
    def kwargs(w: World) -> dict[str, Any]:
        from workers import tiles

        _raster_image(w)
        info = tiles.StoredRaster.from_image(w.image)
        found = tiles.tile_range(info, space=space)  # type: ignore[arg-type]
        z = found["maxzoom"]
        if space == "image":
            x = y = 0
        else:
            tile = tiles.TMS.tile(found["center"][0], found["center"][1], z)
            x, y = tile.x, tile.y
        return {"image_id": w.image.pk, "z": z, "x": x, "y": y, "fmt": "png"}

    return kwargs


RULES: dict[tuple[str, str], Rule] = {
    ("auth-token", "post"): Rule(PUBLIC, ok=400),  # no credentials sent: 400, never 401
    ("team-list", "get"): Rule(ANYONE),
    ("team-list", "post"): Rule(ANYONE, body=lambda w: {"name": "Dust watchers"}, ok=201),
    ("team-detail", "get"): Rule(Role.VIEWER, _team),
    ("team-detail", "patch"): Rule(Role.OWNER, _team, lambda w: {"description": "x"}),
    ("team-detail", "delete"): Rule(Role.OWNER, _team, ok=204),
    ("member-list", "get"): Rule(Role.VIEWER, _team),
    ("member-list", "post"): Rule(
        Role.MANAGER, _team, lambda w: {"user": UserFactory().username, "role": "annotator"}, 201
    ),
    ("member-detail", "get"): Rule(
        Role.VIEWER, lambda w: {"team_id": w.team.pk, "membership_id": w.target_member.pk}
    ),
    ("member-detail", "patch"): Rule(
        Role.MANAGER,
        lambda w: {"team_id": w.team.pk, "membership_id": w.target_member.pk},
        lambda w: {"role": "annotator"},
    ),
    ("member-detail", "delete"): Rule(
        Role.MANAGER,
        lambda w: {"team_id": w.team.pk, "membership_id": w.target_member.pk},
        ok=204,
    ),
    ("event-list", "get"): Rule(ANYONE),
    ("event-list", "post"): Rule(
        Role.MANAGER,
        body=lambda w: {"team": w.team.pk, "name": "Dust 2026", "area_of_interest": SQUARE_LONLAT},
        ok=201,
    ),
    ("event-detail", "get"): Rule(Role.VIEWER, _event),
    ("event-detail", "patch"): Rule(Role.MANAGER, _event, lambda w: {"phenomenon": "dust"}),
    ("event-detail", "delete"): Rule(Role.MANAGER, _event, ok=204),
    ("label-class-list", "get"): Rule(Role.VIEWER, _event),
    ("label-class-list", "post"): Rule(Role.MANAGER, _event, lambda w: {"name": "smoke"}, 201),
    ("label-class-detail", "get"): Rule(Role.VIEWER, lambda w: {"label_class_id": w.tag_class.pk}),
    ("label-class-detail", "patch"): Rule(
        Role.MANAGER, lambda w: {"label_class_id": w.tag_class.pk}, lambda w: {"color": "#00ff00"}
    ),
    ("label-class-detail", "delete"): Rule(
        Role.MANAGER, lambda w: {"label_class_id": w.tag_class.pk}, ok=204
    ),
    ("image-list", "get"): Rule(Role.VIEWER, _event),
    ("image-detail", "get"): Rule(Role.VIEWER, _image),
    ("image-detail", "patch"): Rule(Role.MANAGER, _image, lambda w: {"cloud_cover": 12.5}),
    ("image-detail", "delete"): Rule(Role.MANAGER, _image, ok=204),
    ("image-tags", "post"): Rule(
        Role.ANNOTATOR, _image, lambda w: {"label_class": w.tag_class.pk, "state": "positive"}
    ),
    ("image-lock", "post"): Rule(Role.ANNOTATOR, _image),
    ("image-lock", "delete"): Rule(Role.ANNOTATOR, _image, ok=204),
    ("image-worklog", "get"): Rule(Role.VIEWER, _image),
    ("image-worklog", "post"): Rule(Role.ANNOTATOR, _image, lambda w: {"seconds": 30}),
    ("image-neighbours", "get"): Rule(Role.VIEWER, _image),
    ("image-bulk-tags", "post"): Rule(
        Role.ANNOTATOR,
        _event,
        lambda w: {"label_class": w.tag_class.pk, "state": "positive", "images": [w.image.pk]},
    ),
    ("image-tile", "get"): Rule(Role.VIEWER, _raster_tile("mercator")),
    ("image-space-tile", "get"): Rule(Role.VIEWER, _raster_tile("image")),
    ("image-tilejson", "get"): Rule(Role.VIEWER, _raster_image),
    ("image-preview", "get"): Rule(Role.VIEWER, _raster_image),
    ("image-thumbnail", "get"): Rule(Role.VIEWER, _raster_image),
    ("image-pixels", "get"): Rule(Role.VIEWER, _raster_image, lambda w: {"points": "1,2;3,4"}),
    ("image-pixels", "post"): Rule(Role.VIEWER, _raster_image, lambda w: {"points": [[1, 2]]}),
    ("annotation-list", "get"): Rule(Role.VIEWER, _image),
    ("annotation-list", "post"): Rule(
        Role.ANNOTATOR,
        _image,
        lambda w: {"label_class": w.object_class.pk, "kind": "bbox", "geometry": BOX},
        201,
    ),
    ("annotation-detail", "get"): Rule(Role.VIEWER, _annotation),
    ("annotation-detail", "put"): Rule(
        Role.ANNOTATOR,
        _annotation,
        lambda w: {"label_class": w.object_class.pk, "geometry": BOX, "version": 1},
    ),
    ("annotation-detail", "patch"): Rule(
        Role.ANNOTATOR, _annotation, lambda w: {"attributes": {"depth": "shallow"}, "version": 1}
    ),
    ("annotation-detail", "delete"): Rule(Role.ANNOTATOR, _annotation, ok=204),
    ("annotation-history", "get"): Rule(Role.VIEWER, _annotation),
    ("annotation-review", "post"): Rule(
        Role.REVIEWER, _annotation, lambda w: {"decision": "accepted", "version": 1}
    ),
    ("annotation-convert", "post"): Rule(
        Role.ANNOTATOR, _annotation, lambda w: {"to": "mask", "version": 1}
    ),
    ("map-shape-list", "get"): Rule(Role.VIEWER, _event),
    ("map-shape-list", "post"): Rule(
        Role.ANNOTATOR,
        _event,
        lambda w: {"type": "Feature", "geometry": SQUARE_LONLAT, "properties": {}},
        201,
    ),
    ("map-shape-detail", "get"): Rule(Role.VIEWER, lambda w: {"map_shape_id": w.map_shape.pk}),
    ("map-shape-detail", "patch"): Rule(
        Role.ANNOTATOR,
        lambda w: {"map_shape_id": w.map_shape.pk},
        lambda w: {"properties": {"note": "levee breach"}},
    ),
    ("map-shape-detail", "delete"): Rule(
        Role.ANNOTATOR, lambda w: {"map_shape_id": w.map_shape.pk}, ok=204
    ),
    ("gibs-layer-list", "get"): Rule(ANYONE),  # served by the gibs_service fixture
    ("sentinelhub-credential", "get"): Rule(Role.VIEWER, _sentinelhub_team),
    ("sentinelhub-credential", "put"): Rule(
        Role.MANAGER, _team, lambda w: {"client_id": "c", "client_secret": "s", "endpoint": "cdse"}
    ),
    ("sentinelhub-credential", "delete"): Rule(Role.MANAGER, _sentinelhub_team, ok=204),
    ("sentinelhub-search", "post"): Rule(  # served by the sentinelhub_service fixture
        Role.MANAGER,
        lambda w: (_sentinelhub_team(w), _event(w))[1],
        lambda w: {"bbox": [0, 0, 1, 1], "start_date": "2024-09-01", "end_date": "2024-09-02"},
    ),
    ("job-list", "get"): Rule(ANYONE),
    ("job-detail", "get"): Rule(Role.VIEWER, lambda w: {"job_id": w.job.pk}),
    ("event-summary", "post"): Rule(Role.VIEWER, _event, ok=202),
    ("label-import", "post"): Rule(
        Role.ANNOTATOR,
        _event,
        lambda w: {
            "format": "geojson",
            "file": SimpleUploadedFile(
                "labels.geojson",
                b'{"type": "FeatureCollection", "features": [{"type": "Feature", '
                b'"properties": {"image_id": %d, "class": "water"}, "geometry": {"type": '
                b'"Point", "coordinates": [10, 10]}, "id": 1}]}' % w.image.pk,
            ),
        },
        ok=202,
        format="multipart",
    ),
    ("dataset-list", "get"): Rule(Role.VIEWER, _event),
    ("dataset-list", "post"): Rule(
        Role.REVIEWER, _event, lambda w: {"formats": ["classification_csv"]}, ok=202
    ),
    ("dataset-detail", "get"): Rule(Role.VIEWER, _dataset),
    ("dataset-download", "get"): Rule(
        Role.VIEWER, _dataset, lambda w: {"format": "classification_csv"}
    ),
    ("event-uploads", "post"): Rule(
        Role.MANAGER,
        _event,
        lambda w: {"files": [SimpleUploadedFile("tiny.png", small_png())]},
        ok=202,
        format="multipart",
    ),
    ("event-extractions", "post"): Rule(  # against the gibs_service fixture
        Role.MANAGER,
        _event,
        lambda w: {
            "source": "gibs",
            "layer": "MODIS_Terra_CorrectedReflectance_TrueColor",
            "bbox": [-85.0, 40.0, -80.0, 43.0],
            "date": "2013-07-01",
            "km_per_pixel": 2.0,
        },
        ok=202,
    ),
}

METHODS = ("get", "post", "put", "patch", "delete")


def api_routes() -> list[tuple[str, str]]:
    """(route name, method) of every view under /api/v1/, read from the URLconf."""
    found = []

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace == "v1":
                view = getattr(pattern.callback, "cls", None) or getattr(
                    pattern.callback, "view_class", None
                )
                for method in METHODS:
                    if view is not None and hasattr(view, method):
                        found.append((pattern.name, method))

    walk(get_resolver().url_patterns, None)
    return found


def test_every_route_has_a_rule() -> None:
    routes = set(api_routes())
    assert routes, "no API routes found"
    missing = routes - set(RULES)
    stale = set(RULES) - routes
    assert not missing, f"routes without a permission rule: {sorted(missing)}"
    assert not stale, f"rules for routes that do not exist: {sorted(stale)}"


CALLERS = [*ROLES, "outsider", "anonymous"]
CASES = [(route, method, caller) for (route, method) in RULES for caller in CALLERS]


def expected_status(rule: Rule, caller: str) -> set[int]:
    if rule.who == PUBLIC:
        return {rule.ok}
    if caller == "anonymous":
        return {401}
    if rule.who == ANYONE:
        return {rule.ok}
    if caller == "outsider":
        return {404}
    return {rule.ok} if RANK[Role(caller)] >= RANK[Role(rule.who)] else {403}


def _send(client: APIClient, method: str, url: str, body: Any, format: str = "json"):  # type: ignore[no-untyped-def]
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, format=format)


@pytest.mark.django_db
@pytest.mark.usefixtures("gibs_service", "sentinelhub_service")  # fakes on 127.0.0.1
@pytest.mark.parametrize(("route", "method", "caller"), CASES)
def test_permission_matrix(route: str, method: str, caller: str, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)  # files an upload stages stay in the test's folder
    world = build_world()
    rule = RULES[(route, method)]
    url = reverse(f"v1:{route}", kwargs=rule.kwargs(world))
    client = APIClient()
    if caller == "outsider":
        client.force_authenticate(world.outsider)
    elif caller != "anonymous":
        client.force_authenticate(world.users[caller])

    response = _send(client, method, url, rule.body(world), rule.format)

    allowed = expected_status(rule, caller)
    assert response.status_code in allowed, (
        f"{method.upper()} {url} as {caller}: {response.status_code} "
        f"{getattr(response, 'data', '')!r}, expected {allowed}"
    )
    if response.status_code >= 400:
        assert set(response.json()) >= {"detail", "code", "fields"}
    if caller == "outsider" and rule.who not in (PUBLIC, ANYONE):
        # A 404 must not reveal anything about the hidden object.
        assert response.json()["code"] == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize("route", ["team-list", "event-list", "job-list"])
def test_lists_hide_other_teams(route: str) -> None:
    world = build_world()
    client = APIClient()
    client.force_authenticate(world.outsider)
    items = client.get(reverse(f"v1:{route}")).json()["results"]
    ids = {item["id"] for item in items}
    hidden = {"team-list": world.team.pk, "event-list": world.event.pk, "job-list": world.job.pk}
    assert hidden[route] not in ids
    # ...while a viewer of the team sees it.
    client.force_authenticate(world.users[Role.VIEWER])
    ids = {item["id"] for item in client.get(reverse(f"v1:{route}")).json()["results"]}
    assert hidden[route] in ids
