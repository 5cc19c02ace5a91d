"""Annotation writes with validation, optimistic concurrency and a full change history."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from events.errors import DomainError, GeometryError, InvalidInput, NotFound, StaleVersion
from events.geometry import (
    mapping_of,
    mask_outline,
    pixel_to_wgs84,
    rle_decode,
    validate_pixel_geometry,
)
from events.models import Annotation, AnnotationChange, Image, LabelClass
from events.rules import Action, require
from events.selectors import label_class_in_event

#: Fields a client may change on an annotation (kind and image are fixed at creation).
EDITABLE = (
    "label_class",
    "geometry",
    "mask",
    "attributes",
    "keypoints",
    "confidence",
    "difficulty",
)


def annotation_snapshot(annotation: Annotation) -> dict[str, Any]:
    """The annotation's labelled content as JSON, as kept in its history."""
    return {
        "label_class": annotation.label_class_id,
        "kind": annotation.kind,
        "geometry": annotation.geometry,
        "mask": annotation.mask,
        "attributes": annotation.attributes,
        "keypoints": annotation.keypoints,
        "source": annotation.source,
        "confidence": annotation.confidence,
        "difficulty": annotation.difficulty,
        "review_state": annotation.review_state,
        "version": annotation.version,
    }


def _shape(image: Image, kind: str, geometry: Any, mask: Any, *, repair: bool) -> dict[str, Any]:
    """Validated pixel geometry (and mask) plus the derived EPSG:4326 geometry."""
    try:
        if kind == Annotation.Kind.MASK:
            if mask is None:
                raise GeometryError("A mask annotation needs 'mask' as RLE.")
            pixels = rle_decode(mask, width=image.width, height=image.height)
            geometry = mapping_of(mask_outline(pixels))
        elif mask is not None:
            raise GeometryError(f"Only mask annotations carry 'mask'; this one is a {kind}.")
        if geometry is None:
            raise GeometryError(f"A {kind} annotation needs a geometry.")
        geometry = validate_pixel_geometry(
            kind,
            geometry,
            width=image.width,
            height=image.height,
            repair=repair,
            max_vertices=settings.LABELER_MAX_VERTICES,
        )
    except GeometryError as error:
        field = "mask" if kind == Annotation.Kind.MASK else "geometry"
        raise GeometryError(error.detail, fields={field: [error.detail]}) from None
    geo = None
    if image.crs and image.transform is not None:
        wgs84 = pixel_to_wgs84(geometry, transform=image.transform, crs=image.crs)
        geo = GEOSGeometry(wgs84.wkb_hex, srid=4326)
    return {"geometry": geometry, "mask": mask, "geo_geometry": geo}


def _check_scalars(fields: dict[str, Any]) -> None:
    confidence, difficulty = fields.get("confidence"), fields.get("difficulty")
    if confidence is not None and not 0 <= confidence <= 1:
        raise InvalidInput(
            "Confidence is a number from 0 to 1.", fields={"confidence": ["Out of range."]}
        )
    if difficulty is not None and difficulty not in (1, 2, 3, 4, 5):
        raise InvalidInput(
            "Perceived difficulty is 1 (easy) to 5 (hard).",
            fields={"difficulty": ["Out of range."]},
        )


def _record(
    annotation: Annotation,
    *,
    action: str,
    user: User | None,
    before: Any,
    after: Any,
    version: int,
) -> None:
    AnnotationChange.objects.create(
        annotation=annotation if action != AnnotationChange.Action.DELETE else None,
        annotation_ref=annotation.pk,
        image_id=annotation.image_id,
        action=action,
        user=user,
        version=version,
        before=before,
        after=after,
    )


def annotation_create(
    *,
    user: User,
    image: Image,
    label_class: LabelClass | int,
    kind: str,
    geometry: dict[str, Any] | None = None,
    mask: dict[str, Any] | None = None,
    attributes: dict[str, Any] | None = None,
    keypoints: Any = None,
    source: str = Annotation.Source.MANUAL,
    confidence: float | None = None,
    difficulty: int | None = None,
    repair: bool = False,
) -> Annotation:
    """A new annotation on ``image`` (annotators and above).

    The geometry is validated in pixel space (see events.geometry) and, for georeferenced
    images, its EPSG:4326 twin is derived through the image transform.
    """
    require(user, image.event.team_id, Action.ANNOTATE, what="Image")
    if kind not in Annotation.Kind.values:
        raise InvalidInput(
            f"Unknown kind {kind!r}.",
            fields={"kind": [f"Choose one of {', '.join(Annotation.Kind.values)}."]},
        )
    if source not in Annotation.Source.values:
        raise InvalidInput(
            f"Unknown source {source!r}.", fields={"source": ["Use manual, predicted or imported."]}
        )
    label = label_class_in_event(
        event_id=image.event_id, label_class=label_class, kind=LabelClass.Kind.OBJECT
    )
    _check_scalars({"confidence": confidence, "difficulty": difficulty})
    shape = _shape(image, kind, geometry, mask, repair=repair)
    with transaction.atomic():
        annotation = Annotation.objects.create(
            image=image,
            label_class=label,
            kind=kind,
            attributes=attributes or {},
            keypoints=keypoints,
            author=user,
            source=source,
            confidence=confidence,
            difficulty=difficulty,
            **shape,
        )
        _record(
            annotation,
            action=AnnotationChange.Action.CREATE,
            user=user,
            before=None,
            after=annotation_snapshot(annotation),
            version=annotation.version,
        )
    return annotation


def _stale(
    annotation_id: int,
    *,
    user: User,
    attempted: dict[str, Any],
    based_on: int,
    action: str,
) -> DomainError:
    """Record a rejected stale write in the history and build the 409 error."""
    current = Annotation.objects.filter(pk=annotation_id).first()
    if current is None:
        return NotFound(f"Annotation {annotation_id} has been deleted.")
    AnnotationChange.objects.create(
        annotation=current,
        annotation_ref=current.pk,
        image_id=current.image_id,
        action=AnnotationChange.Action.CONFLICT,
        user=user,
        version=current.version,
        before={"based_on_version": based_on, "action": action},
        after=attempted,
    )
    return StaleVersion(
        f"Annotation {current.pk} has changed since version {based_on}; the current version is "
        f"{current.version}. Reload it, reapply your change and send version {current.version}.",
        current_version=current.version,
        current=annotation_snapshot(current),
    )


def _write_if_current(
    annotation_id: int,
    *,
    version: int,
    user: User,
    action: str,
    fields: dict[str, Any],
    attempted: dict[str, Any],
) -> Annotation:
    """Apply ``fields`` if the annotation is still at ``version``; record it in the history.

    The row is locked while its version is compared (on SQLite the IMMEDIATE transaction
    serialises writers instead), so of two writers based on the same version exactly one
    wins and the ``before`` kept in the history is really the state it replaced.
    """
    with transaction.atomic():
        before = Annotation.objects.select_for_update().filter(pk=annotation_id).first()
        if before is None:
            raise NotFound(f"Annotation {annotation_id} has been deleted.")
        if before.version == version:
            Annotation.objects.filter(pk=annotation_id).update(
                **fields, version=F("version") + 1, updated_at=timezone.now()
            )
            fresh = Annotation.objects.select_related("image__event", "label_class").get(
                pk=annotation_id
            )
            _record(
                fresh,
                action=action,
                user=user,
                before=annotation_snapshot(before),
                after=annotation_snapshot(fresh),
                version=fresh.version,
            )
            return fresh
    raise _stale(
        annotation_id,
        user=user,
        attempted=attempted,
        based_on=version,
        action=AnnotationChange.Action(action).value,
    )


def annotation_update(
    *,
    user: User,
    annotation: Annotation,
    version: int,
    repair: bool = False,
    **changes: Any,
) -> Annotation:
    """Change an annotation that is still at ``version`` (annotators and above).

    The write is a conditional UPDATE on (id, version), so of two clients editing the same
    version exactly one wins; the other gets StaleVersion (HTTP 409) with the current
    version, and its attempt is kept in the history as a conflict.
    """
    require(user, annotation.image.event.team_id, Action.ANNOTATE, what="Annotation")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InvalidInput(
            f"Cannot change {', '.join(sorted(unknown))}.",
            fields={k: ["Not editable."] for k in unknown},
        )
    image = annotation.image
    new = {**annotation_snapshot(annotation), **changes}
    attempted = {
        **new,
        "label_class": getattr(new["label_class"], "pk", new["label_class"]),
        "version": version,
    }
    if "label_class" in changes:
        changes["label_class"] = label_class_in_event(
            event_id=image.event_id, label_class=changes["label_class"], kind=LabelClass.Kind.OBJECT
        )
    _check_scalars(changes)
    if {"geometry", "mask"} & set(changes):
        changes.update(_shape(image, annotation.kind, new["geometry"], new["mask"], repair=repair))

    return _write_if_current(
        annotation.pk,
        version=version,
        user=user,
        action=AnnotationChange.Action.UPDATE,
        fields=changes,
        attempted=attempted,
    )


def annotation_delete(*, user: User, annotation: Annotation, version: int | None = None) -> None:
    """Delete an annotation (annotators and above); with ``version``, only if still current."""
    require(user, annotation.image.event.team_id, Action.ANNOTATE, what="Annotation")
    with transaction.atomic():
        rows = Annotation.objects.filter(pk=annotation.pk)
        if version is not None:
            rows = rows.filter(version=version)
        # Lock the row: an update committed between this read and the delete would
        # otherwise be deleted unseen, or leave a delete entry for a row still there.
        current = rows.select_for_update().first()
        if current is not None:
            _record(
                current,
                action=AnnotationChange.Action.DELETE,
                user=user,
                before=annotation_snapshot(current),
                after=None,
                version=current.version,
            )
            deleted, _ = rows.delete()
            if deleted:
                return
    raise _stale(
        annotation.pk,
        user=user,
        attempted={"deleted": True},
        based_on=version or 0,
        action="delete",
    )


def annotation_review(
    *, user: User, annotation: Annotation, decision: str, version: int
) -> Annotation:
    """Accept or reject an annotation (reviewers and above); bumps its version."""
    require(user, annotation.image.event.team_id, Action.REVIEW, what="Annotation")
    if decision not in (
        Annotation.ReviewState.ACCEPTED,
        Annotation.ReviewState.REJECTED,
        Annotation.ReviewState.PENDING,
    ):
        raise InvalidInput(
            f"Unknown review decision {decision!r}.",
            fields={"decision": ["Use accepted, rejected or pending."]},
        )
    return _write_if_current(
        annotation.pk,
        version=version,
        user=user,
        action=AnnotationChange.Action.REVIEW,
        fields={"review_state": decision, "reviewed_by": user, "reviewed_at": timezone.now()},
        attempted={"review_state": decision},
    )
