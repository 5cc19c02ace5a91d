"""Freeze an event's labels into a dataset snapshot (workers/exports/base.py).

``dataset_filters`` checks a request's filters; ``freeze`` reads the images, labels and map
shapes they select, deals the images into splits and writes the JSON-lines snapshot. The
database is read in chunks of images: on PostgreSQL one query a chunk returns each image's
stored JSON, annotations and tags nested, assembled by the database (Python only writes
the bytes); elsewhere (SpatiaLite) ``values_list`` rows are assembled in Python, to the
same content. No model instances, no GEOS objects: memory stays flat.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import psycopg
from django.contrib.gis.db.models.functions import AsGeoJSON, Centroid
from django.contrib.gis.geos import Polygon
from django.db import connection, transaction
from django.db.models import Count, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.dateparse import parse_datetime
from psycopg.abc import Buffer
from psycopg.adapt import Loader

from events.errors import InvalidInput
from events.models import Annotation, Event, Image, ImageTag, LabelClass, MapShape
from workers.exports.base import (
    Digest,
    LabelClassInfo,
    MapShapeRecord,
    write_snapshot,
)
from workers.exports.splits import SplitSettings, assign_splits

CHUNK = 1000  # images per query round: bounds memory whatever the event's size
# The first round is smaller: the exporters following the snapshot start on it sooner.
FIRST_CHUNK = 100

FILTER_KEYS = (
    "label_classes",
    "tag_states",
    "images",
    "acquired_after",
    "acquired_before",
    "bbox",
    "sources",
    "review_states",
    "labelled_only",
)
TAG_STATES = tuple(ImageTag.State.values)
REVIEW_STATES = tuple(Annotation.ReviewState.values)


def _bad(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"Filter {field!r}: {message}", fields={f"filters.{field}": [message]})


def _id_list(data: Mapping[str, Any], key: str) -> list[int] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise _bad(key, "must be a list of ids.")
    return value


def _choice_list(data: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> list[str] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _bad(key, "must be a list of names.")
    wrong = sorted(set(value) - set(allowed))
    if wrong:
        raise _bad(key, f"unknown {', '.join(wrong)}; known: {', '.join(allowed)}.")
    return value


def _when(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None and isinstance(value, str):
        try:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value), dt.time(), dt.UTC)
        except ValueError:
            parsed = None
    if parsed is None:
        raise _bad(key, "must be an ISO 8601 date or date-time.")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.isoformat()


def dataset_filters(event: Event, data: Mapping[str, Any] | None) -> dict[str, Any]:
    """The request's filters, checked and normalised (ids of this event only)."""
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise InvalidInput("Filters must be an object.", fields={"filters": ["Not an object."]})
    unknown = sorted(set(data) - set(FILTER_KEYS))
    if unknown:
        raise InvalidInput(
            f"Unknown filter(s): {', '.join(unknown)}; known: {', '.join(FILTER_KEYS)}.",
            fields={"filters": [f"Unknown: {', '.join(unknown)}."]},
        )
    out: dict[str, Any] = {}
    classes = _id_list(data, "label_classes")
    if classes is not None:
        found = set(
            LabelClass.objects.filter(event=event, pk__in=classes).values_list("pk", flat=True)
        )
        if missing := sorted(set(classes) - found):
            raise _bad("label_classes", f"no label class {missing} in this event.")
        out["label_classes"] = sorted(set(classes))
    images = _id_list(data, "images")
    if images is not None:
        found = set(Image.objects.filter(event=event, pk__in=images).values_list("pk", flat=True))
        if missing := sorted(set(images) - found):
            raise _bad("images", f"no image {missing} in this event.")
        out["images"] = sorted(set(images))
    if (states := _choice_list(data, "tag_states", TAG_STATES)) is not None:
        out["tag_states"] = sorted(set(states))
    if (reviews := _choice_list(data, "review_states", REVIEW_STATES)) is not None:
        out["review_states"] = sorted(set(reviews))
    if (sources := _choice_list(data, "sources", tuple(Image.Source.values))) is not None:
        out["sources"] = sorted(set(sources))
    for key in ("acquired_after", "acquired_before"):
        if (when := _when(data, key)) is not None:
            out[key] = when
    if "bbox" in data and data["bbox"] is not None:
        bbox = data["bbox"]
        if (
            not isinstance(bbox, list)
            or len(bbox) != 4
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in bbox)
        ):
            raise _bad("bbox", "must be [west, south, east, north] in degrees.")
        west, south, east, north = bbox
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise _bad(
                "bbox", "must be [west, south, east, north] with west < east, south < north."
            )
        out["bbox"] = [float(v) for v in bbox]
    if "labelled_only" in data:
        if not isinstance(data["labelled_only"], bool):
            raise _bad("labelled_only", "must be true or false.")
        out["labelled_only"] = data["labelled_only"]
    return out


# --- reading -------------------------------------------------------------------------------


def class_export_ids(event: Event) -> list[LabelClassInfo]:
    """The event's label classes with their export ids, assigning ids to new classes.

    The ids live in ``event.settings["class_export_ids"]`` ({class pk: id}): a class keeps
    its id in every later version, even when classes before it are deleted, so YOLO class
    indices and mask codes of different versions mean the same thing.
    """
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        known: dict[str, int] = dict(locked.settings.get("class_export_ids", {}))
        classes = list(LabelClass.objects.filter(event=locked).order_by("pk"))
        next_id = max(known.values(), default=-1) + 1
        changed = False
        for label_class in classes:
            if str(label_class.pk) not in known:
                known[str(label_class.pk)] = next_id
                next_id += 1
                changed = True
        if changed:
            locked.settings = {**locked.settings, "class_export_ids": known}
            locked.save(update_fields=["settings"])
    return sorted(
        (
            LabelClassInfo(
                id=known[str(c.pk)],
                pk=c.pk,
                name=c.name,
                color=c.color,
                kind=c.kind,
                value=c.value,
            )
            for c in classes
        ),
        key=lambda c: c.id,
    )


def _images(event: Event, filters: Mapping[str, Any]) -> QuerySet[Image]:
    images = Image.objects.filter(event=event, status=Image.Status.READY)
    if "images" in filters:
        images = images.filter(pk__in=filters["images"])
    if "sources" in filters:
        images = images.filter(source__in=filters["sources"])
    if "acquired_after" in filters:
        images = images.filter(acquired_at__gte=filters["acquired_after"])
    if "acquired_before" in filters:
        images = images.filter(acquired_at__lte=filters["acquired_before"])
    if "bbox" in filters:
        images = images.filter(footprint__intersects=Polygon.from_bbox(filters["bbox"]))
    return images


def _annotations(
    event: Event, filters: Mapping[str, Any], ids: list[int] | None = None
) -> QuerySet[Annotation]:
    """The filters' annotations of the event; with ``ids`` (sorted image ids of the event),
    those of every image in their id range instead: no join with the images, and the
    caller skips the rows of images it did not select."""
    if ids:
        annotations = Annotation.objects.filter(image_id__gte=ids[0], image_id__lte=ids[-1])
    else:
        annotations = Annotation.objects.filter(image__event=event)
    if "label_classes" in filters:
        annotations = annotations.filter(label_class_id__in=filters["label_classes"])
    if "review_states" in filters:
        annotations = annotations.filter(review_state__in=filters["review_states"])
    return annotations


def _tags(
    event: Event, filters: Mapping[str, Any], ids: list[int] | None = None
) -> QuerySet[ImageTag]:
    """As ``_annotations``, for image tags."""
    if ids:
        tags = ImageTag.objects.filter(image_id__gte=ids[0], image_id__lte=ids[-1])
    else:
        tags = ImageTag.objects.filter(image__event=event)
    if "label_classes" in filters:
        tags = tags.filter(label_class_id__in=filters["label_classes"])
    if "tag_states" in filters:
        tags = tags.filter(state__in=filters["tag_states"])
    return tags


def _label_counts(
    event: Event, filters: Mapping[str, Any], ids: list[int]
) -> tuple[np.ndarray, list[tuple[int, int, str, int]]]:
    """Annotation counts of the selected images as an array of (image, class pk, n) rows,
    and (image, class pk, state, n) tag counts: two aggregate queries over their id range,
    whatever its size. Arrays: a 10,000-image event has some 40,000 such rows, and the
    strata and the header's counts are a few array operations over them."""
    annotations = _rows(
        _annotations(event, filters, ids)
        .values_list("image_id", "label_class_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    tags = _rows(
        _tags(event, filters, ids)
        .values_list("image_id", "label_class_id", "state")
        .annotate(n=Count("*"))
        .order_by()
    )
    counted = np.fromiter(
        chain.from_iterable(annotations), dtype=np.int64, count=3 * len(annotations)
    ).reshape(-1, 3)
    selected = set(ids)
    return counted[_among(counted[:, 0], ids)], [row for row in tags if row[0] in selected]


def _among(values: np.ndarray, ids: list[int]) -> np.ndarray:
    """Which of ``values`` are in the sorted ``ids``."""
    sorted_ids = np.asarray(ids, dtype=np.int64)
    if not sorted_ids.size:
        return np.zeros(values.shape, dtype=bool)
    positions = np.minimum(np.searchsorted(sorted_ids, values), sorted_ids.size - 1)
    return sorted_ids[positions] == values


def _rows(queryset: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a values_list query of plain columns and counts, fetched by the
    database cursor: Django's per-value converters were a third of the counting's time
    (ids, counts and text need none)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _strata(
    ids: list[int],
    annotation_counts: np.ndarray,
    tag_counts: list[tuple[int, int, str, int]],
    centres: Mapping[int, tuple[float, float]],
) -> dict[int, tuple[str | None, tuple[float, float] | None]]:
    """{image id: (dominant class, footprint centre)} for the split. An image's dominant
    class has most annotations and positive tags; ties go to the lowest class pk."""
    positive = [(i, c, n) for i, c, state, n in tag_counts if state == "positive"]
    votes = np.concatenate([annotation_counts, np.array(positive, dtype=np.int64).reshape(-1, 3)])
    dominant: dict[int, str] = {}
    if votes.size:
        # One row per (image, class) with its votes summed, then each image's first row
        # by most votes, lowest class pk.
        votes = votes[np.lexsort((votes[:, 1], votes[:, 0]))]
        pairs = votes[:, :2]
        starts = np.flatnonzero(np.r_[True, np.any(pairs[1:] != pairs[:-1], axis=1)])
        image, label_class = pairs[starts, 0], pairs[starts, 1]
        total = np.add.reduceat(votes[:, 2], starts)
        order = np.lexsort((label_class, -total, image))
        first = order[np.r_[True, image[order][1:] != image[order][:-1]]]
        dominant = dict(
            zip(image[first].tolist(), map(str, label_class[first].tolist()), strict=True)
        )
    return {i: (dominant.get(i), centres.get(i)) for i in ids}


def _header_counts(
    splits: Mapping[int, str],
    annotation_counts: np.ndarray,
    tag_counts: list[tuple[int, int, str, int]],
    class_names: Mapping[int, str],
) -> dict[str, Any]:
    """Images per split, annotations per split and class, tags per split, class and state
    (class pk -> name by ``class_names``)."""
    annotations: dict[str, dict[str, int]] = {}
    if annotation_counts.size:
        # Each row's split and class as small codes; the sums by one bincount.
        split_names = sorted(set(splits.values()))
        split_code = {name: code for code, name in enumerate(split_names)}
        pks = np.array(sorted(class_names), dtype=np.int64)
        rows_split = np.fromiter(
            (split_code[splits[i]] for i in annotation_counts[:, 0].tolist()),
            dtype=np.int64,
            count=len(annotation_counts),
        )
        rows_class = np.searchsorted(pks, annotation_counts[:, 1])
        sums = np.bincount(
            rows_split * pks.size + rows_class,
            weights=annotation_counts[:, 2],
            minlength=len(split_names) * pks.size,
        ).reshape(len(split_names), pks.size)
        for code, name in enumerate(split_names):
            annotations[name] = {
                class_names[int(pks[k])]: int(sums[code, k]) for k in np.flatnonzero(sums[code])
            }
    tags: dict[str, Counter[str]] = defaultdict(Counter)
    for image_id, label_class, state, n in tag_counts:
        tags[splits[image_id]][f"{class_names[label_class]}:{state}"] += n
    return {
        "images": dict(Counter(splits.values())),
        "annotations": annotations,
        "tags": {name: dict(counter) for name, counter in tags.items()},
    }


def _centres(event: Event) -> dict[int, tuple[float, float]]:
    rows = (
        Image.objects.filter(event=event, footprint__isnull=False)
        .annotate(centre=Centroid("footprint"))
        .values_list("pk", "centre")
    )
    return {pk: (centre.x, centre.y) for pk, centre in rows}


def _loads(value: Any) -> Any:
    if value is None or isinstance(value, (dict, list)):
        return value
    return orjson.loads(value)


def _raw(value: str | None) -> orjson.Fragment | None:
    """JSON text from the database, written into the snapshot as it is (not parsed)."""
    return None if value is None else orjson.Fragment(value)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    """The sorted image ids in query rounds: FIRST_CHUNK, then CHUNK at a time."""
    if ids:
        yield ids[:FIRST_CHUNK]
    for start in range(FIRST_CHUNK, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _image_records(
    event: Event,
    filters: Mapping[str, Any],
    ids: list[int],
    splits: Mapping[int, str],
    class_id: Mapping[int, int],
    usernames: Mapping[int, str],
) -> Iterator[dict[str, Any]]:
    """The images as stored in the snapshot (``ImageRecord`` fields), chunk by chunk.

    Geometries and masks come out of the database as JSON text and go into the snapshot
    as such: the freeze parses none of them.
    """
    for chunk in _chunks(ids):
        # An id range, not a list of 1000 ids: a cheap index range scan; rows of images
        # in the range that the filters left out are skipped below.
        selected = set(chunk)
        labels: dict[int, list[dict[str, Any]]] = defaultdict(list)
        rows = (
            _annotations(event, filters, chunk)
            .annotate(
                geometry_text=Cast("geometry", TextField()),
                mask_text=Cast("mask", TextField()),
                attributes_text=Cast("attributes", TextField()),
                geo_json=AsGeoJSON("geo_geometry", precision=9),
            )
            .order_by("image_id", "pk")
            .values_list(
                "image_id",
                "pk",
                "label_class_id",
                "kind",
                "geometry_text",
                "geo_json",
                "mask_text",
                "attributes_text",
                "source",
                "confidence",
                "difficulty",
                "review_state",
                "author_id",
            )
        )
        # A plain (client-side) fetch: a chunk is bounded, and a server-side cursor makes
        # PostgreSQL plan for the first rows only, which is far slower for all of them.
        for row in rows:
            if row[0] not in selected:
                continue
            labels[row[0]].append(
                {
                    "id": row[1],
                    "class_id": class_id[row[2]],
                    "kind": row[3],
                    "geometry": _raw(row[4]),
                    "geo_geometry": _raw(row[5]),
                    "mask": _raw(row[6]) if row[6] not in (None, "null") else None,
                    "attributes": _raw(row[7]) if row[7] else {},
                    "source": row[8],
                    "confidence": row[9],
                    "difficulty": row[10],
                    "review_state": row[11],
                    "author": usernames.get(row[12]) if row[12] else None,
                }
            )
        tags: dict[int, list[dict[str, Any]]] = defaultdict(list)
        tag_rows = (
            _tags(event, filters, chunk)
            .order_by("image_id", "label_class_id")
            .values_list("image_id", "label_class_id", "state")
        )
        for image_id, label_class, state in tag_rows:
            if image_id in selected:
                tags[image_id].append({"class_id": class_id[label_class], "state": state})
        image_rows = (
            Image.objects.filter(event=event, pk__gte=chunk[0], pk__lte=chunk[-1])
            .annotate(footprint_json=AsGeoJSON("footprint", precision=9))
            .order_by("pk")
            .values_list(
                "pk",
                "name",
                "width",
                "height",
                "band_count",
                "band_names",
                "dtype",
                "nodata",
                "crs",
                "transform",
                "footprint_json",
                "acquired_at",
                "source",
                "checksum",
                "file",
            )
        )
        for (
            pk,
            name,
            width,
            height,
            band_count,
            band_names,
            dtype,
            nodata,
            crs,
            transform,
            footprint,
            acquired_at,
            source,
            checksum,
            file,
        ) in image_rows:
            if pk not in selected:
                continue
            yield {
                "id": pk,
                "name": name,
                "split": splits[pk],
                "width": width,
                "height": height,
                "band_count": band_count,
                "band_names": list(band_names or []),
                "dtype": dtype,
                "nodata": nodata,
                "crs": crs or "",
                "transform": list(transform)[:6] if transform else None,
                "footprint": _raw(footprint),
                "acquired_at": (
                    acquired_at.isoformat().replace("+00:00", "Z") if acquired_at else None
                ),
                "source": source,
                "checksum": checksum,
                "file": file or "",
                "annotations": labels.pop(pk, []),
                "tags": tags.pop(pk, []),
            }


# The PostgreSQL path: the database assembles each image's stored JSON (the fields of
# ``ImageRecord`` in order, annotations and tags nested) and its geo list, so Python only
# writes bytes. The ORM path above stays for SpatiaLite; both give the same snapshot
# content (tested in tests/workers/exports/test_speed_paths.py).
#
# Each annotation's JSON is kept ready by PostgreSQL in generated columns (``export_json``,
# ``export_geo``: events/migrations/0010_annotation_export_json.py), made when it is
# written; a build only adds the id, the class's export id and the author, and joins the
# pieces as text (``||``, string_agg): json_build_object and json_agg would walk every
# value again. An image's annotations, tags and geo list come as columns of their own,
# joined to the image's fields by the snapshot's writer: each ``||`` copies the whole text
# so far, and the annotations are most of a line's bytes. Strings a user can type go
# through to_json (JSON escaping); source and states are choice codes, and dates digits,
# quoted as they are (a date's fraction of a second only when it has one, as Python's).
# ``coalesce(..., 'null')``: one NULL would otherwise make the whole concatenation NULL.
_IMAGE_JSON = """
SELECT '{{"id":' || i.id
  || ',"name":' || to_json(i.name)::text
  || ',"split":' || to_json(sel.split)::text
  || ',"width":' || i.width
  || ',"height":' || i.height
  || ',"band_count":' || i.band_count
  || ',"band_names":' || CASE WHEN jsonb_typeof(i.band_names) = 'array'
                          THEN i.band_names::text ELSE '[]' END
  || ',"dtype":' || to_json(i.dtype)::text
  || ',"nodata":' || CASE WHEN i.nodata IS NULL OR i.nodata IN ('NaN', 'Infinity', '-Infinity')
                      THEN 'null' ELSE i.nodata::text END
  || ',"crs":' || to_json(coalesce(i.crs, ''))::text
  || ',"transform":' || CASE
      WHEN jsonb_typeof(i.transform) IS DISTINCT FROM 'array'
        OR jsonb_array_length(i.transform) = 0 THEN 'null'
      WHEN jsonb_array_length(i.transform) <= 6 THEN i.transform::text
      ELSE jsonb_path_query_array(i.transform, '$[0 to 5]')::text END
  || ',"footprint":' || coalesce(ST_AsGeoJSON(i.footprint, 9, 0), 'null')
  || ',"acquired_at":' || coalesce('"' || replace(
      to_char(i.acquired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), '.000000', '')
      || 'Z"', 'null')
  || ',"source":"' || i.source
  || '","checksum":' || to_json(i.checksum)::text
  || ',"file":' || to_json(coalesce(i.file, ''))::text,
  coalesce(a.items, '[]'),
  coalesce(t.items, '[]'),
  coalesce(a.geo, '[]')
FROM unnest(%(ids)s::bigint[], %(splits)s::text[]) AS sel(id, split)
JOIN {image} i ON i.id = sel.id
LEFT JOIN (
  SELECT a.image_id,
    '[' || string_agg(
      '{{"id":' || a.id || ',"class_id":' || cls.export_id || a.export_json
      || ',"author":' || coalesce(to_json(u.username)::text, 'null') || '}}',
      ',' ORDER BY a.id) || ']' AS items,
    '[' || string_agg(a.export_geo, ',' ORDER BY a.id) || ']' AS geo
  FROM {annotation} a
  JOIN unnest(%(class_pks)s::bigint[], %(class_ids)s::int[]) AS cls(pk, export_id)
    ON cls.pk = a.label_class_id
  LEFT JOIN {user} u ON u.id = a.author_id
  WHERE a.image_id BETWEEN %(first)s AND %(last)s {annotation_filters}
  GROUP BY a.image_id
) a ON a.image_id = i.id
LEFT JOIN (
  SELECT t.image_id, '[' || string_agg(
      '{{"class_id":' || cls.export_id || ',"state":"' || t.state || '"}}',
      ',' ORDER BY t.label_class_id) || ']' AS items
  FROM {tag} t
  JOIN unnest(%(class_pks)s::bigint[], %(class_ids)s::int[]) AS cls(pk, export_id)
    ON cls.pk = t.label_class_id
  WHERE t.image_id BETWEEN %(first)s AND %(last)s {tag_filters}
  GROUP BY t.image_id
) t ON t.image_id = i.id
WHERE i.id BETWEEN %(first)s AND %(last)s AND i.event_id = %(event)s
ORDER BY i.id
"""


class _TextAsBytes(Loader):
    def load(self, data: Buffer) -> bytes:
        return bytes(data)


def database_assembles_json() -> bool:
    """Whether the database assembles each image's stored JSON (PostgreSQL); the ORM path
    (SpatiaLite, the embedded mode) builds it in Python, to the same content."""
    return connection.vendor == "postgresql"


def _image_json_postgres(
    event: Event,
    filters: Mapping[str, Any],
    ids: list[int],
    splits: Mapping[int, str],
    class_id: Mapping[int, int],
) -> Iterator[tuple[bytes, ...]]:
    """The images as stored in the snapshot, as JSON text assembled by PostgreSQL: each
    image's fields up to ``file``, its annotations, its tags and its annotations' geo
    list (``write_snapshot`` joins them)."""
    from django.contrib.auth.models import User

    annotation_filters = tag_filters = ""
    params: dict[str, Any] = {
        "event": event.pk,
        "class_pks": list(class_id),
        "class_ids": list(class_id.values()),
    }
    if "label_classes" in filters:
        params["label_classes"] = list(filters["label_classes"])
        annotation_filters += " AND a.label_class_id = ANY(%(label_classes)s::bigint[])"
        tag_filters += " AND t.label_class_id = ANY(%(label_classes)s::bigint[])"
    if "review_states" in filters:
        params["review_states"] = list(filters["review_states"])
        annotation_filters += " AND a.review_state = ANY(%(review_states)s::text[])"
    if "tag_states" in filters:
        params["tag_states"] = list(filters["tag_states"])
        tag_filters += " AND t.state = ANY(%(tag_states)s::text[])"
    sql = _IMAGE_JSON.format(
        image=connection.ops.quote_name(Image._meta.db_table),
        annotation=connection.ops.quote_name(Annotation._meta.db_table),
        tag=connection.ops.quote_name(ImageTag._meta.db_table),
        user=connection.ops.quote_name(User._meta.db_table),
        annotation_filters=annotation_filters,
        tag_filters=tag_filters,
    )
    rounds = (
        {
            **params,
            "ids": chunk,
            "splits": [splits[i] for i in chunk],
            "first": chunk[0],
            "last": chunk[-1],
        }
        for chunk in _chunks(ids)
    )
    with transaction.atomic():
        with connection.cursor() as cursor:
            # JIT compilation costs more than it saves on these per-chunk queries, and a
            # chunk's annotations are sorted in memory, not spilled to disk.
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
        yield from _pipelined(connection.connection, sql, rounds)


def _pipelined(
    pg: psycopg.Connection[Any], sql: str, rounds: Iterable[dict[str, Any]]
) -> Iterator[tuple[bytes, ...]]:
    """The rows of ``sql`` run once per ``rounds`` parameters, in order, as bytes. The next
    round's query is sent before this round's rows are handed on (psycopg's pipeline
    mode): PostgreSQL computes it while the caller writes these. Two rounds at most are
    in flight, so memory stays flat."""
    cursors = [psycopg.Cursor(pg), psycopg.Cursor(pg)]
    for cursor in cursors:
        # The JSON text as bytes, as the snapshot file takes it: no decoding and
        # re-encoding of every line.
        cursor.adapters.register_loader("text", _TextAsBytes)
    pending: Iterator[dict[str, Any] | None] = iter(rounds)
    if not psycopg.Pipeline.is_supported():  # libpq before 14: one round after the other
        for round_params in pending:
            cursors[0].execute(sql, round_params, prepare=False)
            yield from cursors[0].fetchall()
        return
    with pg.pipeline():
        in_flight: deque[psycopg.Cursor[Any]] = deque()
        for cursor, round_params in zip(cursors, pending, strict=False):  # two, or fewer
            # Not prepared: a generic plan for any id range could be a poor one.
            cursor.execute(sql, round_params, prepare=False)
            in_flight.append(cursor)
        while in_flight:
            cursor = in_flight.popleft()
            rows = cursor.fetchall()
            if (round_params := next(pending, None)) is not None:
                cursor.execute(sql, round_params, prepare=False)
                in_flight.append(cursor)
            yield from rows


def _map_shapes(
    event: Event, filters: Mapping[str, Any], class_id: Mapping[int, int]
) -> Iterator[MapShapeRecord]:
    shapes = MapShape.objects.filter(event=event)
    if "label_classes" in filters:
        shapes = shapes.filter(label_class_id__in=filters["label_classes"])
    if "bbox" in filters:
        shapes = shapes.filter(geometry__intersects=Polygon.from_bbox(filters["bbox"]))
    rows = (
        shapes.annotate(geo_json=AsGeoJSON("geometry", precision=9))
        .order_by("pk")
        .values_list("pk", "label_class_id", "geo_json", "properties")
    )
    for pk, label_class, geometry, properties in rows:
        yield MapShapeRecord(
            id=pk,
            class_id=class_id[label_class] if label_class is not None else None,
            geometry=_loads(geometry),
            properties=properties or {},
        )


def _usernames(event: Event, filters: Mapping[str, Any]) -> dict[int, str]:
    """{user id: username} of the annotations' authors (the ORM path; PostgreSQL joins)."""
    from django.contrib.auth.models import User

    authors = _annotations(event, filters).values("author_id")
    return dict(User.objects.filter(pk__in=authors).values_list("pk", "username"))


def _selected_image_ids(event: Event, filters: Mapping[str, Any]) -> list[int]:
    images = _images(event, filters)
    if filters.get("labelled_only"):
        labelled = set(
            _annotations(event, filters).values_list("image_id", flat=True).distinct()
        ) | set(_tags(event, filters).values_list("image_id", flat=True).distinct())
        return sorted(i for i in images.values_list("pk", flat=True) if i in labelled)
    return [pk for (pk,) in _rows(images.order_by("pk").values_list("pk"))]


def freeze(
    *,
    event: Event,
    filters: Mapping[str, Any],
    split: SplitSettings,
    path: Path,
    header: dict[str, Any],
    digest: Digest | None = None,
) -> dict[str, Any]:
    """Write the snapshot of ``event`` selected by ``filters`` to ``path``; its counts.

    ``header`` (event, version, created_at, options) goes into the first line with the
    classes and the counts, which are computed in a first, cheap pass. ``digest`` is fed
    the file's bytes as they are written (``write_snapshot``).
    """

    classes = class_export_ids(event)
    class_id = {c.pk: c.id for c in classes}
    ids = _selected_image_ids(event, filters)
    annotation_counts, tag_counts = _label_counts(event, filters, ids)
    centres = _centres(event) if split.group_cell_km else {}
    splits = assign_splits(_strata(ids, annotation_counts, tag_counts, centres), split)
    # The header, written first, holds the counts per split and class.
    counts = _header_counts(splits, annotation_counts, tag_counts, {c.pk: c.name for c in classes})
    shapes = list(_map_shapes(event, filters, class_id))
    counts["map_shapes"] = len(shapes)

    write_snapshot(
        path,
        header={**header, "classes": [asdict(c) for c in classes], "counts": counts},
        images=(
            _image_json_postgres(event, filters, ids, splits, class_id)
            if database_assembles_json()
            else _image_records(event, filters, ids, splits, class_id, _usernames(event, filters))
        ),
        map_shapes=shapes,
        digest=digest,
    )
    return counts
