from django.conf import settings
from django.db import models


class DatasetVersion(models.Model):
    """An immutable, numbered export of an event's labels (DESIGN.md §4, §7).

    Created ``building`` by the request; the ``build_dataset`` job freezes the labels into
    ``snapshot`` (JSON lines), writes one ZIP per format and marks it ``ready``. After that
    nothing changes: later label edits make a new version, never a different old one.
    """

    class Status(models.TextChoices):
        BUILDING = "building", "Building"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    event = models.ForeignKey(
        "events.Event", on_delete=models.CASCADE, related_name="dataset_versions"
    )
    number = models.PositiveIntegerField(help_text="1, 2, 3... per event")
    name = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.BUILDING)
    formats = models.JSONField(default=list)
    filters = models.JSONField(default=dict, blank=True)
    split = models.JSONField(default=dict, blank=True)
    options = models.JSONField(default=dict, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    files = models.JSONField(
        default=dict, blank=True, help_text="per format: storage name, size and sha256 of the ZIP"
    )
    manifest = models.JSONField(
        default=dict, blank=True, help_text="per format: path, sha256 and size of every file"
    )
    snapshot = models.CharField(max_length=255, blank=True, help_text="storage name")
    checksum = models.CharField(max_length=64, blank=True, help_text="sha256 of the snapshot")
    job_id = models.BigIntegerField(null=True, blank=True, help_text="the build job")
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    built_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["event", "number"], name="dataset_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.event} v{self.number}"
