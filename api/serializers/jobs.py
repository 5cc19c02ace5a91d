from typing import Any

from rest_framework import serializers

from api.serializers.base import StrictSerializer
from workers.models import Job
from workers.registry import JOB_KINDS


class JobSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Job.Status.choices, read_only=True)
    progress = serializers.FloatField(read_only=True, help_text="0 to 1")
    message = serializers.CharField(read_only=True)
    params = serializers.JSONField(read_only=True)
    result = serializers.JSONField(read_only=True, allow_null=True)
    error = serializers.CharField(read_only=True, help_text="why the job failed; blank if not")
    owner = serializers.CharField(
        source="owner.username", read_only=True, allow_null=True, help_text="username"
    )
    team = serializers.IntegerField(source="team_id", read_only=True, allow_null=True)
    event = serializers.IntegerField(source="event_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    started_at = serializers.DateTimeField(read_only=True, allow_null=True)
    finished_at = serializers.DateTimeField(read_only=True, allow_null=True)


class EventSummaryStartSerializer(StrictSerializer):
    """No options yet: the body is empty (unknown fields are refused)."""


class JobFilterSerializer(StrictSerializer):
    """Query string of the job list, validated like a request body."""

    status = serializers.ChoiceField(choices=Job.Status.choices, required=False)
    kind = serializers.ChoiceField(choices=sorted(JOB_KINDS), required=False)
    event = serializers.IntegerField(required=False, min_value=1, help_text="event id")
    page = serializers.IntegerField(required=False, min_value=1)
    page_size = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs.pop("page", None)
        attrs.pop("page_size", None)
        if "event" in attrs:
            attrs["event_id"] = attrs.pop("event")
        return attrs
