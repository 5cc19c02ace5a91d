"""Team credentials for external imagery services, encrypted at rest.

The secret is encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under
``settings.CREDENTIALS_KEYS`` (MultiFernet: the first key encrypts, every key decrypts, so
keys can be rotated). It is never returned by the API; ``sentinelhub_secret`` hands it to
the worker code that calls the service.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from events.errors import CredentialsUnreadable, InvalidInput, MissingCredentials, NotFound
from events.models import SentinelHubCredential, Team
from events.rules import Action, require

Endpoint = SentinelHubCredential.Endpoint


def _fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in settings.CREDENTIALS_KEYS])
    except (ValueError, TypeError) as exc:
        raise CredentialsUnreadable(
            "CREDENTIALS_KEY is not a list of Fernet keys (32 url-safe base64-encoded bytes "
            "each); fix the server configuration."
        ) from exc


def secret_encrypt(plaintext: str) -> bytes:
    """``plaintext`` encrypted with the first of ``settings.CREDENTIALS_KEYS``."""
    return _fernet().encrypt(plaintext.encode())


def secret_decrypt(token: bytes | memoryview) -> str:
    """The plaintext of ``token``; CredentialsUnreadable when no configured key opens it."""
    try:
        return _fernet().decrypt(bytes(token)).decode()
    except InvalidToken as exc:
        raise CredentialsUnreadable(
            "The saved Sentinel Hub client secret cannot be decrypted with the configured "
            "CREDENTIALS_KEY (was the key changed?); a team manager must save the credentials "
            "again."
        ) from exc


def sentinelhub_endpoint_urls(endpoint: str) -> tuple[str, str]:
    """(service base URL, OAuth token URL) of an endpoint choice, from settings only."""
    if endpoint == Endpoint.CDSE:
        return settings.CDSE_BASE_URL, settings.CDSE_TOKEN_URL
    if endpoint == Endpoint.SENTINELHUB:
        return settings.SENTINELHUB_BASE_URL, settings.SENTINELHUB_TOKEN_URL
    raise InvalidInput(
        f"Unknown Sentinel Hub endpoint {endpoint!r}.",
        fields={"endpoint": [f"Choose one of: {', '.join(Endpoint.values)}."]},
    )


def sentinelhub_credential_get(*, user: User, team: Team) -> SentinelHubCredential:
    """The team's saved Sentinel Hub client (any member; the secret stays encrypted)."""
    require(user, team, Action.VIEW, what="Team")
    credential = SentinelHubCredential.objects.filter(team=team).first()
    if credential is None:
        raise NotFound("This team has no Sentinel Hub credentials; a manager can save them.")
    return credential


def sentinelhub_credential_set(
    *, user: User, team: Team, client_id: str, client_secret: str, endpoint: str
) -> SentinelHubCredential:
    """Save (create or replace) the team's Sentinel Hub OAuth client (managers and owners)."""
    require(user, team, Action.MANAGE, what="Team")
    sentinelhub_endpoint_urls(endpoint)
    errors = {}
    if not client_id.strip():
        errors["client_id"] = ["This field may not be blank."]
    if not client_secret.strip():
        errors["client_secret"] = ["This field may not be blank."]
    if errors:
        raise InvalidInput("Sentinel Hub credentials need a client id and secret.", fields=errors)
    with transaction.atomic():
        credential, _ = SentinelHubCredential.objects.update_or_create(
            team=team,
            defaults={
                "endpoint": endpoint,
                "client_id": client_id.strip(),
                "client_secret_encrypted": secret_encrypt(client_secret.strip()),
                "updated_by": user,
            },
        )
    return credential


def sentinelhub_credential_delete(*, user: User, team: Team) -> None:
    """Forget the team's Sentinel Hub credentials (managers and owners)."""
    require(user, team, Action.MANAGE, what="Team")
    deleted, _ = SentinelHubCredential.objects.filter(team=team).delete()
    if not deleted:
        raise NotFound("This team has no Sentinel Hub credentials.")


def sentinelhub_credential_for_team(team: Team | int) -> SentinelHubCredential:
    """The team's credentials for worker code (no permission check: callers have done it).

    Raises MissingCredentials, saying what to do, when the team has none.
    """
    team_id = team.pk if isinstance(team, Team) else team
    credential = SentinelHubCredential.objects.filter(team_id=team_id).first()
    if credential is None:
        raise MissingCredentials(
            "This team has no Sentinel Hub credentials: a team manager must first save a client "
            "id and secret with PUT /api/v1/teams/{id}/sentinelhub-credential/."
        )
    return credential


def sentinelhub_secret(credential: SentinelHubCredential) -> str:
    """The decrypted client secret, for the code that calls the service (never the API)."""
    return secret_decrypt(credential.client_secret_encrypted)
