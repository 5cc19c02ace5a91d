"""``POST /api/v1/events/{id}/extractions/`` against the fake GIBS (tests/gibs.py) serving
two real tiles (tests/gibs_tiles.py): a real extraction end to end with ``job_run`` (no
Celery worker), every validation error naming its field, and who may not."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from events.models import Image, Role
from tests.factories import EventFactory, TeamFactory
from tests.gibs import FakeGibs
from tests.gibs_tiles import LAYER, FakeTiles
from tests.workers import imagery
from workers.models import Job
from workers.services import job_run

pytestmark = pytest.mark.django_db

RES = 0.017578125
BBOX = [-90 + 300.5 * RES, 45 - 400.25 * RES, -81 + 100.75 * RES, 45 - 10.5 * RES]


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> imagery.Media:  # type: ignore[no-untyped-def]
    return imagery.isolate_storage(settings, tmp_path)


@pytest.fixture
def tiles(gibs_service: FakeGibs) -> FakeTiles:
    return FakeTiles(gibs_service)


@pytest.fixture
def manager(member):  # type: ignore[no-untyped-def]
    return member(Role.MANAGER)


def _url(event_id: int) -> str:
    return reverse("v1:event-extractions", kwargs={"event_id": event_id})


def _body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source": "gibs",
        "layer": LAYER,
        "bbox": BBOX,
        "start_date": "2013-07-01",
        "end_date": "2013-07-02",
        "km_per_pixel": 2.0,
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


def test_the_route_is_where_the_readme_says() -> None:
    assert _url(7) == "/api/v1/events/7/extractions/"


def test_an_extraction_end_to_end(  # type: ignore[no-untyped-def]
    api, event, manager, tiles, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api(manager).post(_url(event.pk), _body(), format="json")

    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["kind"], body["status"], body["event"]) == ("extract", "queued", event.pk)
    assert response["Location"] == f"http://testserver/api/v1/jobs/{body['id']}/"
    params = body["params"]
    assert (params["source"], params["user_id"]) == ("gibs", manager.pk)
    assert params["params"]["dates"] == ["2013-07-01", "2013-07-02"]
    assert params["params"]["tile_matrix"] == "5"
    assert params["params"]["request"] == {"km_per_pixel": 2.0}
    assert len(callbacks) == 1  # the task is sent on commit

    job = job_run(job_id=body["id"])

    assert job.status == Job.Status.SUCCEEDED, job.error
    assert len(job.result["images"]) == 2 and job.result["failed"] == []
    images = Image.objects.filter(event=event).order_by("acquired_at")
    assert [image.acquired_at.date() for image in images] == [
        dt.date(2013, 7, 1),
        dt.date(2013, 7, 2),
    ]
    assert all(image.source == "gibs" and image.crs for image in images)
    assert images[0].provenance["request"] == {"km_per_pixel": 2.0}
    shown = api(manager).get(reverse("v1:job-detail", kwargs={"job_id": job.pk})).json()
    assert shown["status"] == "succeeded" and shown["progress"] == 1.0


def test_a_job_with_no_imagery_fails_naming_the_dates(api, event, manager, tiles) -> None:  # type: ignore[no-untyped-def]
    response = api(manager).post(
        _url(event.pk), _body(km_per_pixel=None, resolution="250m"), format="json"
    )
    assert response.status_code == 202, response.content

    with pytest.raises(Exception, match="No image could be extracted"):
        job_run(job_id=response.json()["id"])

    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert "2013-07-01" in job.error and "2013-07-02" in job.error
    assert not Image.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"layer": "No_Such_Layer"}, "layer", "Unknown GIBS layer"),
        ({"bbox": [10, 0, 5, 1]}, "bbox", "min < max"),
        ({"bbox": [-200, 0, 5, 1]}, "bbox", "-180..180"),
        ({"bbox": [0, -95, 5, 1]}, "bbox", "-90..90"),
        ({"bbox": [0, 1, 2]}, "bbox", ""),
        ({"bbox": [-180, -90, 180, 90]}, "bbox", "Too large"),
        ({"end_date": "2013-09-01"}, "end_date", "EXTRACTION_MAX_IMAGES"),
        ({"end_date": "2013-06-01"}, "end_date", "Before start_date"),
        ({"end_date": None}, "end_date", "both"),
        ({"start_date": None, "end_date": None}, "date", "Required"),
        ({"start_date": "2014-01-16", "end_date": "2014-01-17"}, "date", "outside"),
        ({"start_date": None, "end_date": None, "date": "2011-01-01"}, "date", "outside"),
        ({"source": "sentinelhub"}, "layer", "gibs only"),
        ({"source": "dropbox"}, "source", "not available yet"),
        ({"km_per_pixel": None}, "resolution", "either"),
        ({"resolution": "250m"}, "resolution", "either"),
        ({"km_per_pixel": None, "resolution": "1km"}, "resolution", "Not offered"),
        ({"km_per_pixel": 0.05}, "km_per_pixel", "Finer than"),
        ({"km_per_pixel": 0}, "km_per_pixel", "above 0"),
        ({"url": "http://169.254.169.254/latest/"}, "url", "Unknown field"),
        ({"tile_url_template": "http://evil.example/{TileCol}"}, "tile_url_template", "Unknown"),
    ],
)
def test_bad_requests_are_refused_naming_the_field(  # type: ignore[no-untyped-def]
    api, event, manager, tiles, changes, field, words
) -> None:
    response = api(manager).post(_url(event.pk), _body(**changes), format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body["fields"], body
    assert words in " ".join(body["fields"][field]) + body["detail"], body
    assert not Job.objects.exists()
    assert tiles.paths == []  # nothing fetched for a refused request


def test_a_layer_without_time_takes_no_date(api, event, manager, tiles) -> None:  # type: ignore[no-untyped-def]
    with_date = _body(layer="MODIS_Water_Mask", resolution="250m", km_per_pixel=None)
    response = api(manager).post(_url(event.pk), with_date, format="json")
    assert response.status_code == 400 and "date" in response.json()["fields"]

    no_date = {**with_date}
    del no_date["start_date"], no_date["end_date"]
    response = api(manager).post(_url(event.pk), no_date, format="json")
    assert response.status_code == 202, response.content
    assert response.json()["params"]["params"]["dates"] == []


def test_the_image_size_limit_is_a_setting(api, event, manager, tiles, settings) -> None:  # type: ignore[no-untyped-def]
    settings.EXTRACTION_MAX_PIXELS = 313 * 391 - 1
    response = api(manager).post(_url(event.pk), _body(), format="json")
    assert response.status_code == 400
    assert "313 x 391" in response.json()["fields"]["bbox"][0]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANNOTATOR, Role.REVIEWER])
def test_below_manager_may_not(api, event, member, role, tiles) -> None:  # type: ignore[no-untyped-def]
    response = api(member(role)).post(_url(event.pk), _body(layer="whatever"), format="json")
    assert response.status_code == 403
    assert not Job.objects.exists()


def test_another_teams_event_is_not_found_and_anonymous_is_refused(api, member, tiles) -> None:  # type: ignore[no-untyped-def]
    owner_elsewhere = member(Role.OWNER)
    foreign = EventFactory(team=TeamFactory())
    response = api(owner_elsewhere).post(_url(foreign.pk), _body(), format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert api().post(_url(foreign.pk), _body(), format="json").status_code == 401
    assert not Job.objects.exists()


def test_a_failing_service_answers_502(api, event, manager, gibs_service) -> None:  # type: ignore[no-untyped-def]
    gibs_service.serve(b"down", status=503)
    response = api(manager).post(_url(event.pk), _body(), format="json")
    assert response.status_code == 502 and response.json()["code"] == "source_unavailable"
