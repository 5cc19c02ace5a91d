"""Job kind ``event_summary``: what an event holds, counted.

Images are read in chunks of consecutive ids, and the annotations and image tags of each
chunk are counted with grouped queries, so memory stays flat and progress moves chunk by
chunk however large the event.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.db.models import Count, Q, TextChoices

from events.models import Annotation, Event, Image, ImageTag, LabelClass, MapShape
from workers.errors import JobInputError
from workers.registry import Progress

CHUNK_SIZE = 500

# Share of the progress bar for the image chunks; map shapes and the totals take the rest.
_IMAGES_SHARE = 0.9


def _counts(choices: type[TextChoices], counter: Counter[str]) -> dict[str, int]:
    """Every choice of ``choices`` with its count, 0 when absent, in the choices' order."""
    return {value: counter[value] for value in choices.values}


def event_summary(
    *, event_id: int, progress: Progress, chunk_size: int = CHUNK_SIZE
) -> dict[str, Any]:
    """Counts for one event, as a JSON dict.

    ``images``: total, annotated (with at least one annotation) and unannotated, per status
    and per source. ``annotations``: total and per kind. ``image_tags``: total and per
    state. ``map_shapes``: total and how many have no label class. ``label_classes``: per
    class (in the event's order) its annotations per kind, image tags per state and map
    shapes. Every choice appears, with 0 when there is none.

    Raises JobInputError when the event does not exist (deleted after the job started).
    """
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        raise JobInputError(f"Event {event_id} does not exist (deleted after the job started?).")

    images = Image.objects.filter(event_id=event_id)
    total = images.count()
    progress(0.0, f"Counting {total} images")

    by_status = Counter[str]()
    by_source = Counter[str]()
    annotated = 0
    annotations: defaultdict[int, Counter[str]] = defaultdict(Counter)  # class id -> kinds
    tags: defaultdict[int, Counter[str]] = defaultdict(Counter)  # class id -> states

    done = 0
    last_id = 0
    while True:
        chunk = list(
            images.filter(id__gt=last_id)
            .order_by("id")
            .values_list("id", "status", "source")[:chunk_size]
        )
        if not chunk:
            break
        first_id, last_id = chunk[0][0], chunk[-1][0]
        by_status.update(status for _, status, _ in chunk)
        by_source.update(source for _, _, source in chunk)

        # The chunk is exactly the event's images with ids in [first_id, last_id].
        in_chunk = Q(image__event_id=event_id, image_id__gte=first_id, image_id__lte=last_id)
        chunk_annotations = Annotation.objects.filter(in_chunk)
        for by_kind in chunk_annotations.values("label_class_id", "kind").annotate(n=Count("id")):
            annotations[by_kind["label_class_id"]][by_kind["kind"]] += by_kind["n"]
        annotated += chunk_annotations.values("image_id").distinct().count()
        chunk_tags = ImageTag.objects.filter(in_chunk)
        for by_state in chunk_tags.values("label_class_id", "state").annotate(n=Count("id")):
            tags[by_state["label_class_id"]][by_state["state"]] += by_state["n"]

        done += len(chunk)
        progress(_IMAGES_SHARE * done / max(total, 1), f"Counted {done} of {total} images")

    progress(_IMAGES_SHARE, "Counting map shapes")
    shapes = Counter[int | None]()
    for by_class in (
        MapShape.objects.filter(event_id=event_id).values("label_class_id").annotate(n=Count("id"))
    ):
        shapes[by_class["label_class_id"]] = by_class["n"]

    # The event's classes, plus any class its rows point at that is not the event's own.
    class_ids = set(annotations) | set(tags) | {pk for pk in shapes if pk is not None}
    classes = LabelClass.objects.filter(Q(event_id=event_id) | Q(pk__in=class_ids))
    per_class = []
    for label_class in classes.order_by("order", "id"):
        class_annotations = annotations[label_class.pk]
        class_tags = tags[label_class.pk]
        per_class.append(
            {
                "id": label_class.pk,
                "name": label_class.name,
                "kind": label_class.kind,
                "annotations": {
                    "total": class_annotations.total(),
                    "by_kind": _counts(Annotation.Kind, class_annotations),
                },
                "image_tags": {
                    "total": class_tags.total(),
                    "by_state": _counts(ImageTag.State, class_tags),
                },
                "map_shapes": shapes[label_class.pk],
            }
        )
    annotations_by_kind = sum(annotations.values(), Counter[str]())
    tags_by_state = sum(tags.values(), Counter[str]())

    return {
        "event": {"id": event.pk, "name": event.name},
        "images": {
            "total": done,
            "annotated": annotated,
            "unannotated": done - annotated,
            "by_status": _counts(Image.Status, by_status),
            "by_source": _counts(Image.Source, by_source),
        },
        "annotations": {
            "total": annotations_by_kind.total(),
            "by_kind": _counts(Annotation.Kind, annotations_by_kind),
        },
        "image_tags": {
            "total": tags_by_state.total(),
            "by_state": _counts(ImageTag.State, tags_by_state),
        },
        "map_shapes": {"total": shapes.total(), "unclassified": shapes[None]},
        "label_classes": per_class,
    }
