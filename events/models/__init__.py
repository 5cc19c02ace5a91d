"""The domain model (DESIGN.md §4): teams, events, images, annotations, map shapes."""

from events.models.annotations import Annotation, AnnotationChange
from events.models.credentials import SentinelHubCredential
from events.models.events import Event, LabelClass
from events.models.images import Image, ImageTag
from events.models.map_shapes import MapShape
from events.models.teams import Membership, Role, Team

__all__ = [
    "Annotation",
    "AnnotationChange",
    "Event",
    "Image",
    "ImageTag",
    "LabelClass",
    "MapShape",
    "Membership",
    "Role",
    "SentinelHubCredential",
    "Team",
]
