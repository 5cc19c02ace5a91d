"""Label import (workers/imports/): COCO and GeoJSON onto real images, on the database.

Round trips go through the real exporters (workers/exports/coco.py, geojson.py) run on the
sample snapshot (tests/exports_data.py), whose first image is RGB.byte.tif: the import
puts the labels on an event image made from the same file, and the geometries must come
back as they were exported.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import numpy as np
import orjson
import pytest
import shapely
from django.core.files.storage import default_storage
from shapely.geometry import shape

from events.errors import Forbidden
from events.geometry import pixel_to_geographic, rle_decode
from events.models import Annotation, AnnotationChange, LabelClass, Role
from tests.exports_data import MASK_COLS, MASK_ROWS, sample_snapshot
from tests.factories import (
    AnnotationFactory,
    ImageFactory,
    LabelClassFactory,
    PixelImageFactory,
)
from tests.rasters import RGB, image_with_raster
from workers.errors import ImportRejected, JobInputError
from workers.exports import coco as coco_export
from workers.exports import geojson as geojson_export
from workers.exports.base import ExportWriter
from workers.imports import import_labels, import_labels_start
from workers.imports.coco import rle_from_string
from workers.models import Job
from workers.registry import job_function
from workers.services import job_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(event, member) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The sample's classes (names in another case: matching ignores it), the RGB scene
    as a real georeferenced image, the JPEG as a pixel-only image and an annotator."""
    flood = LabelClassFactory(event=event, name="Flood")
    street = LabelClassFactory(event=event, name="cloud street")
    LabelClassFactory(event=event, name="dust", kind=LabelClass.Kind.TAG)
    rgb = image_with_raster(event, RGB, name="RGB.byte.tif")
    jpeg = PixelImageFactory(event=event, name="AnnualCrop_1.jpg", width=64, height=64)
    return {
        "event": event,
        "user": member(Role.ANNOTATOR),
        "flood": flood,
        "street": street,
        "rgb": rgb,
        "jpeg": jpeg,
    }


def _exported(module: Any) -> dict[str, bytes]:
    buffer = io.BytesIO()
    with ExportWriter(buffer) as out:
        module.export(sample_snapshot(), out)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _run(world: dict[str, Any], data: bytes | dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    if isinstance(data, dict):
        data = orjson.dumps(data)
    params = {"format": "geojson", "mode": "keep", **kwargs}
    return import_labels(event_id=world["event"].pk, user_id=world["user"].pk, data=data, **params)


def _sample_annotations() -> dict[int, Any]:
    first = next(iter(sample_snapshot().images()))
    return {a.id: a for a in first.annotations}


def _close(a: dict[str, Any], b: dict[str, Any], tolerance: float = 1e-6) -> bool:
    return shape(a).equals_exact(shape(b), tolerance) or (
        shape(a).symmetric_difference(shape(b)).area < tolerance
        and shape(a).geom_type == shape(b).geom_type
    )


# --- round trips ----------------------------------------------------------------------


def test_registered_as_a_job_kind() -> None:
    assert job_function("import_labels") is import_labels


def test_coco_round_trip(world: dict[str, Any]) -> None:
    files = _exported(coco_export)
    train = files["annotations/instances_train.json"]
    report = _run(world, train, format="coco")
    assert report["created"] == 3  # box, polygon with hole (as RLE), mask
    assert report["skipped"] == 0 and report["problems"] == {}
    assert report["images"] == {str(world["rgb"].pk): 3}

    created = list(Annotation.objects.filter(image=world["rgb"]).order_by("id"))
    assert [a.kind for a in created] == ["bbox", "mask", "mask"]
    assert all(a.source == Annotation.Source.IMPORTED for a in created)
    assert all(a.author == world["user"] for a in created)
    assert [a.label_class for a in created] == [world["flood"], world["flood"], world["street"]]
    sample = _sample_annotations()
    box, holed, mask = created
    assert box.geometry == sample[101].geometry
    assert box.attributes == {"severity": "high"}
    # The polygon with a hole came back as pixels: its outline is the polygon again.
    assert shape(holed.geometry).equals(shape(sample[102].geometry))
    pixels = rle_decode(mask.mask, width=791, height=718)
    assert pixels.sum() == 2400 and pixels[MASK_ROWS, MASK_COLS].all()
    assert mask.confidence == pytest.approx(0.87)
    # Georeferenced image: the EPSG:4326 twin was derived.
    assert box.geo_geometry is not None
    stored = shapely.normalize(shapely.from_wkb(bytes(box.geo_geometry.wkb)))
    assert stored.equals_exact(shapely.normalize(shape(sample[101].geo_geometry)), 1e-9)
    # The history records each creation.
    assert (
        AnnotationChange.objects.filter(
            image=world["rgb"], action=AnnotationChange.Action.CREATE
        ).count()
        == 3
    )

    validation = files["annotations/instances_validation.json"]
    report = _run(world, validation, format="coco")
    assert report["created"] == 1
    [jpeg_box] = Annotation.objects.filter(image=world["jpeg"])
    assert jpeg_box.geometry["coordinates"] == [[[8, 4], [40, 4], [40, 36], [8, 36], [8, 4]]]


def test_geojson_round_trip(world: dict[str, Any]) -> None:
    data = _exported(geojson_export)["annotations.geojson"]
    report = _run(world, data)
    assert report["created"] == 5, report
    assert report["images"] == {str(world["rgb"].pk): 5}
    # Features come in the sample's order: 101 box, 102 polygon with a hole, 103 polyline,
    # 104 point, 105 mask (as its outline).
    box, holed, line, point, outline = Annotation.objects.filter(image=world["rgb"]).order_by("id")
    sample = _sample_annotations()
    assert box.kind == "bbox" and box.attributes == {"severity": "high"}
    assert _close(box.geometry, sample[101].geometry)
    assert box.geometry["coordinates"][0][0] == pytest.approx([10, 20], abs=1e-6)
    assert holed.kind == "polygon" and holed.label_class == world["flood"]
    assert _close(holed.geometry, sample[102].geometry)
    assert len(holed.geometry["coordinates"]) == 2  # the hole survived
    assert line.kind == "polyline" and line.label_class == world["street"]
    assert np.allclose(line.geometry["coordinates"], sample[103].geometry["coordinates"], atol=1e-6)
    assert point.kind == "point"
    assert point.geometry["coordinates"] == pytest.approx([400.5, 100.5], abs=1e-6)
    # A mask travels as its outline: it comes back as a polygon.
    assert outline.kind == "polygon" and outline.label_class == world["street"]
    assert _close(outline.geometry, sample[105].geometry)


# --- matching ---------------------------------------------------------------------------


def _feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _collection(*features: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features), **extra}


def _geo(world: dict[str, Any], geometry: dict[str, Any]) -> dict[str, Any]:
    rgb = world["rgb"]
    return pixel_to_geographic(geometry, transform=rgb.transform, crs=rgb.crs)


POINT = {"type": "Point", "coordinates": [100.0, 200.0]}
BOX = {"type": "Polygon", "coordinates": [[[5, 5], [50, 5], [50, 30], [5, 30], [5, 5]]]}


def test_geojson_matched_by_place(world: dict[str, Any]) -> None:
    report = _run(world, _collection(_feature(_geo(world, POINT), **{"class": "FLOOD"})))
    assert report["created"] == 1
    [point] = Annotation.objects.filter(image=world["rgb"])
    assert point.kind == "point" and point.label_class == world["flood"]
    assert point.geometry["coordinates"] == pytest.approx([100, 200], abs=1e-6)


def test_geojson_in_the_image_crs(world: dict[str, Any]) -> None:
    """Coordinates in EPSG:32618, given as ``crs`` or by an old-style ``crs`` member."""
    a, _, c, _, e, f = world["rgb"].transform[:6]
    utm = {"type": "Point", "coordinates": [c + a * 100, f + e * 200]}
    report = _run(world, _collection(_feature(utm, **{"class": "flood"})), crs="EPSG:32618")
    assert report["created"] == 1
    member = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32618"}}
    report = _run(world, _collection(_feature(utm, **{"class": "flood"}), crs=member))
    assert report["created"] == 1
    points = Annotation.objects.filter(image=world["rgb"])
    for point in points:
        assert point.geometry["coordinates"] == pytest.approx([100, 200], abs=1e-6)
    # The same UTM numbers read as lon/lat are refused, with a hint.
    report = _run(world, _collection(_feature(utm, **{"class": "flood"})))
    assert report["created"] == 0
    [problem] = report["problems"]["invalid_geometry"]
    assert "longitude" in problem["message"]


def test_geojson_matched_by_image_id_and_name(world: dict[str, Any]) -> None:
    rgb, event = world["rgb"], world["event"]
    # A second image on the same place: placing by footprint is ambiguous...
    twin = image_with_raster(event, RGB, name="RGB copy.tif")
    geometry = _geo(world, POINT)
    report = _run(world, _collection(_feature(geometry, **{"class": "flood"})))
    assert report["created"] == 0
    assert report["skipped_by_reason"] == {"ambiguous_image": 1}
    assert str(twin.pk) in report["problems"]["ambiguous_image"][0]["message"]
    # ...image_id or the image name settle it.
    report = _run(
        world,
        _collection(
            _feature(geometry, image_id=twin.pk, **{"class": "flood"}),
            _feature(geometry, image="RGB.byte.tif", **{"class": "flood"}),
            # An id that is not this image's, with a name that is: the name wins.
            _feature(geometry, image_id=twin.pk, image="rgb.BYTE.tif", **{"class": "flood"}),
        ),
    )
    assert report["images"] == {str(rgb.pk): 2, str(twin.pk): 1}


def test_problems_are_reported(world: dict[str, Any]) -> None:
    rgb = world["rgb"]
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[10, 10], [60, 60], [60, 10], [10, 60], [10, 10]]],
    }
    far = {"type": "Point", "coordinates": [10.0, 50.0]}  # Europe: on no image
    edge = {
        "type": "Polygon",
        "coordinates": [[[700, 600], [900, 600], [900, 700], [700, 700], [700, 600]]],
    }
    report = _run(
        world,
        _collection(
            _feature(_geo(world, POINT), **{"class": "flood"}),
            _feature(_geo(world, POINT), **{"class": "no such class"}),
            _feature(_geo(world, POINT), **{"class": "dust"}),  # a tag class
            _feature(_geo(world, bowtie), **{"class": "flood"}),
            _feature(far, **{"class": "flood"}),
            _feature(_geo(world, edge), image_id=rgb.pk, **{"class": "flood"}),
            _feature(_geo(world, POINT), image="AnnualCrop_1.jpg", **{"class": "flood"}),
            {"type": "Feature", "geometry": None, "properties": {"class": "flood"}},
            ["not", "a", "feature"],
        ),
    )
    assert report["created"] == 1
    assert report["skipped"] == 8
    assert report["skipped_by_reason"] == {
        "unknown_image": 1,
        "image_not_georeferenced": 1,
        "unknown_class": 2,
        "invalid_geometry": 2,
        "outside_image": 1,
        "malformed": 1,
    }
    assert report["unknown_classes"] == ["dust", "no such class"]
    messages = {r: [p["message"] for p in ps] for r, ps in report["problems"].items()}
    assert any("tag class" in m for m in messages["unknown_class"])
    assert any(
        "Self-intersection" in m or "Invalid geometry" in m for m in messages["invalid_geometry"]
    )
    assert "outside the image" in messages["outside_image"][0]
    assert report["problems"]["outside_image"][0]["image"] == rgb.pk
    # With repair the bowtie becomes a valid polygon.
    report = _run(
        world, _collection(_feature(_geo(world, bowtie), **{"class": "flood"})), repair=True
    )
    assert report["created"] == 1


def test_report_lists_are_capped(world: dict[str, Any]) -> None:
    features = [_feature(_geo(world, POINT), **{"class": "nope"}) for _ in range(60)]
    report = _run(world, _collection(*features))
    assert report["skipped_by_reason"] == {"unknown_class": 60}
    assert len(report["problems"]["unknown_class"]) == 50
    assert report["truncated"] is True


def test_coco_names_and_our_own_ids(world: dict[str, Any]) -> None:
    rgb, jpeg, event = world["rgb"], world["jpeg"], world["event"]
    categories = [{"id": 1, "name": "flood"}, {"id": 2, "name": "smoke"}]

    def doc(images: list[dict[str, Any]], **info: Any) -> dict[str, Any]:
        annotations = [
            {"id": 10 + i, "image_id": image["id"], "category_id": 1, "bbox": [1, 2, 10, 5]}
            for i, image in enumerate(images)
        ]
        return {
            "info": info,
            "images": images,
            "annotations": annotations,
            "categories": categories,
        }

    # Our export's paths find the image by id; plain names with or without the prefix too.
    report = _run(
        world,
        doc(
            [
                {"id": 1, "file_name": f"images/train/{rgb.pk}_RGB.byte.tif"},
                {"id": 2, "file_name": "C:\\data\\annualcrop_1.JPG"},
                {"id": 3, "file_name": f"{jpeg.pk}_AnnualCrop_1.png"},
                {"id": 4, "file_name": "elsewhere.tif"},
            ]
        ),
        format="coco",
    )
    assert report["images"] == {str(rgb.pk): 1, str(jpeg.pk): 2}
    assert report["skipped_by_reason"] == {"unknown_image": 1}
    # The COCO image id is labeler's image id only in our own export of this event.
    foreign = doc([{"id": jpeg.pk, "file_name": "unknown.tif"}])
    with pytest.raises(ImportRejected, match=r"unknown\.tif"):
        _run(world, foreign, format="coco")
    ours = doc([{"id": jpeg.pk, "file_name": "unknown.tif"}], event=event.slug)
    assert _run(world, ours, format="coco")["images"] == {str(jpeg.pk): 1}
    # Unknown categories are reported, not created.
    unknown = doc([{"id": 1, "file_name": "RGB.byte.tif"}])
    unknown["annotations"][0]["category_id"] = 2
    report = _run(world, unknown, format="coco")
    assert report["unknown_classes"] == ["smoke"]
    assert not LabelClass.objects.filter(event=event, name="smoke").exists()


def test_coco_compressed_rle(world: dict[str, Any]) -> None:
    from pycocotools import mask as coco_mask

    pixels = np.zeros((64, 64), dtype=np.uint8, order="F")
    pixels[10:20, 30:50] = 1
    compressed = coco_mask.encode(pixels)
    counts = compressed["counts"].decode()
    assert rle_from_string(counts) == [30 * 64 + 10] + [10, 54] * 19 + [
        10,
        64 * 64 - (49 * 64 + 20),
    ]
    doc = {
        "images": [{"id": 5, "file_name": "AnnualCrop_1.jpg"}],
        "categories": [{"id": 1, "name": "flood"}],
        "annotations": [
            {
                "id": 1,
                "image_id": 5,
                "category_id": 1,
                "segmentation": {"size": [64, 64], "counts": counts},
            }
        ],
    }
    assert _run(world, doc, format="coco")["created"] == 1
    [mask] = Annotation.objects.filter(image=world["jpeg"])
    assert mask.kind == "mask"
    assert (rle_decode(mask.mask, width=64, height=64) == pixels.astype(bool)).all()


# --- keep and replace -----------------------------------------------------------------------


def test_keep_and_replace(world: dict[str, Any]) -> None:
    rgb, event = world["rgb"], world["event"]
    other = ImageFactory(event=event, name="other.tif")
    old = AnnotationFactory(image=rgb, label_class=world["street"])
    untouched = AnnotationFactory(image=other, label_class=world["street"])
    data = _collection(_feature(_geo(world, POINT), image_id=rgb.pk, **{"class": "flood"}))

    report = _run(world, data, mode="keep")
    assert report["deleted"] == 0
    assert Annotation.objects.filter(image=rgb).count() == 2

    report = _run(world, data, mode="replace")
    assert report["created"] == 1 and report["deleted"] == 2
    [kept] = Annotation.objects.filter(image=rgb)
    assert kept.source == Annotation.Source.IMPORTED
    assert Annotation.objects.filter(pk=untouched.pk).exists()  # got no label: left alone
    deleted = AnnotationChange.objects.get(annotation_ref=old.pk, action="delete")
    assert deleted.user == world["user"]

    # Replace with nothing valid for the image deletes nothing.
    bad = _collection(_feature(_geo(world, POINT), image_id=rgb.pk, **{"class": "nope"}))
    report = _run(world, bad, mode="replace")
    assert report["deleted"] == 0 and Annotation.objects.filter(image=rgb).count() == 1


def test_import_is_atomic(world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure that is not a refusal of one annotation undoes the whole import."""
    from workers.imports import service

    calls = 0
    real = service.annotation_create

    def failing(**kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(service, "annotation_create", failing)
    old = AnnotationFactory(image=world["rgb"], label_class=world["street"])
    data = _collection(*[_feature(_geo(world, POINT), **{"class": "flood"}) for _ in range(3)])
    with pytest.raises(RuntimeError):
        _run(world, data, mode="replace")
    assert list(Annotation.objects.filter(image=world["rgb"])) == [old]


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kwargs", "message"),
    [
        (b"", {}, "empty"),
        (b"{not json", {}, "not JSON"),
        (b"[1, 2]", {}, "Not GeoJSON"),
        (b'{"type": "Topology"}', {}, "Not GeoJSON"),
        (b'{"images": [], "annotations": [], "categories": []}', {}, "COCO JSON, not GeoJSON"),
        (b'{"type": "FeatureCollection", "features": []}', {"format": "coco"}, "GeoJSON, not COCO"),
        (b'{"images": [], "annotations": {}}', {"format": "coco"}, "'annotations', 'categories'"),
        (b"[]", {"format": "coco"}, "Not COCO"),
        (b"{}", {"format": "shapefile"}, "Unknown label format 'shapefile'"),
        (b"{}", {"mode": "merge"}, "Unknown import mode 'merge'"),
        (b'{"type": "FeatureCollection", "features": []}', {"crs": "EPSG:999999"}, "Unknown CRS"),
        (b"{}", {"format": "coco", "crs": "EPSG:4326"}, "GeoJSON only"),
    ],
)
def test_bad_input_is_rejected(
    world: dict[str, Any], data: bytes, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ImportRejected, match=message):
        _run(world, data, **kwargs)
    assert not Annotation.objects.exists()


def test_no_image_matches_is_rejected(world: dict[str, Any]) -> None:
    far = {"type": "Point", "coordinates": [10.0, 50.0]}
    with pytest.raises(ImportRejected, match="matches an image"):
        _run(world, _collection(_feature(far, **{"class": "flood"})))
    # An empty file is not an error: nothing to do.
    assert _run(world, _collection())["created"] == 0


def test_who_may_import(world: dict[str, Any], member) -> None:  # type: ignore[no-untyped-def]
    data = orjson.dumps(_collection(_feature(_geo(world, POINT), **{"class": "flood"})))
    viewer = member(Role.VIEWER)
    with pytest.raises(Forbidden):
        import_labels(event_id=world["event"].pk, user_id=viewer.pk, data=data, format="geojson")
    with pytest.raises(JobInputError):
        import_labels(event_id=world["event"].pk, user_id=None, data=data, format="geojson")
    with pytest.raises(Forbidden):
        import_labels_start(user=viewer, event=world["event"], data=data, format="geojson")
    assert not Annotation.objects.exists() and not Job.objects.exists()


def test_start_stages_and_the_job_imports(world: dict[str, Any]) -> None:
    data = orjson.dumps(_collection(_feature(_geo(world, POINT), **{"class": "flood"})))
    with pytest.raises(ImportRejected):  # refused in the request: nothing staged or queued
        import_labels_start(user=world["user"], event=world["event"], data=b"x", format="geojson")
    assert not Job.objects.exists()

    job = import_labels_start(
        user=world["user"], event=world["event"], data=data, format="geojson", mode="replace"
    )
    staged = job.params["staged"]
    assert staged.startswith("staging/") and default_storage.exists(staged)
    assert job.params["user_id"] == world["user"].pk and job.params["mode"] == "replace"
    job = job_run(job_id=job.pk)
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.result["created"] == 1 and job.result["format"] == "geojson"
    assert not default_storage.exists(staged)
