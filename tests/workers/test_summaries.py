"""The event_summary job kind, counted against hand-built events."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.gis.geos import Polygon

from events.models import Annotation, Image, ImageTag, LabelClass
from tests.factories import (
    AnnotationFactory,
    EventFactory,
    ImageFactory,
    LabelClassFactory,
    MapShapeFactory,
    PixelImageFactory,
)
from workers.errors import JobInputError
from workers.summaries import event_summary

pytestmark = pytest.mark.django_db

POINT = {"type": "Point", "coordinates": [12, 20]}


class Recorder:
    """A progress callback that remembers every report."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, str]] = []

    def __call__(self, fraction: float, message: str) -> None:
        self.calls.append((fraction, message))


def _noise(other_event) -> None:  # type: ignore[no-untyped-def]
    """Rows of another event, created between the event's own so ids interleave."""
    image = ImageFactory(event=other_event, source=Image.Source.GIBS)
    AnnotationFactory(image=image, label_class=LabelClassFactory(event=other_event))
    MapShapeFactory(event=other_event)


@pytest.fixture
def built() -> dict[str, Any]:
    event = EventFactory(name="Flood of the Po")
    other = EventFactory()
    flooded = LabelClassFactory(event=event, name="flooded", order=0)
    building = LabelClassFactory(event=event, name="building", order=1)
    cloudy = LabelClassFactory(event=event, name="cloudy", kind=LabelClass.Kind.TAG, order=2)
    unused = LabelClassFactory(event=event, name="unused", order=3)

    images = []
    for source, status in [
        (Image.Source.UPLOAD, Image.Status.READY),
        (Image.Source.UPLOAD, Image.Status.READY),
        (Image.Source.GEOTIFF, Image.Status.READY),
        (Image.Source.SENTINELHUB, Image.Status.PROCESSING),
        (Image.Source.SENTINELHUB, Image.Status.FAILED),
    ]:
        images.append(ImageFactory(event=event, source=source, status=status))
        _noise(other)
    images.append(PixelImageFactory(event=event, source=Image.Source.UPLOAD))
    one, two, three, _four, five, six = images

    AnnotationFactory(image=one, label_class=flooded)
    AnnotationFactory(image=one, label_class=flooded)
    AnnotationFactory(image=one, label_class=building, kind=Annotation.Kind.POLYGON)
    AnnotationFactory(image=three, label_class=building, kind=Annotation.Kind.POINT, geometry=POINT)
    AnnotationFactory(image=six, label_class=flooded, kind=Annotation.Kind.POLYGON)
    ImageTag.objects.create(image=one, label_class=cloudy, state=ImageTag.State.POSITIVE)
    ImageTag.objects.create(image=two, label_class=cloudy, state=ImageTag.State.NEGATIVE)
    ImageTag.objects.create(image=five, label_class=cloudy, state=ImageTag.State.POSITIVE)
    MapShapeFactory(event=event, label_class=flooded)
    MapShapeFactory(event=event, label_class=flooded)
    MapShapeFactory(event=event, label_class=None, geometry=Polygon.from_bbox((1, 2, 3, 4)))
    return {
        "event": event,
        "classes": {c.name: c for c in (flooded, building, cloudy, unused)},
    }


def _kinds(**counts: int) -> dict[str, int]:
    return {"bbox": 0, "polygon": 0, "polyline": 0, "point": 0, "mask": 0} | counts


def _states(**counts: int) -> dict[str, int]:
    return {"positive": 0, "negative": 0} | counts


@pytest.mark.parametrize("chunk_size", [2, 500])
def test_event_summary_counts_everything_of_the_event_and_nothing_else(built, chunk_size) -> None:  # type: ignore[no-untyped-def]
    event, classes = built["event"], built["classes"]

    summary = event_summary(event_id=event.pk, progress=Recorder(), chunk_size=chunk_size)

    assert summary == {
        "event": {"id": event.pk, "name": "Flood of the Po"},
        "images": {
            "total": 6,
            "annotated": 3,
            "unannotated": 3,
            "by_status": {"processing": 1, "ready": 4, "failed": 1},
            "by_source": {"upload": 3, "geotiff": 1, "gibs": 0, "sentinelhub": 2},
        },
        "annotations": {"total": 5, "by_kind": _kinds(bbox=2, polygon=2, point=1)},
        "image_tags": {"total": 3, "by_state": _states(positive=2, negative=1)},
        "map_shapes": {"total": 3, "unclassified": 1},
        "label_classes": [
            {
                "id": classes["flooded"].pk,
                "name": "flooded",
                "kind": "object",
                "annotations": {"total": 3, "by_kind": _kinds(bbox=2, polygon=1)},
                "image_tags": {"total": 0, "by_state": _states()},
                "map_shapes": 2,
            },
            {
                "id": classes["building"].pk,
                "name": "building",
                "kind": "object",
                "annotations": {"total": 2, "by_kind": _kinds(polygon=1, point=1)},
                "image_tags": {"total": 0, "by_state": _states()},
                "map_shapes": 0,
            },
            {
                "id": classes["cloudy"].pk,
                "name": "cloudy",
                "kind": "tag",
                "annotations": {"total": 0, "by_kind": _kinds()},
                "image_tags": {"total": 3, "by_state": _states(positive=2, negative=1)},
                "map_shapes": 0,
            },
            {
                "id": classes["unused"].pk,
                "name": "unused",
                "kind": "object",
                "annotations": {"total": 0, "by_kind": _kinds()},
                "image_tags": {"total": 0, "by_state": _states()},
                "map_shapes": 0,
            },
        ],
    }


def test_event_summary_reports_progress_per_chunk_of_images(built) -> None:  # type: ignore[no-untyped-def]
    progress = Recorder()

    event_summary(event_id=built["event"].pk, progress=progress, chunk_size=2)

    assert progress.calls == [
        (0.0, "Counting 6 images"),
        (pytest.approx(0.3), "Counted 2 of 6 images"),
        (pytest.approx(0.6), "Counted 4 of 6 images"),
        (pytest.approx(0.9), "Counted 6 of 6 images"),
        (0.9, "Counting map shapes"),
    ]


def test_event_summary_of_an_empty_event_is_all_zeros() -> None:
    event = EventFactory()

    summary = event_summary(event_id=event.pk, progress=Recorder())

    assert summary["images"] == {
        "total": 0,
        "annotated": 0,
        "unannotated": 0,
        "by_status": {"processing": 0, "ready": 0, "failed": 0},
        "by_source": {"upload": 0, "geotiff": 0, "gibs": 0, "sentinelhub": 0},
    }
    assert summary["annotations"] == {"total": 0, "by_kind": _kinds()}
    assert summary["image_tags"] == {"total": 0, "by_state": _states()}
    assert summary["map_shapes"] == {"total": 0, "unclassified": 0}
    assert summary["label_classes"] == []


def test_event_summary_of_a_missing_event_names_it() -> None:
    with pytest.raises(JobInputError, match="Event 987654 does not exist"):
        event_summary(event_id=987654, progress=Recorder())
