"""Sentinel Hub download through the Process API against the fake service
(tests/sentinelhub.py + tests/sentinelhub_process.py), through sentinelhub-py's own request
building and client: request bodies, tar and TIFF answers, retries, token expiry, failures."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from werkzeug import Response

from events.errors import InvalidInput
from events.models import Image, Role
from events.services.credentials import sentinelhub_credential_set
from tests.sentinelhub_process import BBOX, IMG_TAR, FakeProcess, acquisitions, make_tiff, read
from tests.workers import imagery
from workers.extractions import extract
from workers.sources import sentinelhub

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> imagery.Media:  # type: ignore[no-untyped-def]
    return imagery.isolate_storage(settings, tmp_path)


@pytest.fixture
def manager(team, member):  # type: ignore[no-untyped-def]
    user = member(Role.MANAGER)
    sentinelhub_credential_set(
        user=user,
        team=team,
        client_id="labeler-client",
        client_secret="s3cret",
        endpoint="sentinelhub",
    )
    return user


def _request(team, tmp_path: Path, **changes: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    options: dict[str, Any] = {
        "collection": "sentinel-2-l2a",
        "bbox": BBOX,
        "start_date": dt.date(2020, 4, 1),
        "end_date": dt.date(2024, 9, 30),
        "max_cloud": 100,
        "resolution": 60,
        "acquisitions": [a["id"] for a in acquisitions(2)],
        "scl": False,
    }
    options.update(changes)
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    return {**sentinelhub.plan(**options), "team_id": team.pk, "out_dir": str(out)}


def _silent(fraction: float, message: str = "") -> None:
    return None


def test_one_float32_image_per_acquisition_with_every_l2a_band(  # type: ignore[no-untyped-def]
    sentinelhub_service, team, manager, tmp_path
) -> None:
    request = _request(team, tmp_path)
    width, height = request["width"], request["height"]
    assert (width, height) == (65, 56)  # 0.05 x 0.03 degrees at 45 N, 60 m pixels
    tiff, pixels = make_tiff(12, width, height)
    process = FakeProcess(sentinelhub_service, tiff, "image/tiff")

    items = sentinelhub.fetch(request, progress=_silent)

    chosen = acquisitions(2)
    assert [item["provenance"]["acquisition"] for item in items] == [a["id"] for a in chosen]
    for item, acquisition in zip(items, chosen, strict=True):
        props = acquisition["properties"]
        assert item["cloud_cover"] == props["eo:cloud_cover"]
        assert dt.datetime.fromisoformat(item["acquired_at"]) == dt.datetime.fromisoformat(
            props["datetime"].replace("Z", "+00:00")
        )
        data, profile = read(item["path"])
        assert data.dtype == np.float32 and np.array_equal(data, pixels)
        assert profile["descriptions"] == sentinelhub.BANDS["sentinel-2-l2a"]
        assert profile["crs"].to_epsg() == 4326
    # The request bodies: bbox, CRS, the acquisition's own time window, bands, output size.
    assert len(process.bodies) == 2
    body = process.bodies[0]
    assert body["input"]["bounds"]["bbox"] == BBOX
    assert body["input"]["bounds"]["properties"]["crs"].endswith("/4326")
    data_filter = body["input"]["data"][0]["dataFilter"]
    when = dt.datetime.fromisoformat(chosen[0]["properties"]["datetime"].replace("Z", "+00:00"))
    assert data_filter["timeRange"] == {
        "from": (when - dt.timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "to": (when + dt.timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    assert data_filter["mosaickingOrder"] == "leastRecent"
    assert body["input"]["data"][0]["type"] in ("sentinel-2-l2a", "S2L2A")
    assert (body["output"]["width"], body["output"]["height"]) == (width, height)
    script = body["evalscript"]
    assert all(f'"{band}"' in script for band in sentinelhub.BANDS["sentinel-2-l2a"])
    assert '"B10"' not in script and '"SCL"' not in script
    assert 'sampleType: "FLOAT32"' in script and "bands: 12" in script


def test_l1c_has_13_bands_and_l2a_scl_is_an_extra_band(  # type: ignore[no-untyped-def]
    sentinelhub_service, team, manager, tmp_path
) -> None:
    l1c = _request(
        team, tmp_path, collection="sentinel-2-l1c", acquisitions=[acquisitions(1)[0]["id"]]
    )
    assert l1c["bands"] == list(sentinelhub.BANDS["sentinel-2-l1c"]) and len(l1c["bands"]) == 13
    tiff, _ = make_tiff(13, l1c["width"], l1c["height"])
    process = FakeProcess(sentinelhub_service, tiff, "image/tiff")
    (item,) = sentinelhub.fetch(l1c, progress=_silent)
    assert read(item["path"])[1]["descriptions"] == tuple(l1c["bands"])
    assert '"B10"' in process.bodies[0]["evalscript"]

    scl = _request(team, tmp_path, scl=True)
    assert scl["bands"][-1] == "SCL" and len(scl["bands"]) == 13
    assert "units: [" in sentinelhub.evalscript(scl["bands"]) and '"DN"' in sentinelhub.evalscript(
        scl["bands"]
    )
    with pytest.raises(InvalidInput) as raised:
        _request(team, tmp_path, collection="sentinel-2-l1c", scl=True)
    assert "scl" in raised.value.fields


def test_the_real_multi_output_tar_answer_is_read(  # type: ignore[no-untyped-def]
    sentinelhub_service, team, manager, tmp_path
) -> None:
    FakeProcess(sentinelhub_service, IMG_TAR.read_bytes(), "application/x-tar")
    (item,) = sentinelhub.fetch(
        _request(team, tmp_path, acquisitions=[acquisitions(1)[0]["id"]]), progress=_silent
    )
    data, profile = read(item["path"])
    assert data.shape == (3, 856, 512) and data.dtype == np.uint16
    assert profile["crs"].to_epsg() == 4326


def test_429_then_success_and_500_then_success(  # type: ignore[no-untyped-def]
    sentinelhub_service, team, manager, tmp_path
) -> None:
    tiff, _ = make_tiff(12, 65, 56)
    process = FakeProcess(sentinelhub_service, tiff, "image/tiff")
    process.replies = [
        Response("slow down", status=429, headers={"Retry-After": "20"}),
        Response("oops", status=500),
    ]
    items = sentinelhub.fetch(_request(team, tmp_path), progress=_silent)
    assert all("error" not in item for item in items) and len(items) == 2
    assert len(process.bodies) == 4  # 429, retried; 500, retried; then the second image


def test_a_short_lived_token_is_renewed_by_the_session_before_it_expires(  # type: ignore[no-untyped-def]
    sentinelhub_service, team, manager, tmp_path
) -> None:
    tiff, _ = make_tiff(12, 65, 56)
    # A token valid 60 s: sentinelhub-py renews it before use (within 120 s of expiry).
    sentinelhub_service.token = {**sentinelhub_service.token, "expires_in": 60}
    process = FakeProcess(sentinelhub_service, tiff, "image/tiff")
    process.expire_token_after = 1  # the token expires after the first image
    before = len(sentinelhub_service.token_requests)

    items = sentinelhub.fetch(_request(team, tmp_path), progress=_silent)

    assert all("error" not in item for item in items) and len(items) == 2
    assert process.refused == []  # never sent the expired token
    assert len(sentinelhub_service.token_requests) - before >= 3


def test_a_token_refused_mid_job_is_replaced_and_the_request_tried_again(  # type: ignore[no-untyped-def]
    sentinelhub_service, team, manager, tmp_path
) -> None:
    tiff, _ = make_tiff(12, 65, 56)
    process = FakeProcess(sentinelhub_service, tiff, "image/tiff")
    process.expire_token_after = 1  # a 3599 s token the service stops accepting

    items = sentinelhub.fetch(_request(team, tmp_path), progress=_silent)

    assert all("error" not in item for item in items) and len(items) == 2
    assert process.refused == ["Bearer REDACTED"]  # refused once, then the new token


def test_a_failing_acquisition_is_reported_while_the_others_are_ingested(  # type: ignore[no-untyped-def]
    sentinelhub_service, team, manager, event, tmp_path
) -> None:
    tiff, pixels = make_tiff(12, 65, 56)
    process = FakeProcess(sentinelhub_service, tiff, "image/tiff")
    process.replies = [Response(json.dumps({"error": {"status": 400}}), status=400)]
    request = _request(team, tmp_path, acquisitions=[*[a["id"] for a in acquisitions(2)], "gone"])
    del request["out_dir"]
    request["request"] = {"resolution": 60}

    result = extract(
        event_id=event.pk,
        user_id=manager.pk,
        source="sentinelhub",
        params=request,
        progress=_silent,
    )

    first, second = acquisitions(2)
    assert {(f["acquisition"], "HTTP 400" in f["error"]) for f in result["failed"]} == {
        (first["id"], True),
        ("gone", False),
    }
    (image,) = Image.objects.filter(pk__in=result["images"])
    assert image.source == "sentinelhub" and image.dtype == "float32" and image.band_count == 12
    assert image.band_names == list(sentinelhub.BANDS["sentinel-2-l2a"])
    assert image.cloud_cover == second["properties"]["eo:cloud_cover"]
    assert image.acquired_at == dt.datetime.fromisoformat(
        second["properties"]["datetime"].replace("Z", "+00:00")
    )
    provenance = image.provenance
    assert (provenance["source"], provenance["collection"], provenance["acquisition"]) == (
        "sentinelhub",
        "sentinel-2-l2a",
        second["id"],
    )
    assert provenance["bbox"] == BBOX and provenance["resolution"] == 60
    assert provenance["request"] == {"resolution": 60}
    assert np.array_equal(imagery.read_all(image.file.path), pixels)  # the COG's pixels


def test_all_acquisitions_are_capped_and_sizes_are_checked(  # type: ignore[no-untyped-def]
    sentinelhub_service, team, manager, tmp_path, settings
) -> None:
    settings.EXTRACTION_MAX_IMAGES = 2
    tiff, _ = make_tiff(12, 65, 56)
    FakeProcess(sentinelhub_service, tiff, "image/tiff")
    items = sentinelhub.fetch(_request(team, tmp_path, acquisitions=None), progress=_silent)
    assert len([i for i in items if "path" in i]) == 2
    assert len([i for i in items if "error" in i]) == 49
    assert all("EXTRACTION_MAX_IMAGES" in i["error"] for i in items if "error" in i)

    settings.SENTINELHUB_MAX_SIZE = 50
    with pytest.raises(InvalidInput) as raised:
        _request(team, tmp_path)
    assert "65 x 56" in raised.value.detail and "resolution" in raised.value.fields
