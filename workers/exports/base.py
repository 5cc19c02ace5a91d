"""What every exporter works from: a frozen dataset snapshot, and a ZIP writer that hashes.

A ``Snapshot`` is the dataset version's labels as they were when it was built: event, label
classes with their stable export ids, and one ``ImageRecord`` per image (metadata, split,
annotations, tags), plus the event's map shapes. It is stored as JSON lines next to the
version (``snapshot.jsonl``), so a version downloads the same however the labels change
later, and exporters stream it image by image: memory stays flat however large the event.

An exporter module (``workers/exports/<format>.py``) exposes::

    name: str          # its key in EXPORTERS, e.g. "coco"
    title: str         # e.g. "COCO instances JSON"
    geographic: bool   # whether it reads the annotations' geo_geometry (else left None)
    parallel: bool     # optional: True if export takes processes=n (n processes at once)
    def export(snapshot: Snapshot, out: ExportWriter) -> None
    def readme(snapshot: Snapshot) -> str   # Markdown: the files it wrote and how to load them

The builder (``workers.exports.build``) writes the parts every export shares: README.md
(general part + the exporter's ``readme``), ``label_schema.json``, the image files when the
version includes them (at ``image_path(record)``) and ``MANIFEST.sha256``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import re
import shutil
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields, replace
from itertools import starmap
from pathlib import Path
from typing import IO, Any, Protocol

import orjson
from isal import igzip_lib, isal_zlib

SPLITS = ("train", "validation", "test")


@dataclass(frozen=True, slots=True)
class LabelClassInfo:
    """A label class as exported. ``id`` is the class's export id: 0-based, stable across
    the event's versions (a class keeps its id forever; new classes get the next ones).
    YOLO uses it as the class index, COCO as ``category_id`` minus one (COCO ids start at
    1), masks as the pixel value minus one (0 is background)."""

    id: int
    pk: int
    name: str
    color: str
    kind: str
    value: float | None = None


@dataclass(slots=True)
class AnnotationRecord:
    """One annotation. ``geometry`` is GeoJSON in pixel space (x right, y down, origin at
    the image's top-left corner); ``geo_geometry`` the same in EPSG:4326 (RFC 7946) for
    georeferenced images; ``mask`` COCO uncompressed RLE for ``kind == "mask"``."""

    id: int
    class_id: int
    kind: str
    geometry: dict[str, Any]
    mask: dict[str, Any] | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    source: str = "manual"
    confidence: float | None = None
    difficulty: int | None = None
    review_state: str = "pending"
    author: str | None = None
    # Last: the snapshot stores it on a line of its own (see write_snapshot).
    geo_geometry: dict[str, Any] | None = None


_ANNOTATION_FIELDS = tuple(f.name for f in fields(AnnotationRecord))
# The fields of a stored annotation, in order: all but geo_geometry.
_STORED_FIELDS = _ANNOTATION_FIELDS[:-1]


@dataclass(slots=True)
class TagRecord:
    """An image-level classification label: ``state`` is ``positive`` or ``negative``."""

    class_id: int
    state: str


@dataclass(slots=True)
class ImageRecord:
    """One image of the version with its labels. ``transform`` is the affine as GDAL's six
    coefficients order ``[a, b, c, d, e, f]`` (``x = a*col + b*row + c``; rasterio's
    ``Affine(*transform)``), None when not georeferenced; ``crs`` is ``EPSG:n`` or WKT."""

    id: int
    name: str
    split: str
    width: int
    height: int
    band_count: int = 3
    band_names: list[str] = field(default_factory=list)
    dtype: str = "uint8"
    nodata: float | None = None
    crs: str = ""
    transform: list[float] | None = None
    footprint: dict[str, Any] | None = None
    acquired_at: str | None = None
    source: str = "upload"
    checksum: str = ""
    file: str = ""
    annotations: list[AnnotationRecord] = field(default_factory=list)
    tags: list[TagRecord] = field(default_factory=list)

    @property
    def georeferenced(self) -> bool:
        return bool(self.crs) and self.transform is not None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImageRecord:
        data = dict(data)
        # Annotations stored with every field in order (as the snapshot's writers store
        # them) are built from their values by position: twice as fast as by keyword, for
        # 100,000 annotations a pass. A line's annotations come from one writer, all in
        # one layout: the first one's keys say which.
        annotation = AnnotationRecord
        stored = data.get("annotations", ())
        if stored and tuple(stored[0]) == _STORED_FIELDS:
            data["annotations"] = list(starmap(annotation, map(dict.values, stored)))
        else:
            data["annotations"] = [annotation(**a) for a in stored]
        data["tags"] = [TagRecord(**t) for t in data.get("tags", ())]
        return cls(**data)


@dataclass(slots=True)
class MapShapeRecord:
    """A shape drawn on the map, GeoJSON in EPSG:4326; ``class_id`` None when unclassed."""

    id: int
    class_id: int | None
    geometry: dict[str, Any]
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class Snapshot:
    """A dataset version's frozen content. ``images()`` and ``map_shapes()`` can be iterated
    more than once; each pass streams from the stored snapshot. ``open_image(record)`` gives
    a path rasterio opens (local path or ``/vsis3/...``) for exporters that read pixels."""

    event: dict[str, Any]
    version: int
    created_at: str
    classes: list[LabelClassInfo]
    images: Callable[[], Iterator[ImageRecord]]
    map_shapes: Callable[[], Iterator[MapShapeRecord]] = lambda: iter(())
    options: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    open_image: Callable[[ImageRecord], str] | None = None
    #: Facts about the images an exporter gathered in its pass, for its README (``readme``
    #: comes after ``export`` on the same snapshot): a README needs no pass of its own.
    #: Not carried over by ``dataclasses.replace`` (a chipped snapshot has other facts).
    memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    #: How ``images_where`` reads a stored snapshot (``read_snapshot``: the images it does
    #: not want are skipped unparsed). Not carried over by ``dataclasses.replace``: a
    #: replaced ``images`` (chips) is read through and filtered instead.
    select_images: Callable[[Callable[[int], bool]], Iterator[tuple[int, ImageRecord]]] | None = (
        field(default=None, init=False, repr=False, compare=False)
    )

    def images_where(self, wanted: Callable[[int], bool]) -> Iterator[tuple[int, ImageRecord]]:
        """(position, image) of the images whose position in ``images()`` (0, 1, ...)
        ``wanted`` accepts: one process's share when several write one export."""
        if self.select_images is not None:
            return self.select_images(wanted)
        return ((index, image) for index, image in enumerate(self.images()) if wanted(index))

    def class_by_id(self) -> dict[int, LabelClassInfo]:
        return {c.id: c for c in self.classes}

    @classmethod
    def from_records(
        cls,
        *,
        event: dict[str, Any],
        classes: list[LabelClassInfo],
        images: list[ImageRecord],
        map_shapes: list[MapShapeRecord] | None = None,
        version: int = 1,
        created_at: str = "2026-01-01T00:00:00Z",
        options: dict[str, Any] | None = None,
        open_image: Callable[[ImageRecord], str] | None = None,
    ) -> Snapshot:
        """A snapshot held in memory (tests, small tools)."""
        shapes = list(map_shapes or [])
        return cls(
            event=event,
            version=version,
            created_at=created_at,
            classes=classes,
            images=lambda: iter(images),
            map_shapes=lambda: iter(shapes),
            options=dict(options or {}),
            open_image=open_image,
        )


# --- The stored form: JSON lines -------------------------------------------------------
# line 1: {"header": {event, version, created_at, classes, options, counts}}
# then per image: {"image": {...}} (its annotations without geo_geometry) and
# {"geo": [...]} (its annotations' geo_geometry, in the same order); then one
# {"map_shape": {...}} per shape. The EPSG:4326 geometries are a third of a snapshot's
# bytes and only the geographic formats use them: the others skip those lines unparsed.
# Snapshots of older versions hold geo_geometry inside each annotation; they read the same.


_WRITE_BUFFER = 4 << 20


class Digest(Protocol):
    """What ``hashlib`` objects are to ``write_snapshot``: fed bytes."""

    def update(self, data: bytes, /) -> None: ...


class _Digested:
    """A file whose writes also feed a digest."""

    def __init__(self, file: IO[bytes], digest: Digest) -> None:
        self._file = file
        self._digest = digest

    def write(self, data: bytes) -> int:
        self._digest.update(data)
        return self._file.write(data)

    def flush(self) -> None:
        self._file.flush()


# The line kinds after the header, by the start the snapshot's writer gives them.
_KINDS = tuple((b'{"' + key.encode() + b'":', key) for key in ("image", "geo", "map_shape"))


def write_snapshot(
    path: Path,
    *,
    header: dict[str, Any],
    images: Iterable[ImageRecord | dict[str, Any] | tuple[bytes, ...]],
    map_shapes: Iterable[MapShapeRecord],
    digest: Digest | None = None,
) -> None:
    """Images are records or their stored form: dicts of the same fields (where JSON
    values may be ``orjson.Fragment``s of JSON text straight from the database), or JSON
    text assembled by the database: the image's object up to its last field before
    ``annotations`` (no closing brace), its annotations (without geo_geometry), its tags
    and its annotations' geo list. ``digest`` (e.g. ``hashlib.sha256()``) is fed every
    byte written: the file's checksum without reading it again."""
    # Few, large writes: each write to the file releases the GIL, and taking it back
    # waits on the exporters' threads (up to the 5 ms switch interval) while they run.
    with open(path, "wb", buffering=_WRITE_BUFFER) as file:
        f = _Digested(file, digest) if digest is not None else file
        f.write(orjson.dumps({"header": header}) + b"\n")
        f.flush()  # the header at once: readers following the file start with it
        dumps = orjson.dumps
        for image in images:
            if isinstance(image, tuple):
                head, annotations, tags, geo_text = image
                f.write(
                    b"".join(
                        (
                            b'{"image":',
                            head,
                            b',"annotations":',
                            annotations,
                            b',"tags":',
                            tags,
                            b'}}\n{"geo":',
                            geo_text,
                            b"}\n",
                        )
                    )
                )
                continue
            stored = dict(image) if isinstance(image, dict) else asdict(image)
            annotations = stored.get("annotations", [])
            geo = [a.get("geo_geometry") for a in annotations]
            stored["annotations"] = [
                {k: v for k, v in a.items() if k != "geo_geometry"} for a in annotations
            ]
            f.write(dumps({"image": stored}) + b"\n" + dumps({"geo": geo}) + b"\n")
        for shape in map_shapes:
            f.write(orjson.dumps({"map_shape": asdict(shape)}) + b"\n")


class FileFlag:
    """A flag another process raises by creating a file: what ``read_snapshot(follow=...)``
    waits on in a process of its own (``threading.Event`` within one process). It also
    counts as raised when the process that was to raise it (``parent``, the follower's
    parent or grandparent) is gone, so a follower never waits for a writer that died."""

    def __init__(self, path: Path, *, parent: int | None = None) -> None:
        self.path = path
        self.parent = parent

    def is_set(self) -> bool:
        return self.path.exists() or (self.parent is not None and not self._parent_alive())

    def _parent_alive(self) -> bool:
        if os.getppid() == self.parent:  # a child of the writer, which is running
            return True
        try:  # a grandchild (a format written in several processes), or an orphan
            os.kill(self.parent, 0)  # type: ignore[arg-type]
        except ProcessLookupError:
            return False
        except PermissionError:  # a process of another user took the number: ours is gone
            return False
        return True

    def wait(self, timeout: float) -> bool:
        if not self.is_set():
            time.sleep(timeout)
        return self.is_set()

    def set(self) -> None:
        self.path.touch()


_POLL = 0.002  # seconds between looks at a snapshot still being written
_BUFFER = 1 << 20  # image lines are kilobytes: read the file in large blocks


def _lines(path: Path, follow: threading.Event | FileFlag | None) -> Iterator[bytes]:
    """The file's lines. With ``follow``, the file is still being written: wait for more
    (and for the file itself) until ``follow`` is set, then read to the end; a last line
    left incomplete by a writer that failed is dropped."""
    if follow is None:
        with open(path, "rb", buffering=_BUFFER) as f:
            yield from f
        return
    while not path.exists():
        if follow.wait(_POLL) and not path.exists():
            return
    with open(path, "rb", buffering=_BUFFER) as f:
        partial = b""
        finished = False
        while True:
            line = f.readline()
            if line.endswith(b"\n"):
                yield partial + line if partial else line
                partial = b""
            elif line:
                partial += line
            elif finished:
                return
            else:
                # At the end of what is written so far (only here: asking a FileFlag is a
                # system call, too dear for every line). Once the writer says it is done,
                # one more read gets all it wrote before saying so; else wait for more.
                finished = follow.is_set() or follow.wait(_POLL)


def _value(key: str, line: bytes | dict[str, Any]) -> Any:
    """The value of a snapshot line's one key, parsing the line if it is not yet."""
    return (orjson.loads(line) if isinstance(line, bytes) else line)[key]


def read_snapshot(
    path: Path,
    *,
    open_image: Callable[[ImageRecord], str] | None = None,
    follow: threading.Event | FileFlag | None = None,
    geo: bool = True,
) -> Snapshot:
    """The snapshot stored at ``path``. ``follow``: the snapshot is being written while it
    is read (the builder exports while it freezes); set by the writer once the file is
    complete. Until then reading waits for the lines to come, header first. ``geo=False``:
    the annotations' ``geo_geometry`` stays None, its lines unread (non-geographic formats).
    """
    first = next(_lines(path, follow), b"")
    if not first.endswith(b"\n"):
        raise ValueError(f"snapshot {path.name} has no header: its writer failed")
    header = orjson.loads(first)["header"]

    def lines() -> Iterator[tuple[str, bytes | dict[str, Any]]]:
        """(kind, line) of each line after the header, in file order: the line unparsed
        (the snapshot's writer puts the key first, compact, so a reader skips the kinds
        it does not want unparsed), or parsed when it was not written so."""
        items = _lines(path, follow)
        next(items, None)  # the header
        for line in items:
            for prefix, key in _KINDS:
                if line.startswith(prefix):
                    yield key, line
                    break
            else:
                item = orjson.loads(line)
                yield from ((key, item) for _, key in _KINDS if key in item)

    def indexed(wanted: Callable[[int], bool] | None) -> Iterator[tuple[int, ImageRecord]]:
        """The images whose position ``wanted`` accepts (all for None), with it; each with
        the geo line that follows it (older snapshots have none: their annotations hold
        their geo_geometry). Other images' lines are skipped unparsed."""
        from_dict = ImageRecord.from_dict
        index, pending = -1, None
        for key, line in lines():
            if key == "image":
                if pending is not None:
                    yield index, pending
                index += 1
                pending = None
                if wanted is None or wanted(index):
                    pending = from_dict(_value(key, line))
            elif key == "geo" and pending is not None:
                if geo:
                    value = _value(key, line)
                    for annotation, geometry in zip(pending.annotations, value, strict=True):
                        annotation.geo_geometry = geometry
                yield index, pending
                pending = None
        if pending is not None:
            yield index, pending

    def map_shapes() -> Iterator[MapShapeRecord]:
        for key, line in lines():
            if key == "map_shape":
                yield MapShapeRecord(**_value(key, line))

    snapshot = Snapshot(
        event=header["event"],
        version=header["version"],
        created_at=header["created_at"],
        classes=[LabelClassInfo(**c) for c in header["classes"]],
        images=lambda: (image for _, image in indexed(None)),
        map_shapes=map_shapes,
        options=header.get("options", {}),
        counts=header.get("counts", {}),
        open_image=open_image,
    )
    snapshot.select_images = indexed
    return snapshot


# --- The garbage collector ----------------------------------------------------------------


# --- Several exporters, one read ----------------------------------------------------------

_END = object()
_BATCH = 32  # records handed over at a time: few queue operations, little memory


class SharedPasses:
    """One snapshot read by several exporters at once, each in its own thread.

    The first ``images()`` pass of every reader shares a single read of the snapshot:
    each record is parsed once and handed to every reader in small batches through a
    bounded queue (memory stays flat; readers go at the pace of the slowest). Later passes
    read the snapshot on their own. ``open`` makes the underlying snapshot (it may wait
    for the header of a snapshot still being written); the first reader calls it.
    Records are shared between readers: exporters do not modify them.

    Each reader's thread calls ``detach(reader)`` when its exporter is done, so that a
    reader that stops early or never reads does not hold the others up.
    """

    def __init__(self, open: Callable[[], Snapshot], readers: int) -> None:
        self._open = open
        self._lock = threading.Lock()
        self._source: Snapshot | None = None
        self._queues: list[queue.Queue[Any]] = [queue.Queue(maxsize=4) for _ in range(readers)]
        self._attached = [True] * readers
        self._started = [False] * readers

    def snapshot(self, reader: int) -> Snapshot:
        """The snapshot as reader ``reader`` (0, 1, ...) sees it."""
        with self._lock:
            if self._source is None:
                self._source = self._open()
                threading.Thread(
                    target=self._produce, args=(self._source,), name="snapshot", daemon=True
                ).start()
            source = self._source
        return replace(source, images=lambda: self._images(source, reader))

    def detach(self, reader: int) -> None:
        self._attached[reader] = False
        with contextlib.suppress(queue.Empty):
            while True:  # unblock the producer
                self._queues[reader].get_nowait()

    def _images(self, source: Snapshot, reader: int) -> Iterator[ImageRecord]:
        with self._lock:
            first, self._started[reader] = not self._started[reader], True
        if first and self._attached[reader]:
            return self._shared(reader)
        return source.images()

    def _shared(self, reader: int) -> Iterator[ImageRecord]:
        try:
            while True:
                batch = self._queues[reader].get()
                if batch is _END:
                    return
                if isinstance(batch, BaseException):
                    raise batch
                yield from batch
        finally:
            self.detach(reader)

    def _produce(self, source: Snapshot) -> None:
        try:
            batch: list[ImageRecord] = []
            for record in source.images():
                batch.append(record)
                if len(batch) == _BATCH:
                    if not self._put(batch):
                        return  # nobody reads any more
                    batch = []
            if batch:
                self._put(batch)
            self._put(_END)
        except Exception as exc:  # the readers raise it
            self._put(exc)

    def _put(self, item: Any) -> bool:
        """Hand ``item`` to every attached reader; False when none is attached."""
        for reader, waiting in enumerate(self._queues):
            while self._attached[reader]:
                try:
                    waiting.put(item, timeout=0.05)
                    break
                except queue.Full:
                    continue
        return any(self._attached)


# --- Names inside the ZIP --------------------------------------------------------------

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def image_stem(record: ImageRecord) -> str:
    """A file-name stem unique in the version and safe on every OS: ``<id>_<name stem>``."""
    return f"{record.id}_{_UNSAFE.sub('_', _name_stem(record.name))[:80]}"


def _name_stem(name: str) -> str:
    """``Path(name).stem or "image"``, without pathlib for plain file names (pathlib's
    parsing was a tenth of a COCO export)."""
    if "/" in name or name in ("", ".", ".."):
        return Path(name).stem or "image"
    dot = name.rfind(".")
    return (name[:dot] if 0 < dot < len(name) - 1 else name) or "image"


def image_path(record: ImageRecord) -> str:
    """Where the version's ZIP holds the image file, when it includes images: the
    Cloud-Optimized GeoTIFF labeler keeps (all bands, CRS and transform)."""
    return f"images/{record.split}/{image_stem(record)}.tif"


# --- The writer --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileEntry:
    path: str
    sha256: str
    size: int


class _HashingWriter:
    """A ZIP member open for writing that hashes and counts what goes through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes | bytearray) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self._raw.write(data)


_DIRECT_MAX = 64 << 20  # members up to this size are written in one go (``write_bytes``)


def _deflate(data: bytes) -> bytes:
    """``data`` as one raw deflate stream, in one call (ISA-L, as ``_deflater``)."""
    return igzip_lib.compress(data, 1, flag=igzip_lib.COMP_DEFLATE)


def _deflater() -> Any:
    """A raw deflate stream (what a ZIP member holds) at ISA-L's level 1: six times zlib's
    level-1 speed (1.3 GB/s against 0.23 GB/s here) and a little smaller; it was a quarter
    of a 30,000-member STAC export's time. Any unzip reads it: the format is the same."""
    return isal_zlib.compressobj(1, isal_zlib.DEFLATED, -15)


class ExportWriter:
    """Writes files into a ZIP as they are produced, recording each file's sha256 and size
    for the manifest. Members are written in streaming mode (ZIP64), never held whole in
    memory by the writer itself."""

    def __init__(self, target: Path | IO[bytes]) -> None:
        self._zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self.files: list[FileEntry] = []
        self._names: set[str] = set()

    def _check(self, name: str) -> None:
        if not name or name[0] == "/" or (".." in name and ".." in name.split("/")):
            raise ValueError(f"unsafe path in export: {name!r}")
        if name in self._names:
            raise ValueError(f"file written twice in export: {name!r}")
        self._names.add(name)

    @staticmethod
    def _info(name: str, compress: bool) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        return info

    @contextmanager
    def open(self, name: str, *, compress: bool = True) -> Iterator[_HashingWriter]:
        """A file-like object (``write(bytes)``) for the member ``name``."""
        self._check(name)
        with self._zip.open(self._info(name, compress), "w", force_zip64=True) as raw:
            if compress:  # ISA-L's deflater in place of zlib's, before the first byte
                raw._compressor = _deflater()  # type: ignore[attr-defined]
            writer = _HashingWriter(raw)
            yield writer
        self.files.append(FileEntry(name, writer.sha256.hexdigest(), writer.size))

    def write_bytes(self, name: str, data: bytes, *, compress: bool = True) -> None:
        zip_file = self._zip
        if len(data) > _DIRECT_MAX or not hasattr(zip_file, "_writecheck"):
            with self.open(name, compress=compress) as f:
                f.write(data)
            return
        # A member whose bytes are all here is written in one go: compressed and its CRC
        # taken first, so its local header is right from the start. zipfile's own path
        # (``ZipFile.open``/``writestr``) seeks back to rewrite the header, flushing the
        # file twice a member: a STAC export of 30,000 small members spent most of its
        # ZIP time there. The same member zipfile writes (a raw deflate stream).
        self._check(name)
        info = self._info(name, compress)
        payload = _deflate(data) if compress else data
        info.file_size = len(data)
        info.compress_size = len(payload)
        info.CRC = zlib.crc32(data)
        info.flag_bits = 0
        zip_file._writecheck(info)  # type: ignore[attr-defined]
        zip_file._didModify = True  # type: ignore[attr-defined]
        header = info.FileHeader(False)
        info.header_offset = zip_file.start_dir  # type: ignore[attr-defined]
        zip_file.fp.write(header + payload)  # type: ignore[union-attr]
        zip_file.start_dir += len(header) + len(payload)  # type: ignore[attr-defined]
        zip_file.filelist.append(info)
        zip_file.NameToInfo[info.filename] = info
        self.files.append(FileEntry(name, hashlib.sha256(data).hexdigest(), len(data)))

    def write_text(self, name: str, text: str) -> None:
        self.write_bytes(name, text.encode("utf-8"))

    def write_json(self, name: str, obj: Any) -> None:
        self.write_bytes(name, orjson.dumps(obj, option=orjson.OPT_SERIALIZE_NUMPY))

    def write_file(self, name: str, source: Path | str, *, compress: bool = False) -> None:
        """Copy a file from disk (or anything ``open`` reads) in chunks."""
        with open(source, "rb") as src, self.open(name, compress=compress) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)  # type: ignore[misc]

    def has(self, name: str) -> bool:
        return name in self._names

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> ExportWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
