from __future__ import annotations

from django.contrib.auth.models import User
from rest_framework.exceptions import NotAuthenticated
from rest_framework.generics import GenericAPIView
from rest_framework.views import APIView


class SignedInMixin:
    """``self.user``: the signed-in user, typed as such for the services.

    Every route needs authentication (DEFAULT_PERMISSION_CLASSES), so by the time a handler
    runs ``request.user`` is a real user; this narrows the type and fails closed if not.
    """

    @property
    def user(self) -> User:
        user = self.request.user  # type: ignore[attr-defined]
        if not isinstance(user, User) or not user.is_authenticated:
            raise NotAuthenticated()
        return user


class LabelerAPIView(SignedInMixin, APIView):
    pass


class LabelerGenericAPIView(SignedInMixin, GenericAPIView):
    pass
