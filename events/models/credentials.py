from django.conf import settings
from django.db import models

from events.models.teams import Team


class SentinelHubCredential(models.Model):
    """A team's OAuth client for Sentinel Hub (or the Copernicus Data Space Ecosystem).

    The secret is kept only encrypted (Fernet, events.services.credentials); the service
    URLs of each endpoint come from settings, never from a request.
    """

    class Endpoint(models.TextChoices):
        SENTINELHUB = "sentinelhub", "Sentinel Hub (commercial)"
        CDSE = "cdse", "Copernicus Data Space Ecosystem"

    team = models.OneToOneField(
        Team, on_delete=models.CASCADE, related_name="sentinelhub_credential"
    )
    endpoint = models.CharField(
        max_length=16, choices=Endpoint.choices, default=Endpoint.SENTINELHUB
    )
    client_id = models.CharField(max_length=200)
    client_secret_encrypted = models.BinaryField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(endpoint__in=["sentinelhub", "cdse"]),
                name="sentinelhub_credential_endpoint_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Sentinel Hub client {self.client_id} of {self.team}"
