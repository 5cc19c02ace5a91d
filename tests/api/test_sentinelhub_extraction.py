"""``POST /api/v1/events/{id}/extractions/`` with ``source: sentinelhub`` against the fake
Sentinel Hub (tests/sentinelhub.py, tests/sentinelhub_process.py): end to end with
``job_run``, validation 400s naming the field, missing credentials, who may not."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from django.urls import reverse

from events.models import Image, Role
from events.services.credentials import sentinelhub_credential_set
from tests.sentinelhub_process import BBOX, FakeProcess, acquisitions, make_tiff
from tests.workers import imagery
from workers.models import Job
from workers.services import job_run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> imagery.Media:  # type: ignore[no-untyped-def]
    return imagery.isolate_storage(settings, tmp_path)


@pytest.fixture
def manager(team, member):  # type: ignore[no-untyped-def]
    user = member(Role.MANAGER)
    sentinelhub_credential_set(
        user=user, team=team, client_id="c", client_secret="s", endpoint="sentinelhub"
    )
    return user


def _url(event_id: int) -> str:
    return reverse("v1:event-extractions", kwargs={"event_id": event_id})


def _body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source": "sentinelhub",
        "collection": "sentinel-2-l1c",
        "bbox": BBOX,
        "start_date": "2020-04-01",
        "end_date": "2024-09-30",
        "max_cloud": 50,
        "resolution": 60,
        "acquisitions": [a["id"] for a in acquisitions(1)],
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


def test_a_sentinelhub_extraction_end_to_end(  # type: ignore[no-untyped-def]
    api, event, manager, sentinelhub_service, django_capture_on_commit_callbacks
) -> None:
    tiff, pixels = make_tiff(13, 65, 56)
    process = FakeProcess(sentinelhub_service, tiff, "image/tiff")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api(manager).post(_url(event.pk), _body(), format="json")

    assert response.status_code == 202, response.content
    params = response.json()["params"]
    assert params["source"] == "sentinelhub" and len(callbacks) == 1
    assert (params["params"]["width"], params["params"]["height"]) == (65, 56)
    assert "client_secret" not in str(params)

    job = job_run(job_id=response.json()["id"])

    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.result["failed"] == [] and len(process.bodies) == 1
    image = Image.objects.get(pk=job.result["images"][0])
    acquisition = acquisitions(1)[0]
    assert image.source == "sentinelhub" and image.band_count == 13
    assert image.band_names[10] == "B10" and image.dtype == "float32"
    assert image.cloud_cover == acquisition["properties"]["eo:cloud_cover"]
    assert image.acquired_at.isoformat().startswith(acquisition["properties"]["datetime"][:19])
    assert image.provenance["acquisition"] == acquisition["id"]
    assert image.provenance["request"]["collection"] == "sentinel-2-l1c"
    assert image.provenance["request"]["max_cloud"] == 50
    assert np.array_equal(imagery.read_all(image.file.path), pixels)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"layer": "x"}, "layer", "gibs only"),
        ({"km_per_pixel": 1}, "km_per_pixel", "gibs only"),
        ({"resolution": 30}, "resolution", "10, 20 or 60"),
        ({"resolution": None}, "resolution", "required"),
        ({"end_date": None}, "end_date", "required"),
        ({"end_date": "2019-01-01"}, "end_date", "Before"),
        ({"max_cloud": 101}, "max_cloud", ""),
        ({"collection": "landsat"}, "collection", "sentinel-2-l2a"),
        ({"scl": True}, "scl", "sentinel-2-l2a"),
        ({"acquisitions": []}, "acquisitions", ""),
        ({"resolution": 10, "bbox": [10, 45, 11, 46]}, "resolution", "SENTINELHUB_MAX_SIZE"),
        ({"source": "gibs", "layer": "x", "date": "2020-01-01"}, "max_cloud", "sentinelhub"),
    ],
)
def test_bad_requests_are_refused_naming_the_field(  # type: ignore[no-untyped-def]
    api, event, manager, sentinelhub_service, changes, field, words
) -> None:
    response = api(manager).post(_url(event.pk), _body(**changes), format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body["fields"], body
    assert words in " ".join(body["fields"][field]) + body["detail"], body
    assert not Job.objects.exists()
    assert sentinelhub_service.search_bodies == []  # nothing fetched


def test_without_team_credentials_the_answer_is_400(  # type: ignore[no-untyped-def]
    api, event, member, sentinelhub_service
) -> None:
    response = api(member(Role.MANAGER)).post(_url(event.pk), _body(), format="json")
    assert response.status_code == 400 and response.json()["code"] == "missing_credentials"
    assert not Job.objects.exists()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ANNOTATOR, Role.REVIEWER])
def test_below_manager_may_not(api, event, manager, member, role, sentinelhub_service) -> None:  # type: ignore[no-untyped-def]
    response = api(member(role)).post(_url(event.pk), _body(), format="json")
    assert response.status_code == 403
    assert not Job.objects.exists()
