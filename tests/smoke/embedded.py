"""Smoke test of the embedded mode, through the run command itself.

Starts ``scripts/run.sh`` with a fresh, not yet existing DATA_DIR, a free port and none of
DATABASE_URL / CELERY_BROKER_URL / REDIS_URL / STORAGE_URL set: SpatiaLite, the filesystem
broker, gunicorn and a Celery worker. Then checks the pages and the API a new user meets,
that a job started through the API runs in the worker, and that SIGTERM stops everything.

    .venv/bin/python tests/smoke/embedded.py        (scripts/test.sh runs it)

Prints one line per check and exits 1 if any failed.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
UNSET = ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "STORAGE_URL", "SECRET_KEY", "DEBUG")
PASSWORD = "smoke-" + uuid.uuid4().hex[:12]
START_TIMEOUT = 300  # run.sh may have pip or collectstatic work to do on a new machine
STOP_TIMEOUT = 40


class SmokeFailure(Exception):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Run:
    """scripts/run.sh in its own process group, its output in a log file."""

    def __init__(self, workdir: Path) -> None:
        self.data_dir = workdir / "data"  # does not exist yet: run.sh must cope
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "run.log"
        env = {k: v for k, v in os.environ.items() if k not in UNSET}
        env.update(
            DATA_DIR=str(self.data_dir),
            HOST="127.0.0.1",
            PORT=str(self.port),
            DEMO_PASSWORD=PASSWORD,
            WORKER_CONCURRENCY="1",
            WEB_CONCURRENCY="2",
            PYTHONUNBUFFERED="1",
        )
        self.env = env
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [str(ROOT / "scripts" / "run.sh")],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SmokeFailure(f"run.sh exited early with {self.process.returncode}")
            if "labeler is running" in self.output():
                return
            time.sleep(0.5)
        raise SmokeFailure(f"run.sh did not report it was running within {START_TIMEOUT} s")

    def group_alive(self) -> bool:
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def stop(self) -> tuple[int | None, float, bool]:
        """SIGTERM to run.sh only: its trap must stop gunicorn and the worker."""
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code: int | None = self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            code = None
        elapsed = time.monotonic() - started
        deadline = time.monotonic() + 10
        while self.group_alive() and time.monotonic() < deadline:
            time.sleep(0.2)
        leftovers = self.group_alive()
        return code, elapsed, leftovers

    def kill(self) -> None:
        if self.group_alive():
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log.close()


def run_checks(run: Run) -> list[tuple[str, bool, str]]:
    results: list[tuple[str, bool, str]] = []
    http = requests.Session()
    state: dict[str, str] = {}

    def check(name: str, fn: Callable[[], str]) -> None:
        try:
            detail = fn()
            results.append((name, True, detail))
        except Exception as error:  # every failure is reported, then the next check runs
            results.append((name, False, f"{type(error).__name__}: {error}"))

    def get(path: str, *, status: int = 200, **kwargs: object) -> requests.Response:
        response = http.get(run.base + path, timeout=30, **kwargs)  # type: ignore[arg-type]
        if response.status_code != status:
            raise SmokeFailure(f"GET {path}: {response.status_code}, expected {status}")
        return response

    def home() -> str:
        response = get("/")
        assert "labeler" in response.text, "home page does not say labeler"
        return f"{len(response.content)} bytes"

    def schema() -> str:
        spec = get("/api/schema/", params={"format": "json"}).json()
        assert str(spec.get("openapi", "")).startswith("3."), "not an OpenAPI 3 document"
        paths = spec.get("paths", {})
        assert "/api/v1/teams/" in paths, "teams route missing from the schema"
        return f"OpenAPI {spec['openapi']}, {len(paths)} paths"

    def docs() -> str:
        response = get("/api/docs/")
        assert "swagger" in response.text.lower(), "no Swagger UI"
        # Swagger UI comes from drf-spectacular-sidecar, served by whitenoise: no CDN.
        script = r"""["']((?:https?://[^/"']+)?/static/[^"']*swagger-ui[^"']*\.js)["']"""
        assets = re.findall(script, response.text)
        assert assets, "Swagger UI page does not load its script from /static/"
        get("/static/" + assets[0].split("/static/", 1)[1])
        return f"Swagger UI with {assets[0]}"

    def token() -> str:
        response = http.post(
            run.base + "/api/v1/auth/token/",
            json={"username": "demo", "password": PASSWORD},
            timeout=30,
        )
        assert response.status_code == 200, f"{response.status_code}: {response.text[:200]}"
        state["token"] = response.json()["token"]
        return "token received"

    def teams() -> str:
        headers = {"Authorization": f"Token {state['token']}"}
        response = get("/api/v1/teams/", headers=headers)
        assert "Demo team" in response.text, f"Demo team not listed: {response.text[:200]}"
        return "Demo team listed"

    def teams_anonymous() -> str:
        response = requests.get(run.base + "/api/v1/teams/", timeout=30)
        assert response.status_code == 401, f"anonymous got {response.status_code}"
        return f"anonymous refused with {response.status_code}"

    def admin_login_page() -> str:
        get("/admin/login/")
        return "200"

    def admin_event_map() -> str:
        admin = requests.Session()
        page = admin.get(run.base + "/admin/login/", timeout=30)
        csrf = admin.cookies["csrftoken"]
        response = admin.post(
            run.base + "/admin/login/?next=/admin/events/event/",
            data={"username": "demo", "password": PASSWORD, "csrfmiddlewaretoken": csrf},
            headers={"Referer": page.url},
            timeout=30,
        )
        assert response.status_code == 200, f"login: {response.status_code}"
        assert "Demo flood" in response.text, "Demo flood not in the event changelist"
        match = re.search(r'href="(/admin/events/event/\d+/change/[^"]*)"', response.text)
        assert match, "no link to the event's change page"
        change = admin.get(run.base + match.group(1), timeout=30)
        assert change.status_code == 200, f"change page: {change.status_code}"
        assert 'id="id_area_of_interest-map"' in change.text, "no leaflet map widget"
        return "event change page with its leaflet map"

    def browser_app() -> str:
        browser = requests.Session()
        page = browser.get(run.base + "/login/?next=/jobs/", timeout=30)
        assert page.status_code == 200, f"login page: {page.status_code}"
        response = browser.post(
            run.base + "/login/",
            data={
                "username": "demo",
                "password": PASSWORD,
                "next": "/jobs/",
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            },
            headers={"Referer": page.url},
            timeout=30,
        )
        assert response.url == run.base + "/jobs/", f"login went to {response.url}"
        assert 'id="page-data"' in response.text, "no page data on the jobs page"
        scripts = re.findall(r'<script type="module"[^>]* src="(/static/[^"]+\.js)"', response.text)
        assert scripts, "the jobs page does not load its Vite-built script"
        asset = browser.get(run.base + scripts[0], timeout=30)
        assert asset.status_code == 200, f"{scripts[0]}: {asset.status_code}"
        return f"signed in; /jobs/ loads {scripts[0]}"

    def wait_job(response: requests.Response, headers: dict[str, str]) -> dict:
        assert response.status_code == 202, f"{response.status_code}: {response.text[:300]}"
        url = urlsplit(response.headers["Location"]).path
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            found = get(url, headers=headers).json()
            if found["status"] in ("succeeded", "failed"):
                break
            time.sleep(0.5)
        else:
            raise SmokeFailure(f"the job did not finish within 120 s: {found}")
        assert found["status"] == "succeeded", f"{found['kind']} failed: {found['error']}"
        return found

    def job() -> str:
        # A real job through the API: a Job row on SpatiaLite, the task through kombu's
        # filesystem broker, the worker writing progress and result while the web reads.
        headers = {"Authorization": f"Token {state['token']}"}
        events = get("/api/v1/events/", headers=headers).json()["results"]
        demo = next(e for e in events if e["name"] == "Demo flood")
        response = http.post(
            f"{run.base}/api/v1/events/{demo['id']}/summary/", headers=headers, json={}, timeout=30
        )
        found = wait_job(response, headers)
        assert found["progress"] == 1.0, found
        classes = {c["name"] for c in found["result"]["label_classes"]}
        assert {"flood water", "cloud", "flooded"} <= classes, found["result"]
        return f"event_summary job {found['id']} succeeded through the worker"

    def dataset() -> str:
        # Upload a real GeoTIFF, draw a box on it, build a version and download it: the
        # ingest, the freeze's ORM path and the exporters on SpatiaLite.
        headers = {"Authorization": f"Token {state['token']}"}
        events = get("/api/v1/events/", headers=headers).json()["results"]
        demo = next(e for e in events if e["name"] == "Demo flood")
        with open(ROOT.parent / "shared" / "data" / "rasterio" / "RGB.byte.tif", "rb") as f:
            upload = http.post(
                f"{run.base}/api/v1/events/{demo['id']}/uploads/",
                headers=headers,
                files={"files": ("RGB.byte.tif", f, "image/tiff")},
                timeout=60,
            )
        image_id = wait_job(upload, headers)["result"]["images"][0]
        classes = get(f"/api/v1/events/{demo['id']}/label-classes/", headers=headers).json()
        water = next(c for c in classes if c["name"] == "flood water")
        box = {
            "type": "Polygon",
            "coordinates": [[[10, 20], [110, 20], [110, 70], [10, 70], [10, 20]]],
        }
        drawn = http.post(
            f"{run.base}/api/v1/images/{image_id}/annotations/",
            headers=headers,
            json={"label_class": water["id"], "kind": "bbox", "geometry": box},
            timeout=30,
        )
        assert drawn.status_code == 201, f"annotation: {drawn.status_code} {drawn.text[:300]}"
        build = http.post(
            f"{run.base}/api/v1/events/{demo['id']}/datasets/",
            headers=headers,
            json={"formats": ["coco", "geojson", "gpkg"], "split": {"train": 1}},
            timeout=30,
        )
        version = wait_job(build, headers)["result"]["dataset"]
        download = get(
            f"/api/v1/datasets/{version}/download/", headers=headers, params={"format": "coco"}
        )
        archive = zipfile.ZipFile(io.BytesIO(download.content))
        coco = json.loads(archive.read("annotations/instances_train.json"))
        assert [a["bbox"] for a in coco["annotations"]] == [[10, 20, 100, 50]], coco
        download = get(
            f"/api/v1/datasets/{version}/download/", headers=headers, params={"format": "geojson"}
        )
        archive = zipfile.ZipFile(io.BytesIO(download.content))
        features = json.loads(archive.read("annotations.geojson"))["features"]
        lon, lat = features[0]["geometry"]["coordinates"][0][0]
        assert -79.5 < lon < -77 and 23 < lat < 26, (lon, lat)  # RGB.byte.tif: the Bahamas
        return f"image {image_id}: version {version} built and downloaded (coco, geojson)"

    def spatialite() -> str:
        database = run.data_dir / "labeler.sqlite3"
        assert database.is_file(), f"{database} was not created"
        header = database.read_bytes()[:16]
        assert header == b"SQLite format 3\x00", "not a SQLite database"
        return f"{database.stat().st_size} bytes in {database.parent}"

    check("GET / answers 200", home)
    check("GET /api/schema/ is OpenAPI", schema)
    check("GET /api/docs/ serves Swagger UI offline", docs)
    check("POST /api/v1/auth/token/ with the demo user", token)
    if "token" in state:
        check("GET /api/v1/teams/ with the token lists Demo team", teams)
    check("GET /api/v1/teams/ without credentials is refused", teams_anonymous)
    check("GET /admin/login/ answers 200", admin_login_page)
    check("admin: log in, event list, map widget", admin_event_map)
    check("browser app: sign in, a page with its built script", browser_app)
    if "token" in state:
        check("a job runs in the worker: POST summary, poll /api/v1/jobs/{id}/", job)
        check("upload, annotate, build and download a dataset version", dataset)
    check("SpatiaLite database under DATA_DIR", spatialite)
    return results


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="labeler-smoke-"))
    run = Run(workdir)
    print(f"run.sh on port {run.port}, DATA_DIR={run.data_dir}, log {run.log_path}", flush=True)
    results: list[tuple[str, bool, str]] = []
    try:
        started = time.monotonic()
        try:
            run.wait_until_ready()
            results.append(("run.sh starts", True, f"ready in {time.monotonic() - started:.1f} s"))
            results += run_checks(run)
        except SmokeFailure as error:
            results.append(("run.sh starts", False, str(error)))
        code, elapsed, leftovers = run.stop()
        results.append(
            (
                "SIGTERM stops run.sh, gunicorn and the worker",
                code is not None and not leftovers,
                f"exit {code} after {elapsed:.1f} s"
                + (", processes left behind" if leftovers else ""),
            )
        )
    finally:
        run.kill()

    failed = [r for r in results if not r[1]]
    for name, passed, detail in results:
        print(f"  {'ok  ' if passed else 'FAIL'} {name}: {detail}")
    if failed:
        print(f"\n--- run.sh output ({run.log_path}) ---")
        print(run.output()[-6000:])
    else:
        subprocess.run(["rm", "-rf", str(workdir)], check=False)
    print(f"smoke: {len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
