"""API authentication: token (``Token`` or ``Bearer``) and, for the raster routes, the same
with a short in-process cache.

A map view asks for dozens of tiles a second; looking the token (or session) up in the
database for each was a third of a warm tile's time. ``authenticate_cached`` (used by the tile
and pixel views only, api/views/tiles.py) remembers who a token or session key belongs to
for ``LABELER_TILE_AUTH_CACHE_SECONDS`` (default 5 s; 0 turns it off) in each web process.
In the process where it happens, deleting a token, saving a user (deactivation, password
change), logging out or deleting a session forgets everything at once; in the other
processes it takes effect within that many seconds.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from django.conf import settings
from django.contrib.auth import user_logged_out
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.db.models.signals import post_delete, post_save
from rest_framework.authentication import (
    SessionAuthentication,
    TokenAuthentication,
    get_authorization_header,
)
from rest_framework.authtoken.models import Token
from rest_framework.request import Request

DEFAULT_CACHE_SECONDS = 5.0
_now = time.monotonic  # the caches' clock (tests move it)


def cache_seconds() -> float:
    """How long the raster routes trust a cached login or image permission (seconds)."""
    return float(getattr(settings, "LABELER_TILE_AUTH_CACHE_SECONDS", DEFAULT_CACHE_SECONDS))


class TTLCache:
    """A small thread-safe in-process map whose entries expire ``cache_seconds()`` after
    they were put; least recently put out first past ``size`` entries."""

    def __init__(self, size: int = 4096) -> None:
        self._items: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if item[0] <= _now():
                del self._items[key]
                return None
            return item[1]

    def put(self, key: Hashable, value: Any) -> None:
        ttl = cache_seconds()
        if ttl <= 0:
            return
        with self._lock:
            self._items.pop(key, None)
            self._items[key] = (_now() + ttl, value)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self, *_: Any, **__: Any) -> None:
        """Forget everything (also a signal receiver)."""
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


LOGINS = TTLCache()  # ("token", key) or ("session", key) -> (user, Token or None)


class BearerOrTokenAuthentication(TokenAuthentication):
    """Token auth for scripts: ``Authorization: Token <key>`` or ``Bearer <key>``."""

    def authenticate(self, request):  # type: ignore[no-untyped-def]
        # DRF reads the header through request.headers, cached from META at first use, so
        # rewriting META does not reach it; accept the other keyword instead. DRF makes one
        # authenticator per request, so the attribute is not shared between requests.
        scheme = get_authorization_header(request).split()[:1]
        if scheme and scheme[0].lower() == b"bearer":
            self.keyword = "Bearer"
        return super().authenticate(request)


def _credential(request: Request) -> tuple[str, str] | None:
    """("token", key) or ("session", key): what the request signs in with, as DRF's
    authenticators would look at it (a token header first); None for neither."""
    header = get_authorization_header(request).split()
    if header:
        if len(header) == 2 and header[0].lower() in (b"token", b"bearer"):
            try:
                return ("token", header[1].decode())
            except UnicodeError:
                return None
        return None  # another scheme, or malformed: DRF's own answer
    key = request._request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    return ("session", key) if key else None


def authenticate_cached(request: Request) -> None:
    """Sign ``request`` in as DRF would, through LOGINS (see the module docstring).

    For views that override ``perform_authentication`` with this; the authenticators stay
    the project's own (so the API schema and every error answer are unchanged). A token or
    session seen within the last few seconds is not looked up again; CSRF is still
    enforced for a session on unsafe methods, exactly as SessionAuthentication does.
    """
    credential = _credential(request)
    kinds = {"token": TokenAuthentication, "session": SessionAuthentication}
    authenticators = request.authenticators or ()
    if credential and not any(isinstance(a, kinds[credential[0]]) for a in authenticators):
        credential = None  # a view without that authenticator: DRF's own answer
    cached = LOGINS.get(credential) if credential else None
    if credential is None or cached is None:
        user = request.user  # DRF's authenticators (errors, 401/403, as always)
        if credential and isinstance(user, User) and user.is_authenticated:
            kind = credential[0]
            if (kind == "token" and isinstance(request.auth, Token)) or (
                kind == "session"
                and isinstance(getattr(request, "_authenticator", None), SessionAuthentication)
            ):
                LOGINS.put(credential, (user, request.auth))
        return
    user, auth = cached
    authenticator = next(a for a in authenticators if isinstance(a, kinds[credential[0]]))
    if isinstance(authenticator, SessionAuthentication):
        authenticator.enforce_csrf(request)
    request._authenticator = authenticator  # type: ignore[attr-defined]  # as DRF records it
    request.user, request.auth = copy.copy(user), auth  # each request its own instance


# In this process, forget every cached login as soon as one may have changed.
post_save.connect(LOGINS.clear, sender=Token, dispatch_uid="logins-token-save")
post_delete.connect(LOGINS.clear, sender=Token, dispatch_uid="logins-token-delete")
post_save.connect(LOGINS.clear, sender=User, dispatch_uid="logins-user-save")
post_delete.connect(LOGINS.clear, sender=User, dispatch_uid="logins-user-delete")
post_delete.connect(LOGINS.clear, sender=Session, dispatch_uid="logins-session-delete")
user_logged_out.connect(LOGINS.clear, dispatch_uid="logins-logged-out")
