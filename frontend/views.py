"""The browser app's pages: each renders frontend/page.html with one Vite entry and the
page's initial data (``json_script``); everything after that goes through the REST API.

A page of an event checks membership like the API does (events.rules): a non-member gets
404, never a hint that the event exists. What the page offers follows ``can`` (what the
user's role allows), the same rules the API enforces.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render

from events.models import Event, Image
from events.rules import Action, role_allows, role_of
from workers.exports import EXPORTERS


def page_context(
    request: HttpRequest,
    page: str,
    title: str,
    *,
    event: Event | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The page's initial data (frontend/src/lib/page.tsx: PageData). Raises Http404 for a
    user who is not a member of the event's team (the event's existence stays hidden)."""
    # The page writes through the API with the session: make sure it has the CSRF cookie,
    # whichever way the user signed in.
    get_token(request)
    user = request.user
    role = role_of(user, event.team_id) if event else None
    if event is not None and role is None:
        raise Http404("No such event.")
    data = {
        "page": page,
        "title": title,
        "user": {"id": user.pk, "username": user.get_username(), "email": user.email},  # type: ignore[union-attr]
        "event": None,
        "role": role.value if role else None,
        "can": {action.value: role_allows(role, action) for action in Action},
        "extra": {
            "basemap_url": settings.BASEMAP_URL,
            "basemap_attribution": settings.BASEMAP_ATTRIBUTION,
            **(extra or {}),
        },
    }
    if event is not None:
        data["event"] = {
            "id": event.pk,
            "name": event.name,
            "team": event.team_id,
            "team_name": event.team.name,
            "phenomenon": event.phenomenon,
        }
    return {"entry": f"src/pages/{page}.tsx", "title": title, "page_data": data}


def _member_event(request: HttpRequest, event_id: int) -> Event:
    # Membership is checked once, with the role the page needs (page_context).
    return get_object_or_404(Event.objects.select_related("team"), pk=event_id)


def _page(request: HttpRequest, page: str, title: str, **kwargs: Any) -> HttpResponse:
    return render(request, "frontend/page.html", page_context(request, page, title, **kwargs))


def home(request: HttpRequest) -> HttpResponse:
    """Signed in: the events list. Otherwise the product's front door with a sign-in link."""
    if request.user.is_authenticated:
        return redirect("events")
    return render(request, "frontend/home.html")


@login_required
def events(request: HttpRequest) -> HttpResponse:
    return _page(request, "events", "Events")


@login_required
def teams(request: HttpRequest) -> HttpResponse:
    return _page(request, "teams", "Teams")


@login_required
def jobs(request: HttpRequest) -> HttpResponse:
    return _page(request, "jobs", "Jobs")


@login_required
def event_map(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _member_event(request, event_id)
    return _page(request, "event-map", f"{event.name} — map", event=event)


@login_required
def event_gallery(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _member_event(request, event_id)
    return _page(request, "gallery", f"{event.name} — gallery", event=event)


@login_required
def event_uploads(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _member_event(request, event_id)
    return _page(request, "uploads", f"{event.name} — uploads", event=event)


@login_required
def event_datasets(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _member_event(request, event_id)
    return _page(
        request,
        "datasets",
        f"{event.name} — datasets",
        event=event,
        extra={"formats": list(EXPORTERS)},  # the form offers what the registry builds
    )


@login_required
def event_settings(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _member_event(request, event_id)
    return _page(request, "event-settings", f"{event.name} — settings", event=event)


@login_required
def image_editor(request: HttpRequest, image_id: int) -> HttpResponse:
    """The annotation editor of one image; the gallery's filter rides along in the query
    string (next/previous image follow it)."""
    image = get_object_or_404(Image.objects.select_related("event__team"), pk=image_id)
    return _page(
        request,
        "editor",
        f"{image.name} — editor",
        event=image.event,
        extra={"image": image.pk, "filters": request.GET.urlencode()},
    )
