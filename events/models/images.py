from django.conf import settings
from django.contrib.gis.db import models


class Image(models.Model):
    """One image of an event: a Cloud-Optimized GeoTIFF in storage plus its metadata.

    Pixel space: x right, y down, origin at the top-left corner of the top-left pixel.
    ``transform`` is the affine (a, b, c, d, e, f) from pixel to ``crs`` coordinates, as in
    rasterio; ``footprint`` is the image outline in EPSG:4326 (null when not georeferenced).
    """

    class Source(models.TextChoices):
        UPLOAD = "upload", "Upload"
        GEOTIFF = "geotiff", "GeoTIFF"
        GIBS = "gibs", "NASA GIBS"
        SENTINELHUB = "sentinelhub", "Sentinel Hub"

    class Status(models.TextChoices):
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="images")
    name = models.CharField(max_length=255)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.UPLOAD)
    # 255: storage names carry the original file name (up to 80 characters) and a checksum.
    file = models.FileField(upload_to="images/%Y/%m/", max_length=255, blank=True)
    preview = models.FileField(upload_to="previews/%Y/%m/", max_length=255, blank=True)
    thumbnail = models.FileField(upload_to="thumbnails/%Y/%m/", max_length=255, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    band_count = models.PositiveSmallIntegerField(default=3)
    band_names = models.JSONField(default=list, blank=True)
    dtype = models.CharField(max_length=16, default="uint8")
    nodata = models.FloatField(null=True, blank=True)
    crs = models.TextField(blank=True, help_text="native CRS as EPSG:code or WKT; blank if none")
    transform = models.JSONField(
        null=True, blank=True, help_text="affine (a, b, c, d, e, f) from pixel to CRS"
    )
    # A Polygon; a MultiPolygon when the image crosses the antimeridian (RFC 7946 §3.1.9).
    footprint = models.GeometryField(srid=4326, null=True, blank=True, spatial_index=True)
    stats = models.JSONField(
        default=list, blank=True, help_text="per band: min, max, mean, std, p2, p98 (native values)"
    )
    reflectance_scale = models.FloatField(
        null=True, blank=True, help_text="reflectance = value * scale + offset, when known"
    )
    reflectance_offset = models.FloatField(default=0.0)
    acquired_at = models.DateTimeField(null=True, blank=True, db_index=True)
    cloud_cover = models.FloatField(null=True, blank=True)
    provenance = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PROCESSING, db_index=True
    )
    status_message = models.TextField(blank=True)
    checksum = models.CharField(max_length=64, blank=True, db_index=True, help_text="sha256")
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    locked_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    tags = models.ManyToManyField("events.LabelClass", through="ImageTag", related_name="+")

    class Meta:
        ordering = ["event_id", "id"]
        indexes = [
            models.Index(fields=["event", "source", "status"]),
            # The gallery's orderings (events.image_selectors): a page deep in a large event
            # is an index-only scan, either direction.
            models.Index(fields=["event", "id"], name="image_event_id_idx"),
            models.Index(fields=["event", "acquired_at", "id"], name="image_event_acquired_idx"),
            models.Index(fields=["event", "name", "id"], name="image_event_name_idx"),
            models.Index(fields=["event", "cloud_cover", "id"], name="image_event_cloud_idx"),
            models.Index(fields=["event", "created_at", "id"], name="image_event_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(width__gt=0) & models.Q(height__gt=0),
                name="image_size_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(cloud_cover__isnull=True)
                | (models.Q(cloud_cover__gte=0) & models.Q(cloud_cover__lte=100)),
                name="image_cloud_cover_percent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_georeferenced(self) -> bool:
        return bool(self.crs) and self.transform is not None


class ImageTag(models.Model):
    """An image-level classification: label class `tag` marked positive or negative."""

    class State(models.TextChoices):
        POSITIVE = "positive", "Positive"
        NEGATIVE = "negative", "Negative"

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="image_tags")
    label_class = models.ForeignKey(
        "events.LabelClass", on_delete=models.CASCADE, related_name="image_tags"
    )
    state = models.CharField(max_length=8, choices=State.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["image", "label_class"], name="imagetag_unique"),
        ]
