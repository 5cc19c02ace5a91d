"""Imagery source ``upload``: files sent to an event through the API.

In the request (``upload_stage``), everything cheap is checked before anything is kept or
queued: names and sizes, content against the name (magic bytes), image headers (format,
declared size, data type, georeference), sidecars beside their image, ZIP archives (no
escaping paths, symlinks, bombs, nested archives or unsupported members). The files are
then staged in the default storage under ``staging/<uuid>/``, side by side so GDAL finds
``tile.wld`` and ``tile.jpg.aux.xml`` next to ``tile.jpg``, and the job ``ingest_upload``
ingests them one by one (workers/ingest.py). The staging folder is deleted in every
outcome.

ZIP folders become tags: an image in a folder is marked positive for a tag class named after
the folder (``flood/a.png`` -> ``flood``). Only the top-level folder counts
(``flood/2024/a.png`` -> ``flood``): zip the class folders themselves, not a folder holding
them. Images at the top of the archive get no tag. ``__MACOSX/``, dotfiles, ``Thumbs.db``
and ``desktop.ini`` are ignored.
"""

from __future__ import annotations

import contextlib
import functools
import re
import shutil
import stat
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils.text import get_valid_filename

from events.errors import DomainError
from events.models import Event, Image, LabelClass
from events.rules import Action, require
from workers import rasters
from workers.errors import (
    DuplicateImage,
    JobError,
    JobInputError,
    UnsafeArchive,
    UnsupportedFormat,
    UploadRejected,
    UploadTooLarge,
)
from workers.ingest import images_remove, ingest_file
from workers.models import Job
from workers.registry import Progress
from workers.services import job_start

name = "upload"

IMAGE_EXTENSIONS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".tif": "tiff", ".tiff": "tiff"}
#: Files GDAL reads beside an image: world files (.wld, and .<e><t>w / .<ext>w such as .jgw,
#: .tfw, .jpgw), PAM metadata (<image>.aux.xml, with the CRS of a JPEG or PNG) and .prj.
SIDECAR_SUFFIXES = (
    ".aux.xml", ".wld", ".jgw", ".pgw", ".tfw", ".jpgw", ".pngw", ".tifw", ".tiffw", ".prj"
)  # fmt: skip
SIDECAR_MAX_SIZE = 1024 * 1024
#: Below this many bytes expanded, a ZIP's compression ratio is not checked: a few MiB of
#: highly compressible masks harm no one, and they do reach ratios of several hundred.
ZIP_RATIO_FLOOR = 16 * 1024 * 1024
_IGNORED_NAMES = {"thumbs.db", "desktop.ini"}
_STAGING = re.compile(r"^staging/[0-9a-f]{32}$")
_SUPPORTED = "PNG, JPEG, (Geo)TIFF or ZIP files (with .wld/.aux.xml/.prj sidecars beside images)"


def file_kind(filename: str) -> str | None:
    """``png``/``jpeg``/``tiff`` (images), ``zip`` or ``sidecar`` from a name; else None."""
    lower = filename.lower()
    if lower.endswith(SIDECAR_SUFFIXES):
        return "sidecar"
    suffix = PurePosixPath(lower).suffix
    if suffix == ".zip":
        return "zip"
    return IMAGE_EXTENSIONS.get(suffix)


def _sidecar_owner(filename: str, images: set[str]) -> str | None:
    """The image (of ``images``, lower-case names in the same folder) a sidecar belongs to:
    ``tile.wld``, ``tile.prj`` -> ``tile.<ext>``; ``tile.jpg.aux.xml`` -> ``tile.jpg``."""
    lower = filename.lower()
    if lower.endswith(".aux.xml"):
        base = lower[: -len(".aux.xml")]
        if base in images:
            return base
        lower = base + ".aux"  # tile.aux.xml: by stem, like the world files
    stem = lower.rsplit(".", 1)[0]
    return next((image for image in sorted(images) if image.rsplit(".", 1)[0] == stem), None)


def check_upload_size(filename: str, size: int) -> None:
    """Refuse an empty file (UploadRejected) or one over LABELER_MAX_UPLOAD_SIZE
    (UploadTooLarge, which the API answers with 413)."""
    if size == 0:
        raise UploadRejected(f"{filename} is empty (0 bytes).", fields={"files": [filename]})
    limit = settings.LABELER_MAX_UPLOAD_SIZE
    if size > limit:
        raise UploadTooLarge(
            f"{filename} is larger than the limit of {limit:,} bytes (LABELER_MAX_UPLOAD_SIZE).",
            fields={"files": [filename]},
        )


def _check_sidecar(filename: str, size: int, read: Callable[[], bytes]) -> None:
    """A sidecar is small text: world files six numbers, .aux.xml XML. ``read`` gives its
    bytes, called only once the size is known to be small."""
    if size > SIDECAR_MAX_SIZE:
        raise UploadRejected(f"{filename} is too large for a sidecar file ({size:,} bytes).")
    try:
        text = read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadRejected(f"{filename} is not a text sidecar file.") from None
    lower = filename.lower()
    if lower.endswith(".aux.xml") and not text.lstrip().startswith("<"):
        raise UploadRejected(f"{filename} is not XML (a GDAL .aux.xml file).")
    if lower.endswith(("w", ".wld")) and not lower.endswith(".aux.xml"):
        numbers = text.split()
        try:
            [float(n) for n in numbers]
        except ValueError:
            numbers = []
        if len(numbers) != 6:
            raise UploadRejected(f"{filename} is not a world file (six numbers, one a line).")


# --- ZIP archives -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveMember:
    """A file of a ZIP to extract: its path in the archive, kind and tag (top folder)."""

    path: str
    kind: str  # png, jpeg, tiff or sidecar
    tag: str | None


def _ignored(path: str) -> bool:
    parts = path.split("/")
    return (
        parts[0] == "__MACOSX"
        or any(part.startswith(".") for part in parts)
        or parts[-1].lower() in _IGNORED_NAMES
    )


def _unsafe_path(path: str) -> bool:
    """Absolute, drive-lettered or ``..`` paths (with either slash) could write outside the
    extraction folder ("zip slip")."""
    normal = path.replace("\\", "/")
    return (
        normal.startswith("/")
        or bool(re.match(r"^[A-Za-z]:", normal))
        or ".." in normal.split("/")
        or "\x00" in normal
    )


def check_archive(archive: Any, *, filename: str, size: int) -> list[ArchiveMember]:
    """The members to ingest from a ZIP (a path or a seekable file), after checking it.

    Refused with UnsafeArchive, naming the archive and the members: absolute or ``..``
    paths, symlinks, encrypted members, nested ZIPs, more than LABELER_MAX_ZIP_MEMBERS
    members, a declared expanded size over LABELER_MAX_UPLOAD_SIZE or, above
    ZIP_RATIO_FLOOR, over LABELER_MAX_ZIP_RATIO times the archive's size (a ZIP bomb; the
    declared sizes bind: Python's zipfile never yields more than a member declares).
    With UnsupportedFormat: members of unsupported types or whose content does not match
    their name. With UploadRejected: no image, a sidecar without its image, tags too long.
    """
    try:
        opened = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UploadRejected(f"{filename} is not a valid ZIP archive: {exc}.") from None
    with opened:
        infos = opened.infolist()
        limit = settings.LABELER_MAX_ZIP_MEMBERS
        if len(infos) > limit:
            raise UnsafeArchive(
                f"{filename} has {len(infos):,} members, over the limit of {limit:,} "
                "(LABELER_MAX_ZIP_MEMBERS)."
            )
        unsafe = [i.filename for i in infos if _unsafe_path(i.filename)]
        if unsafe:
            raise UnsafeArchive(
                f"{filename} has members with paths outside the archive: {_listing(unsafe)}."
            )
        links = [i.filename for i in infos if stat.S_ISLNK(i.external_attr >> 16)]
        if links:
            raise UnsafeArchive(f"{filename} has symbolic links: {_listing(links)}.")
        expanded = sum(i.file_size for i in infos)
        if expanded > settings.LABELER_MAX_UPLOAD_SIZE:
            raise UnsafeArchive(
                f"{filename} would expand to {expanded:,} bytes, over the limit of "
                f"{settings.LABELER_MAX_UPLOAD_SIZE:,} (LABELER_MAX_UPLOAD_SIZE): a ZIP bomb?"
            )
        ratio = expanded / max(size, 1)
        if expanded > ZIP_RATIO_FLOOR and ratio > settings.LABELER_MAX_ZIP_RATIO:
            raise UnsafeArchive(
                f"{filename} would expand {ratio:,.0f} times its size, over the limit of "
                f"{settings.LABELER_MAX_ZIP_RATIO} (LABELER_MAX_ZIP_RATIO): a ZIP bomb?"
            )
        files = [i for i in infos if not i.is_dir() and not _ignored(i.filename)]
        encrypted = [i.filename for i in files if i.flag_bits & 0x1]
        if encrypted:
            raise UnsafeArchive(f"{filename} has encrypted members: {_listing(encrypted)}.")
        kinds = {i.filename: file_kind(i.filename) for i in files}
        nested = [path for path, kind in kinds.items() if kind == "zip"]
        unsupported = [path for path, kind in kinds.items() if kind is None]
        for info in files:
            kind = kinds[info.filename]
            if kind in (None, "zip", "sidecar"):
                continue
            with opened.open(info) as member:
                head = member.read(16)
            sniffed = rasters.sniff_format(head)
            if sniffed == "zip":
                nested.append(info.filename)
            elif sniffed != kind:
                raise UnsupportedFormat(
                    f"{filename}: {info.filename} is not a {rasters.FORMAT_NAMES[kind]} file: "
                    f"{rasters.describe_content(head)}."
                )
        if nested:
            raise UnsafeArchive(
                f"{filename} holds other ZIP archives ({_listing(nested)}); nested archives "
                "are not supported, put their files in the one archive."
            )
        if unsupported:
            raise UnsupportedFormat(
                f"{filename} has members of unsupported types: {_listing(unsupported)}. "
                f"Archives may hold {_SUPPORTED}."
            )
        members = []
        for info in files:
            path, kind = info.filename, kinds[info.filename]
            folder = PurePosixPath(path).parent
            if kind == "sidecar":
                images = {
                    PurePosixPath(p).name.lower()
                    for p, k in kinds.items()
                    if k not in ("sidecar", None) and PurePosixPath(p).parent == folder
                }
                if _sidecar_owner(PurePosixPath(path).name, images) is None:
                    raise UploadRejected(
                        f"{filename}: {path} is a sidecar file without its image beside it."
                    )
                _check_sidecar(path, info.file_size, functools.partial(opened.read, info))
            tag = path.split("/")[0] if "/" in path else None
            if tag is not None and len(tag) > LabelClass._meta.get_field("name").max_length:  # type: ignore[operator]
                raise UploadRejected(f"{filename}: folder name {tag[:40]!r}... is too long.")
            members.append(ArchiveMember(path=path, kind=kind or "", tag=tag))
        if not any(m.kind != "sidecar" for m in members):
            raise UploadRejected(f"{filename} holds no PNG, JPEG or TIFF image.")
    return members


def _listing(items: Sequence[str], most: int = 5) -> str:
    shown = ", ".join(items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def extract_archive(path: Path, members: Sequence[ArchiveMember], into: Path) -> None:
    """Extract ``members`` (checked by ``check_archive``) under ``into``, keeping folders."""
    root = into.resolve()
    with zipfile.ZipFile(path) as opened:
        for member in members:
            target = (root / member.path).resolve()
            if not target.is_relative_to(root):  # checked already; never trust one check
                raise UnsafeArchive(f"{path.name}: {member.path} is outside the archive.")
            target.parent.mkdir(parents=True, exist_ok=True)
            with opened.open(member.path) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out, 1024 * 1024)


# --- the request: check and stage -------------------------------------------------------------


@contextlib.contextmanager
def _local_path(upload: File) -> Iterator[Path]:
    """A path on local disk holding the upload's bytes (Django's temporary file when the
    upload was streamed to disk; a temporary copy for small in-memory uploads)."""
    temporary = getattr(upload, "temporary_file_path", None)
    if temporary is not None:
        yield Path(temporary())
        return
    with tempfile.NamedTemporaryFile(
        dir=settings.FILE_UPLOAD_TEMP_DIR, prefix="labeler-check-"
    ) as copy:
        upload.seek(0)
        shutil.copyfileobj(upload, copy, 1024 * 1024)
        copy.flush()
        upload.seek(0)
        yield Path(copy.name)


def _head(upload: File, count: int = 16) -> bytes:
    upload.seek(0)
    head = upload.read(count)
    upload.seek(0)
    return head


@dataclass(frozen=True)
class CheckedFile:
    """A file of an upload that passed the checks, with the tags its ZIP folders give."""

    upload: File
    filename: str  # the name it is staged under
    kind: str
    tags: tuple[str, ...] = ()


def upload_check(*, event: Event, files: Sequence[File]) -> list[CheckedFile]:
    """Check every file of an upload, cheaply, before anything is kept; see the module."""
    if not files:
        raise UploadRejected("Send at least one file.", fields={"files": ["No file sent."]})
    checked: list[CheckedFile] = []
    seen: set[str] = set()
    for upload in files:
        original = PurePosixPath(str(upload.name or "").replace("\\", "/")).name
        filename = get_valid_filename(original) if original.strip(" .") else ""
        if not filename:
            raise UploadRejected(f"A file has no usable name ({upload.name!r}).")
        if filename.lower() in seen:
            raise UploadRejected(f"{original} is sent twice; file names must be unique.")
        seen.add(filename.lower())
        size = upload.size or 0
        check_upload_size(original, size)
        kind = file_kind(filename)
        if kind is None:
            raise UnsupportedFormat(
                f"{original}: unsupported file type; send {_SUPPORTED}.",
                fields={"files": [original]},
            )
        head = _head(upload)
        if kind == "sidecar":
            _check_sidecar(original, size, functools.partial(_head, upload, SIDECAR_MAX_SIZE))
        else:
            sniffed = rasters.sniff_format(head)
            if sniffed != kind:
                raise UnsupportedFormat(
                    f"{original} is not a {rasters.FORMAT_NAMES[kind]} file: "
                    f"{rasters.describe_content(head)}.",
                    fields={"files": [original]},
                )
        tags: tuple[str, ...] = ()
        if kind == "zip":
            with _local_path(upload) as local:
                members = check_archive(local, filename=original, size=size)
            tags = tuple(sorted({m.tag for m in members if m.tag}))
        elif kind != "sidecar":
            with _local_path(upload) as local:
                rasters.inspect_raster(local, name=original, read_data=False)
        checked.append(CheckedFile(upload=upload, filename=filename, kind=kind, tags=tags))

    images = {c.filename.lower() for c in checked if c.kind not in ("sidecar", "zip")}
    for c in checked:
        if c.kind == "sidecar" and _sidecar_owner(c.filename, images) is None:
            raise UploadRejected(
                f"{c.upload.name} is a sidecar file without its image in the same upload.",
                fields={"files": [str(c.upload.name)]},
            )
    folders = {tag for c in checked for tag in c.tags}
    clash = (
        LabelClass.objects.filter(event=event, name__in=folders)
        .exclude(kind=LabelClass.Kind.TAG)
        .values_list("name", "kind")
        .first()
    )
    if clash:
        raise UploadRejected(
            f"Folder {clash[0]!r} would tag images, but {clash[0]!r} is a label class of kind "
            f"{clash[1]} in this event; rename the folder or the class."
        )
    return checked


def upload_stage(
    *,
    event: Event,
    files: Sequence[File],
    band_order: str | None = None,
) -> dict[str, Any]:
    """Check an upload (``upload_check``) and stage it; returns the ``ingest_upload`` job's
    parameters but ``event_id`` and ``user_id``: ``staging`` (the folder) and ``files``
    (``name`` as sent, ``path`` in storage, ``kind``), plus ``band_order``.

    Refusals raise before anything is written; if writing fails, what was written is
    deleted.
    """
    checked = upload_check(event=event, files=files)
    staging = f"staging/{uuid.uuid4().hex}"
    staged: list[dict[str, str]] = []
    try:
        for c in checked:
            c.upload.seek(0)
            wanted = f"{staging}/{c.filename}"
            stored = default_storage.save(wanted, c.upload)
            staged.append({"name": str(c.upload.name), "path": stored, "kind": c.kind})
            if stored != wanted:  # a fresh folder: the storage must keep names as they are
                raise UploadRejected(f"{c.upload.name} could not be staged under its own name.")
    except BaseException:
        staging_delete(staging)
        raise
    return {"staging": staging, "files": staged, "band_order": band_order}


def upload_start(
    *,
    user: User,
    event: Event,
    files: Sequence[File],
    band_order: str | None = None,
) -> Job:
    """Check and stage an upload to ``event`` and start its ``ingest_upload`` job.

    Managers and owners only (NotFound for another team's event, Forbidden below manager).
    Refusals (``upload_check``) raise before anything is staged or queued; if the job
    cannot be started the staging folder is deleted.
    """
    require(user, event.team_id, Action.MANAGE, what="Event")
    params = upload_stage(event=event, files=files, band_order=band_order)
    try:
        return job_start(
            kind="ingest_upload",
            owner=user,
            params={"event_id": event.pk, "user_id": user.pk, **params},
            event=event,
        )
    except BaseException:
        staging_delete(params["staging"])
        raise


def staging_delete(staging: str) -> None:
    """Delete a staging folder and everything in it (never anything outside staging/)."""
    if not _STAGING.match(staging):
        raise ValueError(f"Not a staging folder: {staging!r}")
    _delete_tree(staging)


def _delete_tree(prefix: str) -> None:
    try:
        folders, names = default_storage.listdir(prefix)
    except FileNotFoundError:
        return
    for folder in folders:
        _delete_tree(f"{prefix}/{folder}")
    for filename in names:
        default_storage.delete(f"{prefix}/{filename}")
    if _has_local_path():  # the folder itself; object stores have none
        with contextlib.suppress(OSError):
            default_storage.delete(prefix)


def _has_local_path() -> bool:
    try:
        default_storage.path("staging")
    except NotImplementedError:
        return False
    return True


@contextlib.contextmanager
def staging_local(staging: str, files: Sequence[dict[str, str]]) -> Iterator[Path]:
    """The staging folder on local disk: itself on a local storage, else a temporary copy
    (S3), so GDAL reads local files with their sidecars beside them."""
    if not _STAGING.match(staging):
        raise ValueError(f"Not a staging folder: {staging!r}")
    if _has_local_path():
        yield Path(default_storage.path(staging))
        return
    with tempfile.TemporaryDirectory(prefix="labeler-staging-") as tmp:
        for item in files:
            with (
                default_storage.open(item["path"], "rb") as source,
                open(Path(tmp) / PurePosixPath(item["path"]).name, "wb") as out,
            ):
                shutil.copyfileobj(source, out, 1024 * 1024)
        yield Path(tmp)


# --- the job ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    path: Path
    name: str  # as the user knows it: file name, or archive name + member path
    tags: tuple[str, ...]
    provenance: dict[str, Any]


def ingest_upload(
    *,
    event_id: int,
    user_id: int,
    staging: str,
    files: Sequence[dict[str, str]],
    band_order: str | None = None,
    progress: Progress,
) -> dict[str, Any]:
    """Job ``ingest_upload``: ingest every image of a staged upload (ZIP members included).

    Returns ``images`` (ids created, in order), ``duplicates`` (``name``,
    ``existing_image``: files whose bytes the event already had, skipped) and ``tags``
    (tag name -> number of images marked). Any other failure fails the job with a message
    naming the file, after removing every image this job created. The staging folder is
    deleted in every outcome.
    """
    try:
        event = Event.objects.select_related("team").filter(pk=event_id).first()
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if event is None or user is None:
            what = "Event" if event is None else "User"
            raise JobInputError(f"{what} of the upload no longer exists (deleted meanwhile?).")
        require(user, event.team_id, Action.MANAGE, what="Event")
        with (
            staging_local(staging, files) as folder,
            tempfile.TemporaryDirectory(prefix="labeler-upload-") as tmp,
        ):
            progress(0.0, "Unpacking")
            items = _items(folder, files, Path(tmp))
            return _ingest_items(
                items, event=event, user=user, band_order=band_order, progress=progress
            )
    finally:
        staging_delete(staging)


def _items(folder: Path, files: Sequence[dict[str, str]], tmp: Path) -> list[_Item]:
    items = []
    for index, item in enumerate(files):
        local = folder / PurePosixPath(item["path"]).name
        if item["kind"] == "sidecar":
            continue
        if item["kind"] != "zip":
            items.append(_Item(local, item["name"], (), {"upload": {"file": item["name"]}}))
            continue
        members = check_archive(local, filename=item["name"], size=local.stat().st_size)
        into = tmp / f"archive-{index}"
        extract_archive(local, members, into)
        for member in members:
            if member.kind == "sidecar":
                continue
            items.append(
                _Item(
                    into / member.path,
                    f"{item['name']}/{member.path}",
                    (member.tag,) if member.tag else (),
                    {"upload": {"file": item["name"], "member": member.path}},
                )
            )
    if not items:
        raise UploadRejected("The upload holds no image.")
    return items


def _ingest_items(
    items: Sequence[_Item],
    *,
    event: Event,
    user: User,
    band_order: str | None,
    progress: Progress,
) -> dict[str, Any]:
    created: list[Image] = []
    duplicates: list[dict[str, Any]] = []
    tags: dict[str, int] = {}
    total = len(items)
    for index, item in enumerate(items):

        def step(fraction: float, message: str = "", index: int = index) -> None:
            progress((index + fraction) / total, f"{message} ({index + 1} of {total})")

        try:
            image = ingest_file(
                event=event,
                path=item.path,
                name=item.name,
                user=user,
                provenance=item.provenance,
                tags=item.tags,
                band_order=band_order,
                progress=step,
            )
        except DuplicateImage as exc:
            duplicates.append({"name": item.name, "existing_image": exc.existing_image})
            continue
        except BaseException as exc:
            images_remove(created)  # nothing half-stored: all of the upload or none
            if not isinstance(exc, Exception) or item.name in str(exc):
                raise
            if isinstance(exc, DomainError):
                raise JobError(f"{item.name}: {exc}") from exc
            raise JobError(
                f"{item.name} could not be ingested: {type(exc).__name__}: {exc}"
            ) from exc
        created.append(image)
        for tag in item.tags:
            tags[tag] = tags.get(tag, 0) + 1
    return {
        "images": [image.pk for image in created],
        "duplicates": duplicates,
        "tags": tags,
    }


def describe() -> dict[str, Any]:
    """What this source offers (the interface of ``workers.sources``)."""
    return {
        "name": name,
        "title": "Files uploaded to an event",
        "kinds": ["file"],
        "formats": ["image/png", "image/jpeg", "image/tiff", "application/zip"],
    }
