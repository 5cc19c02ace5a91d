"""``Labeler``: the labeler REST API (/api/v1/) from Python.

Every request carries ``Authorization: Token <token>``; every error answer becomes a
``LabelerError`` with the server's ``detail``, ``code`` and ``fields``. Lists follow the
pagination's ``next`` links, so callers get all rows, not the first page.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import time
import zipfile
from collections.abc import Iterator, Sequence
from email.message import Message
from pathlib import Path, PurePosixPath
from typing import Any

import requests
from tqdm import tqdm

from labeler_client.errors import (
    ChecksumMismatch,
    JobFailed,
    JobTimeout,
    LabelerError,
    UnsafeArchive,
)

URL_ENV = "LABELER_URL"
TOKEN_ENV = "LABELER_TOKEN"

FORMATS = (
    "coco",
    "yolo",
    "voc",
    "geojson",
    "gpkg",
    "shapefile",
    "stac",
    "masks",
    "classification_csv",
)

# (connect, read) seconds. Reads of a streamed download wait per chunk, not for the file.
DEFAULT_TIMEOUT = (10.0, 120.0)
CHUNK_SIZE = 1 << 20

_SHA256 = re.compile(r"[0-9a-f]{64}")
_SAFE_FILENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class Labeler:
    """A session with one labeler server.

    ``url`` is the server (``https://labeler.example.org``) or its API root
    (``.../api/v1/``); it defaults to ``$LABELER_URL``. ``token`` defaults to
    ``$LABELER_TOKEN``; get one with ``Labeler.login``.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    ) -> None:
        url = url or os.environ.get(URL_ENV)
        if not url:
            raise LabelerError(
                None, "no_url", f"No server URL: pass url= (--url) or set ${URL_ENV}."
            )
        self.api_url = api_root(url)
        self.token = token if token is not None else os.environ.get(TOKEN_ENV) or None
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"
        self.session.headers["User-Agent"] = "labeler-client"
        if self.token:
            self.session.headers["Authorization"] = f"Token {self.token}"

    def close(self) -> None:
        """Close the HTTP connections kept open for the next request."""
        self.session.close()

    def __enter__(self) -> Labeler:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Labeler({self.api_url!r}, token={'…' if self.token else None})"

    @classmethod
    def login(cls, url: str | None, username: str, password: str, **kwargs: Any) -> Labeler:
        """Exchange a username and password for the user's API token; returns a client
        using it (the token is ``.token``). Raises LabelerError on bad credentials."""
        with cls(url, token="", **kwargs) as anonymous:
            body = anonymous._json(
                "POST", "auth/token/", json={"username": username, "password": password}
            )
        token = body.get("token")
        if not isinstance(token, str) or not token:
            raise LabelerError(None, "bad_response", f"The server sent no token: {body!r}")
        return cls(anonymous.api_url, token=token, **kwargs)

    # --- reading ---------------------------------------------------------------------

    def events(self, *, team: int | None = None) -> list[dict[str, Any]]:
        """The events the user can see (all pages), optionally of one team only."""
        return list(self._pages("events/", params={"team": team} if team else None))

    def datasets(self, event_id: int) -> list[dict[str, Any]]:
        """The dataset versions of event ``event_id`` (all pages)."""
        return list(self._pages(f"events/{int(event_id)}/datasets/"))

    def dataset(self, dataset_id: int) -> dict[str, Any]:
        """One dataset version, with its ``files`` and ``manifest``."""
        return self._json("GET", f"datasets/{int(dataset_id)}/")

    def job(self, job_id: int) -> dict[str, Any]:
        """One job: ``status``, ``progress`` (0..1), ``message``, ``result``, ``error``."""
        return self._json("GET", f"jobs/{int(job_id)}/")

    # --- building a dataset ----------------------------------------------------------

    def create_dataset(
        self,
        event_id: int,
        formats: Sequence[str],
        filters: dict[str, Any] | None = None,
        split: dict[str, Any] | None = None,
        options: dict[str, Any] | None = None,
        name: str | None = None,
    ) -> dict[str, Any]:
        """Start building a new dataset version of event ``event_id``; returns the job.

        ``formats`` are export formats (``FORMATS``); ``filters``, ``split`` and
        ``options`` are sent as given (see the README). The new version's id is the job's
        ``params["dataset"]``. Pass the job's id to ``wait``.
        """
        if isinstance(formats, str):
            formats = [formats]  # a lone "coco" is not ["c", "o", "c", "o"]
        body: dict[str, Any] = {"formats": list(formats)}
        for key, value in (("filters", filters), ("split", split), ("options", options)):
            if value is not None:
                body[key] = value
        if name is not None:
            body["name"] = name
        return self._json("POST", f"events/{int(event_id)}/datasets/", json=body)

    def wait(
        self,
        job_id: int,
        *,
        progress: bool = True,
        timeout: float | None = 3600.0,
        poll_interval: float = 0.5,
        max_interval: float = 5.0,
    ) -> dict[str, Any]:
        """Poll job ``job_id`` until it finishes; returns the succeeded job.

        Polls every ``poll_interval`` seconds, backing off to ``max_interval``; with
        ``progress`` a progress bar (on stderr) shows the job's progress and message.
        Raises JobFailed with the job's error when it fails, JobTimeout after ``timeout``
        seconds (``None``: wait for ever).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        interval = poll_interval
        bar = tqdm(
            total=100,
            desc=f"job {job_id}",
            unit="%",
            bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix} [{elapsed}]",
            disable=not progress,
            leave=True,
        )
        try:
            while True:
                job = self.job(job_id)
                bar.n = round(100 * min(max(float(job.get("progress") or 0.0), 0.0), 1.0))
                bar.set_postfix_str(str(job.get("message") or job.get("status")), refresh=False)
                bar.refresh()
                status = job.get("status")
                if status == "succeeded":
                    bar.n = 100
                    bar.refresh()
                    return job
                if status == "failed":
                    raise JobFailed(job)
                if deadline is not None and time.monotonic() >= deadline:
                    raise JobTimeout(job, timeout or 0.0)
                pause = interval
                if deadline is not None:
                    pause = max(0.0, min(pause, deadline - time.monotonic()))
                time.sleep(pause)
                interval = min(interval * 1.5, max_interval)
        finally:
            bar.close()

    # --- downloading -----------------------------------------------------------------

    def download(
        self,
        dataset_id: int,
        format: str,
        dest_dir: str | os.PathLike[str] = ".",
        *,
        unzip: bool = True,
        progress: bool = False,
    ) -> Path:
        """Download one format of a dataset version into ``dest_dir``.

        Streams the ZIP to disk in chunks and checks its SHA-256 against the server's
        (the ``ETag``, else the version's ``files[format].sha256``). With ``unzip`` the
        ZIP is extracted into a folder named after it (members that would land outside
        it are refused) and that folder is returned; otherwise the ZIP's path.
        """
        dest = Path(dest_dir)
        dest.mkdir(parents=True, exist_ok=True)
        response = self._request(
            "GET",
            f"datasets/{int(dataset_id)}/download/",
            params={"format": format},
            headers={"Accept": "application/zip", "Accept-Encoding": "identity"},
            stream=True,
        )
        with response:
            filename = _attachment_filename(response.headers.get("Content-Disposition"))
            target = dest / (filename or f"dataset-{int(dataset_id)}-{format}.zip")
            expected = _etag_sha256(response.headers.get("ETag"))
            length = response.headers.get("Content-Length")
            partial = target.with_name(target.name + ".part")
            digest = hashlib.sha256()
            written = 0
            try:
                with (
                    open(partial, "wb") as out,
                    tqdm(
                        total=int(length) if length and length.isdigit() else None,
                        desc=target.name,
                        unit="B",
                        unit_scale=True,
                        unit_divisor=1024,
                        disable=not progress,
                    ) as bar,
                ):
                    for chunk in response.iter_content(CHUNK_SIZE):
                        out.write(chunk)
                        digest.update(chunk)
                        written += len(chunk)
                        bar.update(len(chunk))
            except requests.RequestException as exc:
                partial.unlink(missing_ok=True)
                raise LabelerError(
                    None, "download_interrupted", f"Download of {target.name} broke off: {exc}"
                ) from exc
        try:
            if length and length.isdigit() and written != int(length):
                raise LabelerError(
                    None,
                    "download_incomplete",
                    f"Download of {target.name} is incomplete: {written} of {length} bytes.",
                )
            if expected is None:
                expected = self._announced_sha256(dataset_id, format)
            actual = digest.hexdigest()
            if actual != expected:
                raise ChecksumMismatch(target.name, expected, actual)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(target)
        if not unzip:
            return target
        folder = dest / (
            target.name[: -len(".zip")] if target.name.endswith(".zip") else target.stem
        )
        return extract_zip(target, folder)

    def _announced_sha256(self, dataset_id: int, format: str) -> str:
        files = self.dataset(dataset_id).get("files") or {}
        sha = (files.get(format) or {}).get("sha256")
        if not isinstance(sha, str) or not _SHA256.fullmatch(sha.lower()):
            raise LabelerError(
                None,
                "no_checksum",
                f"The server announced no SHA-256 for {format} of dataset {dataset_id}; "
                "the download cannot be verified.",
            )
        return sha.lower()

    # --- HTTP ------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return path if "://" in path else self.api_url + path.lstrip("/")

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send a request; a 4xx/5xx answer raises LabelerError with the server's body."""
        url = self._url(path)
        kwargs.setdefault("timeout", self.timeout)
        try:
            response = self.session.request(method, url, **kwargs)
        except requests.ConnectionError as exc:
            raise LabelerError(None, "connection_error", f"Cannot reach {url}: {exc}") from exc
        except requests.Timeout as exc:
            raise LabelerError(None, "timeout", f"No answer from {url} in time: {exc}") from exc
        if response.status_code >= 400:
            try:
                raise _error_from(response)
            finally:
                response.close()
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = self._request(method, path, **kwargs)
        try:
            body = response.json()
        except ValueError:
            raise LabelerError(
                response.status_code,
                "bad_response",
                f"{method} {response.url} answered {response.headers.get('Content-Type')}, "
                f"not JSON: {response.text[:200]!r}",
            ) from None
        if not isinstance(body, dict):
            raise LabelerError(
                response.status_code, "bad_response", f"Expected a JSON object: {body!r}"
            )
        return body

    def _pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """The ``results`` of every page, following ``next`` until it is null."""
        url: str | None = path
        seen: set[str] = set()
        while url:
            page = self._json("GET", url, params=params)
            params = None  # ``next`` carries the query string already
            yield from page.get("results", [])
            url = page.get("next")
            if url in seen:  # a server bug must not loop us for ever
                raise LabelerError(None, "bad_response", f"Pagination loops at {url}.")
            if url:
                seen.add(url)


def api_root(url: str) -> str:
    """``https://host[/prefix][/api/v1][/]`` -> ``https://host[/prefix]/api/v1/``."""
    if not re.match(r"https?://", url):
        raise LabelerError(None, "bad_url", f"Not an http(s) URL: {url!r}.")
    url = url.rstrip("/")
    if url.endswith("/api/v1"):
        return url + "/"
    if url.endswith("/api"):
        return url + "/v1/"
    return url + "/api/v1/"


def _error_from(response: requests.Response) -> LabelerError:
    """The server's ``{"detail", "code", "fields"}`` as a LabelerError; anything else
    (a proxy's HTML page) as one with the start of the body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        fields = body.get("fields") if isinstance(body.get("fields"), dict) else {}
        return LabelerError(
            response.status_code,
            str(body.get("code") or f"http_{response.status_code}"),
            body["detail"],
            {
                str(name): [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
                for name, msgs in (fields or {}).items()
            },
        )
    text = " ".join(response.text.split())[:200]
    return LabelerError(
        response.status_code,
        f"http_{response.status_code}",
        f"{response.request.method} {response.url}: {response.reason or 'error'}"
        + (f": {text}" if text else ""),
    )


def _attachment_filename(header: str | None) -> str | None:
    """The ``filename`` of a Content-Disposition header, if it is a plain file name."""
    if not header:
        return None
    message = Message()
    message["Content-Disposition"] = header
    name = message.get_filename()
    if not name:
        return None
    name = PurePosixPath(name.replace("\\", "/")).name  # never a path the server chose
    return name if _SAFE_FILENAME.fullmatch(name) else None


def _etag_sha256(etag: str | None) -> str | None:
    """The SHA-256 in a strong ``ETag: "<hex>"``; None for a weak or other tag."""
    if not etag or etag.startswith("W/"):
        return None
    value = etag.strip().strip('"').lower()
    return value if _SHA256.fullmatch(value) else None


def extract_zip(archive: str | os.PathLike[str], folder: str | os.PathLike[str]) -> Path:
    """Extract ``archive`` into ``folder`` after checking every member stays inside it.

    Refuses (UnsafeArchive, nothing extracted) absolute paths, drive letters, ``..``
    parts, backslashes and symbolic links. Returns ``folder``.
    """
    archive_path = Path(archive)
    root = Path(folder)
    with zipfile.ZipFile(archive_path) as zf:
        members = zf.infolist()
        for info in members:
            why = _unsafe_reason(info)
            if why:
                raise UnsafeArchive(archive_path.name, info.filename, why)
        root.mkdir(parents=True, exist_ok=True)
        resolved = root.resolve()
        for info in members:
            if not (resolved / info.filename).resolve().is_relative_to(resolved):
                raise UnsafeArchive(archive_path.name, info.filename, "leaves the folder")
        zf.extractall(resolved)
    return root


def _unsafe_reason(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    if "\\" in name:
        return "has a backslash"
    if name.startswith("/") or re.match(r"[A-Za-z]:", name):
        return "is an absolute path"
    if ".." in PurePosixPath(name).parts:
        return "climbs out with '..'"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "is a symbolic link"
    return None
