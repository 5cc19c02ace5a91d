"""Team Sentinel Hub credentials: encrypted at rest, managers write, members read."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from events.errors import (
    CredentialsUnreadable,
    Forbidden,
    InvalidInput,
    MissingCredentials,
    NotFound,
)
from events.models import Role, SentinelHubCredential
from events.services.credentials import (
    sentinelhub_credential_delete,
    sentinelhub_credential_for_team,
    sentinelhub_credential_get,
    sentinelhub_credential_set,
    sentinelhub_endpoint_urls,
    sentinelhub_secret,
)
from labeler.settings import _credentials_keys
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

SECRET = "very-secret-client-secret-4711"


def _save(team, user, **overrides):  # type: ignore[no-untyped-def]
    values = {"client_id": "client-1", "client_secret": SECRET, "endpoint": "sentinelhub"}
    return sentinelhub_credential_set(user=user, team=team, **{**values, **overrides})


def test_the_secret_is_encrypted_at_rest_and_decrypts_with_the_key(team, member, settings):
    credential = _save(team, member(Role.MANAGER))

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM {SentinelHubCredential._meta.db_table} WHERE id = %s",
            [credential.pk],
        )
        row = cursor.fetchone()
    stored = b"".join(bytes(v) if isinstance(v, memoryview) else str(v).encode() for v in row)
    assert SECRET.encode() not in stored
    assert base64.b64encode(SECRET.encode()) not in stored
    token = bytes(SentinelHubCredential.objects.get().client_secret_encrypted)
    assert Fernet(settings.CREDENTIALS_KEYS[0]).decrypt(token).decode() == SECRET
    assert sentinelhub_secret(SentinelHubCredential.objects.get()) == SECRET


def test_a_wrong_key_fails_clearly_and_rotation_keeps_old_secrets(team, member, settings):
    _save(team, member(Role.OWNER))
    old_key = settings.CREDENTIALS_KEYS[0]

    settings.CREDENTIALS_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CredentialsUnreadable, match="CREDENTIALS_KEY") as caught:
        sentinelhub_secret(SentinelHubCredential.objects.get())
    assert SECRET not in caught.value.detail

    settings.CREDENTIALS_KEYS = [Fernet.generate_key().decode(), old_key]  # a new key first
    assert sentinelhub_secret(SentinelHubCredential.objects.get()) == SECRET

    settings.CREDENTIALS_KEYS = ["not a fernet key"]
    with pytest.raises(CredentialsUnreadable, match="Fernet keys"):
        sentinelhub_secret(SentinelHubCredential.objects.get())


def test_without_credentials_key_one_is_derived_from_secret_key(monkeypatch):
    monkeypatch.delenv("CREDENTIALS_KEY", raising=False)
    keys = _credentials_keys("one secret")
    assert keys == _credentials_keys("one secret") != _credentials_keys("another secret")
    Fernet(keys[0])  # a valid key
    monkeypatch.setenv("CREDENTIALS_KEY", "a,b")
    assert _credentials_keys("one secret") == ["a", "b"]


def test_managers_save_and_replace_lower_roles_may_not(team, member):
    manager = member(Role.MANAGER)
    first = _save(team, manager)
    assert (first.client_id, first.endpoint, first.updated_by) == (
        "client-1",
        "sentinelhub",
        manager,
    )

    second = _save(
        team, member(Role.OWNER), client_id="client-2", client_secret="new", endpoint="cdse"
    )
    assert second.pk == first.pk and SentinelHubCredential.objects.count() == 1
    assert sentinelhub_secret(second) == "new" and second.endpoint == "cdse"

    for role in (Role.REVIEWER, Role.ANNOTATOR, Role.VIEWER):
        with pytest.raises(Forbidden):
            _save(team, member(role))
        with pytest.raises(Forbidden):
            sentinelhub_credential_delete(user=member(role), team=team)
    with pytest.raises(NotFound):  # another team's owner learns nothing
        _save(team, member(Role.OWNER, in_team=TeamFactory()))
    assert sentinelhub_credential_get(user=member(Role.VIEWER), team=team).client_id == "client-2"


def test_invalid_input_names_the_fields(team, member):
    manager = member(Role.MANAGER)
    with pytest.raises(InvalidInput) as caught:
        _save(team, manager, client_id=" ", client_secret="")
    assert set(caught.value.fields) == {"client_id", "client_secret"}
    with pytest.raises(InvalidInput) as caught:
        _save(team, manager, endpoint="https://evil.example")
    assert set(caught.value.fields) == {"endpoint"}
    assert not SentinelHubCredential.objects.exists()


def test_delete_and_missing_credentials(team, member):
    manager = member(Role.MANAGER)
    _save(team, manager)
    sentinelhub_credential_delete(user=manager, team=team)
    assert not SentinelHubCredential.objects.exists()
    with pytest.raises(NotFound):
        sentinelhub_credential_delete(user=manager, team=team)
    with pytest.raises(NotFound):
        sentinelhub_credential_get(user=manager, team=team)
    with pytest.raises(MissingCredentials, match="a team manager must first save"):
        sentinelhub_credential_for_team(team)


def test_endpoint_urls_come_from_settings(settings):
    settings.CDSE_BASE_URL, settings.CDSE_TOKEN_URL = "https://cdse.test", "https://id.test/t"
    settings.SENTINELHUB_BASE_URL, settings.SENTINELHUB_TOKEN_URL = (
        "https://sh.test",
        "https://sh/t",
    )
    assert sentinelhub_endpoint_urls("cdse") == ("https://cdse.test", "https://id.test/t")
    assert sentinelhub_endpoint_urls("sentinelhub") == ("https://sh.test", "https://sh/t")
