"""The domain model (DESIGN.md §4): teams, events, images, annotations, map shapes,
dataset versions."""

from events.models.annotations import Annotation, AnnotationChange
from events.models.credentials import SentinelHubCredential
from events.models.datasets import DatasetVersion
from events.models.events import Event, LabelClass
from events.models.images import Image, ImageTag
from events.models.map_shapes import MapShape
from events.models.teams import Membership, Role, Team
from events.models.worklogs import WorkLog

__all__ = [
    "Annotation",
    "AnnotationChange",
    "DatasetVersion",
    "Event",
    "Image",
    "ImageTag",
    "LabelClass",
    "MapShape",
    "Membership",
    "Role",
    "SentinelHubCredential",
    "Team",
    "WorkLog",
]
