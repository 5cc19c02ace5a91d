"""factory_boy factories for the domain: the one place tests build rows."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Polygon

from events.models import (
    Annotation,
    DatasetVersion,
    Event,
    Image,
    LabelClass,
    MapShape,
    Membership,
    Role,
    Team,
    WorkLog,
)

PASSWORD = "correct-horse-battery-staple"

# A small georeferenced image: 100 x 80 px of 30 m in UTM 18N (like rasterio's RGB.byte.tif).
UTM_TRANSFORM = [30.0, 0.0, 101985.0, 0.0, -30.0, 2826915.0]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.ANNOTATOR


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Flood {n}")
    slug = factory.Sequence(lambda n: f"flood-{n}")
    phenomenon = "flood"


class LabelClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LabelClass

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"class-{n}")
    kind = LabelClass.Kind.OBJECT
    order = factory.Sequence(lambda n: n)


class ImageFactory(factory.django.DjangoModelFactory):
    """A georeferenced 100 x 80 px image in EPSG:32618 with its footprint computed."""

    class Meta:
        model = Image

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"scene-{n}.tif")
    width = 100
    height = 80
    band_count = 3
    band_names = ["red", "green", "blue"]
    dtype = "uint8"
    crs = "EPSG:32618"
    transform = factory.LazyFunction(lambda: list(UTM_TRANSFORM))
    status = Image.Status.READY
    footprint = factory.LazyAttribute(
        lambda o: _footprint(o.width, o.height, o.transform, o.crs) if o.crs else None
    )


def _footprint(width, height, transform, crs):
    from events.services.images import image_footprint

    return image_footprint(width=width, height=height, transform=transform, crs=crs)


class PixelImageFactory(ImageFactory):
    """An image without georeference (a PNG/JPEG): pixel space only."""

    crs = ""
    transform = None
    footprint = None


class AnnotationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Annotation

    image = factory.SubFactory(ImageFactory)
    label_class = factory.LazyAttribute(lambda o: LabelClassFactory(event=o.image.event))
    kind = Annotation.Kind.BBOX
    geometry = factory.LazyFunction(
        lambda: {
            "type": "Polygon",
            "coordinates": [[[10, 10], [40, 10], [40, 30], [10, 30], [10, 10]]],
        }
    )


class MapShapeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MapShape

    event = factory.SubFactory(EventFactory)
    geometry = factory.LazyFunction(lambda: Polygon.from_bbox((-80.1, 25.0, -80.0, 25.1)))


class DatasetVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DatasetVersion

    event = factory.SubFactory(EventFactory)
    number = factory.Sequence(lambda n: n + 1)
    formats = factory.LazyFunction(lambda: ["coco"])


class WorkLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkLog

    user = factory.SubFactory(UserFactory)
    image = factory.SubFactory(ImageFactory)
    seconds = 90
    difficulty = 3
