"""Dataset versions through the client against the real server: build (the job run by the
test, as a worker would), wait, list, download, verify and unzip; and what may not be done."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from labeler_client import ChecksumMismatch, JobFailed, JobTimeout, Labeler, LabelerError
from labeler_client.cli import main

from events.models import DatasetVersion, Role
from tests.factories import AnnotationFactory, ImageFactory
from workers.models import Job
from workers.services import job_run


@pytest.fixture
def labelled(event, label_class):
    """Four images of ``event`` with one box of ``label_class`` ("flooded") each."""
    images = [ImageFactory(event=event) for _ in range(4)]
    for image in images:
        AnnotationFactory(image=image, label_class=label_class)
    return images


def _run_in_thread(job_id: int, *, after: float = 0.0) -> threading.Thread:
    """Run job ``job_id`` in a thread, as the Celery worker would, on its own connection."""

    def run() -> None:
        try:
            time.sleep(after)
            job_run(job_id=job_id)
        except Exception:
            pass  # a failing job records its error on its row; the test reads it there
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def built(lab, event, labelled, celery_queue) -> Iterator[dict]:
    """A ready version of ``event`` with coco and geojson, built through the client."""
    job = lab.create_dataset(event.pk, ["coco", "geojson"], split={"seed": 0})
    job_run(job_id=job["id"])
    yield lab.dataset(job["params"]["dataset"])


def test_create_wait_download_and_load_coco(
    lab, event, labelled, celery_queue, tmp_path, capsys
) -> None:
    job = lab.create_dataset(
        event.pk,
        ["coco", "geojson"],
        split={"train": 0.5, "validation": 0.25, "test": 0.25, "seed": 7},
        name="first cut",
    )

    assert (job["kind"], job["status"]) == ("build_dataset", "queued")
    dataset_id = job["params"]["dataset"]
    building = lab.dataset(dataset_id)
    assert (building["status"], building["job"], building["number"]) == ("building", job["id"], 1)
    with pytest.raises(LabelerError) as early:
        lab.download(dataset_id, "coco", tmp_path)
    assert (early.value.status, early.value.code) == (409, "not_ready")
    assert list(tmp_path.iterdir()) == []

    worker = _run_in_thread(job["id"], after=0.3)  # wait() polls a queued, then running job
    done = lab.wait(job["id"], progress=True, poll_interval=0.05, timeout=120)
    worker.join(10)

    assert done["status"] == "succeeded"
    assert done["result"]["dataset"] == dataset_id
    assert f"job {job['id']}: 100%" in capsys.readouterr().err  # the progress bar
    version = lab.dataset(dataset_id)
    assert version["status"] == "ready"
    assert version["name"] == "first cut"
    assert set(version["files"]) == {"coco", "geojson"}
    assert [v["id"] for v in lab.datasets(event.pk)] == [dataset_id]

    folder = lab.download(dataset_id, "coco", tmp_path)

    assert folder == tmp_path / f"{event.slug}-v1-coco"
    archive = tmp_path / f"{event.slug}-v1-coco.zip"
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == version["files"]["coco"]["sha256"]
    assert not list(tmp_path.glob("*.part"))
    # Every file the manifest lists was extracted, byte for byte.
    for entry in version["manifest"]["coco"]:
        data = (folder / entry["path"]).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["size"], entry["sha256"])
    coco_files = sorted((folder / "annotations").glob("instances_*.json"))
    assert [p.name for p in coco_files] == [
        "instances_test.json",
        "instances_train.json",
        "instances_validation.json",
    ]
    cocos = [json.loads(p.read_text()) for p in coco_files]
    assert sum(len(c["images"]) for c in cocos) == 4
    assert sum(len(c["annotations"]) for c in cocos) == 4
    assert {cat["name"] for c in cocos for cat in c["categories"]} == {"flooded"}


def test_download_without_unzip_keeps_the_zip(lab, built, tmp_path) -> None:
    path = lab.download(built["id"], "geojson", tmp_path / "new" / "dir", unzip=False)

    assert path.parent == tmp_path / "new" / "dir"
    assert path.name.endswith("-geojson.zip")
    assert zipfile.ZipFile(path).testzip() is None
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_a_file_corrupted_on_the_server_is_refused(lab, built, tmp_path) -> None:
    stored = built["files"]["coco"]
    name = DatasetVersion.objects.get(pk=built["id"]).files["coco"]["name"]
    with default_storage.open(name, "wb") as f:  # same size, other bytes
        f.write(b"\0" * stored["size"])

    with pytest.raises(ChecksumMismatch) as caught:
        lab.download(built["id"], "coco", tmp_path)

    assert caught.value.expected == stored["sha256"]
    assert list(tmp_path.iterdir()) == []  # nothing kept, nothing unzipped


def test_a_format_not_built_is_the_servers_400(lab, built, tmp_path) -> None:
    with pytest.raises(LabelerError) as caught:
        lab.download(built["id"], "stac", tmp_path)

    assert (caught.value.status, caught.value.code) == (400, "invalid")
    assert "format" in caught.value.fields
    assert "coco" in str(caught.value)


def test_bad_requests_name_the_field(lab, event, celery_queue) -> None:
    with pytest.raises(LabelerError) as caught:
        lab.create_dataset(event.pk, ["coco", "jpeg2000"])
    assert (caught.value.status, caught.value.code) == (400, "invalid")
    assert list(caught.value.fields) == ["formats"]

    with pytest.raises(LabelerError) as caught:
        lab.create_dataset(event.pk, [])
    assert list(caught.value.fields) == ["formats"]

    with pytest.raises(LabelerError) as caught:  # the README's example
        lab.create_dataset(event.pk, ["coco"], split={"train": 0.9, "validation": 0.2, "test": 0.1})
    assert caught.value.fields == {"split": ["train + validation + test = 1.2"]}
    assert "add up to 1" in str(caught.value)
    assert not DatasetVersion.objects.exists()


def test_a_viewer_may_list_and_download_but_not_build(
    live_server, member, token_of, built, event, tmp_path
) -> None:
    viewer = Labeler(live_server.url, token=token_of(member(Role.VIEWER)))

    assert [v["id"] for v in viewer.datasets(event.pk)] == [built["id"]]
    assert viewer.download(built["id"], "coco", tmp_path).is_dir()
    with pytest.raises(LabelerError) as caught:
        viewer.create_dataset(event.pk, ["coco"])
    assert caught.value.status == 403
    assert DatasetVersion.objects.count() == 1


def test_an_outsider_sees_nothing(live_server, token_of, built, event, tmp_path) -> None:
    from tests.factories import UserFactory

    outsider = Labeler(live_server.url, token=token_of(UserFactory()))

    for call in (
        lambda: outsider.datasets(event.pk),
        lambda: outsider.dataset(built["id"]),
        lambda: outsider.download(built["id"], "coco", tmp_path),
    ):
        with pytest.raises(LabelerError) as caught:
            call()
        assert caught.value.status == 404
    assert list(tmp_path.iterdir()) == []


def test_wait_raises_the_error_of_a_failed_job(lab, event, labelled, celery_queue) -> None:
    job = lab.create_dataset(event.pk, ["coco"])
    DatasetVersion.objects.filter(pk=job["params"]["dataset"]).delete()  # gone before it ran
    with pytest.raises(Exception):  # noqa: B017 - job_run raises what the job raised
        job_run(job_id=job["id"])

    with pytest.raises(JobFailed) as caught:
        lab.wait(job["id"], progress=False)

    assert caught.value.job["status"] == "failed"
    assert "DoesNotExist" in str(caught.value)
    assert str(caught.value).startswith(f"Job {job['id']} failed: ")


def test_wait_gives_up_after_the_timeout(lab, event, labelled, celery_queue) -> None:
    job = lab.create_dataset(event.pk, ["coco"])

    started = time.monotonic()
    with pytest.raises(JobTimeout) as caught:
        lab.wait(job["id"], progress=False, timeout=0.5, poll_interval=0.1)

    assert 0.5 <= time.monotonic() - started < 5
    assert caught.value.job["status"] == "queued"
    assert Job.objects.get(pk=job["id"]).status == Job.Status.QUEUED


# --- the command line ----------------------------------------------------------------------


def test_cli_create_wait_list_download(
    live_server, manager, token_of, event, labelled, celery_queue, tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("LABELER_URL", live_server.url)
    monkeypatch.setenv("LABELER_TOKEN", token_of(manager))

    def worker() -> None:  # picks the job up once the request created it
        try:
            for _ in range(200):
                job = Job.objects.filter(event=event, kind="build_dataset").first()
                if job is not None:
                    job_run(job_id=job.pk)
                    return
                time.sleep(0.05)
        finally:
            connection.close()

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    argv = ["create", str(event.pk), "-f", "coco", "--split", "0.5,0.25,0.25", "--seed", "3"]
    code = main([*argv, "--include-images", "--wait", "--timeout", "120"])
    thread.join(10)

    out, err = capsys.readouterr()
    assert code == 0, err
    version = DatasetVersion.objects.get(event=event)
    assert out.strip() == str(version.pk)
    assert version.split["seed"] == 3 and version.split["train"] == 0.5
    assert version.options == {"include_images": True}
    assert version.status == DatasetVersion.Status.READY

    assert main(["datasets", str(event.pk)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["ID", "V", "STATUS", "FORMATS"]
    assert lines[1].split()[:5] == [str(version.pk), "1", "ready", "coco", manager.username]

    assert main(["download", str(version.pk), "-f", "coco", "--out", str(tmp_path), "-q"]) == 0
    folder = Path(capsys.readouterr().out.strip())
    assert folder == tmp_path / f"{event.slug}-v1-coco"
    assert (folder / "annotations" / "instances_train.json").is_file()


def test_cli_download_of_a_format_not_built_exits_1(
    live_server, manager, token_of, built, tmp_path, capsys
) -> None:
    argv = ["--url", live_server.url, "--token", token_of(manager)]
    code = main([*argv, "download", str(built["id"]), "-f", "masks", "-o", str(tmp_path)])

    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert "not built with format 'masks'" in err
    assert "(HTTP 400, invalid)" in err
