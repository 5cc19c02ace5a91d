from django.conf import settings as django_settings
from django.contrib.gis.db import models


class Event(models.Model):
    """An Earth Science Event (a flood, a dust storm...): owns images, labels and shapes."""

    team = models.ForeignKey("events.Team", on_delete=models.CASCADE, related_name="events")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200)
    description = models.TextField(blank=True)
    phenomenon = models.CharField(
        max_length=100, blank=True, help_text="e.g. flood, dust storm, snow, cloud streets, fire"
    )
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    area_of_interest = models.MultiPolygonField(srid=4326, null=True, blank=True)
    settings = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "slug"], name="event_unique_slug_per_team"),
            models.CheckConstraint(
                condition=models.Q(starts_at__isnull=True)
                | models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gte=models.F("starts_at")),
                name="event_time_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LabelClass(models.Model):
    class Kind(models.TextChoices):
        TAG = "tag", "Image tag"
        OBJECT = "object", "Object (shapes)"
        VALUE = "value", "Pixel value"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="label_classes")
    name = models.CharField(max_length=100)
    color = models.CharField(max_length=7, default="#e6194b", help_text="#rrggbb")
    hotkey = models.CharField(max_length=1, blank=True)
    order = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.OBJECT)
    description = models.TextField(blank=True)
    value = models.FloatField(
        null=True, blank=True, help_text="numeric value for pixel-value classes"
    )

    class Meta:
        verbose_name_plural = "label classes"
        ordering = ["event_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "name"], name="labelclass_unique_name"),
            models.UniqueConstraint(
                fields=["event", "hotkey"],
                condition=~models.Q(hotkey=""),
                name="labelclass_unique_hotkey",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["tag", "object", "value"]),
                name="labelclass_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"
