from django.conf import settings
from django.contrib.gis.db import models


class Annotation(models.Model):
    """A labelled shape on one image.

    ``geometry`` is a GeoJSON geometry in the image's pixel space (x right, y down, origin
    at the top-left corner of the top-left pixel). ``geo_geometry`` is the same shape in
    EPSG:4326, derived through the image transform, for georeferenced images. Masks are
    COCO-style uncompressed RLE in ``mask`` (column-major counts; ``size`` [height, width]);
    their ``geometry`` is the polygonised outline. ``version`` grows by one on every change
    and must be sent back on update (optimistic concurrency; a stale one answers 409).

    On PostgreSQL the table also has two generated columns that are not model fields,
    ``export_json`` and ``export_geo``: the annotation's dataset-snapshot JSON, kept by the
    database (events/migrations/0010_annotation_export_json.py).
    """

    class Kind(models.TextChoices):
        BBOX = "bbox", "Box"
        POLYGON = "polygon", "Polygon"
        POLYLINE = "polyline", "Polyline"
        POINT = "point", "Point"
        MASK = "mask", "Mask"

    class Source(models.TextChoices):
        MANUAL = "manual", "Manual"
        PREDICTED = "predicted", "Predicted"
        IMPORTED = "imported", "Imported"

    class ReviewState(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    image = models.ForeignKey("events.Image", on_delete=models.CASCADE, related_name="annotations")
    label_class = models.ForeignKey(
        "events.LabelClass", on_delete=models.RESTRICT, related_name="annotations"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    geometry = models.JSONField(help_text="GeoJSON geometry in pixel space")
    geo_geometry = models.GeometryField(srid=4326, null=True, blank=True, spatial_index=True)
    mask = models.JSONField(null=True, blank=True, help_text="COCO uncompressed RLE")
    attributes = models.JSONField(default=dict, blank=True)
    keypoints = models.JSONField(null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    confidence = models.FloatField(null=True, blank=True)
    difficulty = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="perceived difficulty, 1 (easy) to 5 (hard)"
    )
    review_state = models.CharField(
        max_length=8, choices=ReviewState.choices, default=ReviewState.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["image_id", "id"]
        indexes = [models.Index(fields=["image", "label_class"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confidence__isnull=True)
                | (models.Q(confidence__gte=0) & models.Q(confidence__lte=1)),
                name="annotation_confidence_0_1",
            ),
            models.CheckConstraint(
                condition=models.Q(difficulty__isnull=True)
                | (models.Q(difficulty__gte=1) & models.Q(difficulty__lte=5)),
                name="annotation_difficulty_1_5",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["bbox", "polygon", "polyline", "point", "mask"]),
                name="annotation_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} on image {self.image_id}"


class AnnotationChange(models.Model):
    """One entry of an annotation's history: who did what, when, and the state before/after.

    Kept when the annotation is deleted (``annotation`` becomes null; ``annotation_ref``
    keeps the id). A rejected stale update is recorded too, as ``conflict``.
    """

    class Action(models.TextChoices):
        CREATE = "create", "Created"
        UPDATE = "update", "Updated"
        DELETE = "delete", "Deleted"
        REVIEW = "review", "Reviewed"
        CONFLICT = "conflict", "Rejected: stale version"

    annotation = models.ForeignKey(
        Annotation, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    annotation_ref = models.BigIntegerField(db_index=True)
    image = models.ForeignKey("events.Image", on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=8, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(help_text="annotation version after this change")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["annotation_ref", "id"]
