"""The editor's workflow: image locks, labelling time and previous / next image."""

from __future__ import annotations

from rest_framework import serializers

from api.serializers.base import StrictSerializer
from api.serializers.images import ImageFilterSerializer
from events.services.work import MAX_REPORT_SECONDS


class ImageLockSerializer(serializers.Serializer):
    image = serializers.IntegerField(source="pk", read_only=True)
    locked_by = serializers.CharField(
        source="locked_by.username", read_only=True, allow_null=True, default=None
    )
    locked_until = serializers.DateTimeField(read_only=True, allow_null=True)
    lock_seconds = serializers.IntegerField(read_only=True, help_text="how long a lock lasts")


class WorkLogWriteSerializer(StrictSerializer):
    seconds = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_REPORT_SECONDS,
        help_text="active labelling time to add (1..3600 per report)",
    )
    difficulty = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=5,
        help_text="your perceived difficulty of the image, 1 (easy) to 5 (hard); null clears",
    )

    def validate(self, attrs: dict[str, object]) -> dict[str, object]:
        if "seconds" not in attrs and "difficulty" not in attrs:
            raise serializers.ValidationError({"seconds": ["Give seconds, difficulty or both."]})
        return attrs


class WorkLogUserSerializer(serializers.Serializer):
    user = serializers.CharField()
    seconds = serializers.IntegerField()
    difficulty = serializers.IntegerField(allow_null=True)
    updated_at = serializers.DateTimeField()


class WorkLogSerializer(serializers.Serializer):
    image = serializers.IntegerField()
    seconds = serializers.IntegerField(help_text="your labelling time on this image")
    difficulty = serializers.IntegerField(allow_null=True, help_text="your perceived difficulty")
    updated_at = serializers.DateTimeField(allow_null=True)
    total_seconds = serializers.IntegerField(
        allow_null=True, help_text="everyone's time (managers only, else null)"
    )
    users = WorkLogUserSerializer(
        many=True, allow_null=True, help_text="every user's entry (managers only, else null)"
    )


class NeighbourQuerySerializer(ImageFilterSerializer):
    """The image list's filters and ordering, plus what to skip."""

    skip_labelled_by_others = serializers.BooleanField(
        required=False,
        default=False,
        help_text="skip images with annotations or image tags by another user",
    )
    skip_locked = serializers.BooleanField(
        required=False, default=False, help_text="skip images another user has open (locked)"
    )


class NeighboursSerializer(serializers.Serializer):
    previous = serializers.IntegerField(allow_null=True)
    next = serializers.IntegerField(allow_null=True)
    position = serializers.IntegerField(
        allow_null=True, help_text="1-based place in the filtered list; null when not in it"
    )
    count = serializers.IntegerField(help_text="images matching the filter (before the skips)")
