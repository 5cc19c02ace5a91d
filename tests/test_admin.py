"""Every model registered in the admin opens: changelist, change page and add page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Group
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token, TokenProxy

from events.models import AnnotationChange, ImageTag, LabelClass
from tests import factories
from tests.factories import AnnotationFactory, EventFactory, ImageFactory, UserFactory
from workers.models import Job

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry, key=lambda m: m._meta.label)


def _image_tag() -> ImageTag:
    image = ImageFactory()
    tag = factories.LabelClassFactory(event=image.event, kind=LabelClass.Kind.TAG)
    return ImageTag.objects.create(image=image, label_class=tag, state=ImageTag.State.POSITIVE)


def _annotation_change() -> AnnotationChange:
    annotation = AnnotationFactory()
    return AnnotationChange.objects.create(
        annotation=annotation,
        annotation_ref=annotation.pk,
        image=annotation.image,
        action=AnnotationChange.Action.CREATE,
        version=1,
        after={"geometry": annotation.geometry},
    )


def _job() -> Job:
    event = EventFactory()
    return Job.objects.create(
        kind="export", team=event.team, event=event, owner=UserFactory(), params={"format": "coco"}
    )


def _token() -> TokenProxy:
    token = Token.objects.create(user=UserFactory())
    return TokenProxy.objects.get(pk=token.pk)


# Models without a factory in tests/factories.py; any other model needs `<Model>Factory`.
BUILDERS: dict[type[Model], Callable[[], Model]] = {
    Group: lambda: Group.objects.create(name="operators"),
    ImageTag: _image_tag,
    AnnotationChange: _annotation_change,
    Job: _job,
    TokenProxy: _token,
}


def _instance(model: type[Model]) -> Model:
    if model in BUILDERS:
        return BUILDERS[model]()
    factory: Any = getattr(factories, f"{model.__name__}Factory", None)
    assert factory is not None, (
        f"{model._meta.label} is in the admin but tests/test_admin.py cannot build one: "
        f"add {model.__name__}Factory to tests/factories.py or a builder here."
    )
    return factory()


@pytest.fixture
def superuser_client() -> Client:
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def test_every_domain_model_is_registered() -> None:
    labels = {m._meta.label for m in REGISTERED}
    expected = {
        "events.Team",
        "events.Membership",
        "events.Event",
        "events.LabelClass",
        "events.Image",
        "events.ImageTag",
        "events.Annotation",
        "events.AnnotationChange",
        "events.MapShape",
        "events.DatasetVersion",
        "workers.Job",
    }
    assert expected <= labels, expected - labels


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_admin_pages_open(superuser_client: Client, model: type[Model]) -> None:
    obj = _instance(model)
    info = (model._meta.app_label, model._meta.model_name)
    model_admin = admin.site._registry[model]

    changelist = superuser_client.get(reverse("admin:{}_{}_changelist".format(*info)))
    assert changelist.status_code == 200
    assert changelist.context["cl"].result_count >= 1

    searched = superuser_client.get(reverse("admin:{}_{}_changelist".format(*info)), {"q": "x"})
    assert searched.status_code == 200

    change = superuser_client.get(reverse("admin:{}_{}_change".format(*info), args=[quote(obj.pk)]))
    assert change.status_code == 200

    add = superuser_client.get(reverse("admin:{}_{}_add".format(*info)))
    request = change.wsgi_request
    assert add.status_code == (200 if model_admin.has_add_permission(request) else 403)


def test_read_only_history_and_job_status(superuser_client: Client) -> None:
    change = _annotation_change()
    url = reverse("admin:events_annotationchange_change", args=[change.pk])
    response = superuser_client.post(url, {"action": "delete", "version": 9})
    assert response.status_code == 403
    change.refresh_from_db()
    assert (change.action, change.version) == ("create", 1)

    job = _job()
    page = superuser_client.get(reverse("admin:workers_job_change", args=[job.pk]))
    form_fields = page.context["adminform"].form.fields
    assert "kind" in form_fields
    for field in ("status", "progress", "result", "error"):
        assert field not in form_fields


def test_event_page_has_a_leaflet_map(superuser_client: Client) -> None:
    event = EventFactory()
    response = superuser_client.get(reverse("admin:events_event_change", args=[event.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_area_of_interest-map"' in html
    assert "leaflet/leaflet.js" in html
    assert "leaflet/draw/leaflet.draw.js" in html


def test_event_area_of_interest_saves_from_the_map_widget(superuser_client: Client) -> None:
    event = EventFactory()
    polygon = '{"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]]]}'
    data = {
        "team": event.team_id,
        "name": event.name,
        "slug": event.slug,
        "phenomenon": "flood",
        "area_of_interest": polygon,
        "settings": "{}",
        "label_classes-TOTAL_FORMS": "0",
        "label_classes-INITIAL_FORMS": "0",
    }
    url = reverse("admin:events_event_change", args=[event.pk])
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event.refresh_from_db()
    assert event.area_of_interest is not None
    assert event.area_of_interest.extent == (0.0, 0.0, 1.0, 1.0)
