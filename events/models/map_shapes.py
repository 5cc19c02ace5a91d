from django.conf import settings
from django.contrib.gis.db import models


class MapShape(models.Model):
    """A shape drawn on the map over an area of interest, in EPSG:4326 (lon, lat)."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="map_shapes")
    label_class = models.ForeignKey(
        "events.LabelClass",
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="map_shapes",
    )
    geometry = models.GeometryField(srid=4326, spatial_index=True)
    properties = models.JSONField(default=dict, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["event_id", "id"]

    def __str__(self) -> str:
        return f"{self.geometry.geom_type} #{self.pk}"
