from rest_framework import serializers

from api.serializers.base import StrictSerializer
from api.serializers.geo import GeoJSONField
from events.models import LabelClass


class EventSerializer(StrictSerializer):
    id = serializers.IntegerField(read_only=True)
    team = serializers.IntegerField(source="team_id", help_text="team id")
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(read_only=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    phenomenon = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    starts_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    ends_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    area_of_interest = GeoJSONField(
        required=False, allow_null=True, default=None, help_text="GeoJSON Polygon or MultiPolygon"
    )
    settings = serializers.JSONField(required=False, default=dict)
    repair = serializers.BooleanField(
        write_only=True, required=False, default=False, help_text="repair an invalid area"
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class EventUpdateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    phenomenon = serializers.CharField(max_length=100, required=False, allow_blank=True)
    starts_at = serializers.DateTimeField(required=False, allow_null=True)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    area_of_interest = GeoJSONField(required=False, allow_null=True)
    settings = serializers.JSONField(required=False)
    repair = serializers.BooleanField(required=False, default=False)


class LabelClassSerializer(StrictSerializer):
    id = serializers.IntegerField(read_only=True)
    event = serializers.IntegerField(source="event_id", read_only=True)
    name = serializers.CharField(max_length=100)
    color = serializers.CharField(max_length=7, required=False, help_text="#rrggbb")
    hotkey = serializers.CharField(max_length=1, required=False, allow_blank=True)
    order = serializers.IntegerField(min_value=0, required=False)
    kind = serializers.ChoiceField(choices=LabelClass.Kind.choices, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    value = serializers.FloatField(required=False, allow_null=True)


class LabelClassUpdateSerializer(LabelClassSerializer):
    name = serializers.CharField(max_length=100, required=False)
