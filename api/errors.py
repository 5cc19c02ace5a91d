"""One error format for every API response: ``{"detail", "code", "fields"}`` with a 4xx
(or a 502 when an upstream imagery service fails: workers.errors.SourceUnavailable).

DRF's exceptions, Django's and the domain's (events.errors) all pass through here, so a
client can rely on ``code`` and on ``fields`` naming each bad field.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from events import errors as domain
from workers.errors import SourceUnavailable

_DOMAIN_STATUS = {
    domain.NotFound: status.HTTP_404_NOT_FOUND,
    domain.Forbidden: status.HTTP_403_FORBIDDEN,
    domain.StaleVersion: status.HTTP_409_CONFLICT,
    domain.NotReady: status.HTTP_409_CONFLICT,
    domain.InvalidInput: status.HTTP_400_BAD_REQUEST,
    SourceUnavailable: status.HTTP_502_BAD_GATEWAY,  # an imagery service failed, not the client
}


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail -> {"field.sub": ["message", ...]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            out[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                out.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def _body(detail: str, code: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"detail": detail, "code": code, "fields": fields or {}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, domain.DomainError):
        status_code = next(
            (code for cls, code in _DOMAIN_STATUS.items() if isinstance(exc, cls)),
            status.HTTP_400_BAD_REQUEST,
        )
        body = _body(exc.detail, exc.code, exc.fields)
        if isinstance(exc, domain.StaleVersion):
            body["current_version"] = exc.current_version
            if exc.current is not None:
                body["current"] = exc.current
        return Response(body, status=status_code)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            _body(f"Request body too large: {exc}", "payload_too_large"),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, TooManyFieldsSent):
        return Response(_body(str(exc), "too_many_fields"), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.items()), ("", ["Invalid input."]))
        where = "" if first[0] == "non_field_errors" else f"{first[0]}: "
        return Response(
            _body(f"Invalid input. {where}{first[1][0]}", "invalid", fields),
            status=status.HTTP_400_BAD_REQUEST,
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, Http404):
        code, detail = "not_found", "Not found."
    elif isinstance(exc, DjangoPermissionDenied):
        code, detail = "permission_denied", "You do not have permission to perform this action."
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        detail = str(exc.detail) if not isinstance(exc.detail, (dict, list)) else "Error."
    else:  # pragma: no cover - DRF only handles the classes above
        code, detail = "error", str(exc)
    response.data = _body(detail, code)
    return response


def not_found(request: HttpRequest) -> JsonResponse:
    """404 for a URL that matches no API route, in the one error format."""
    return JsonResponse(
        _body(f"No API route matches {request.path!r}; see /api/docs/.", "not_found"), status=404
    )
