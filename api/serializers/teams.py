from rest_framework import serializers

from api.serializers.base import StrictSerializer, UserSerializer
from events.models import Role


class TeamSerializer(StrictSerializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(read_only=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    created_at = serializers.DateTimeField(read_only=True)
    role = serializers.SerializerMethodField(help_text="your role in this team")

    def get_role(self, team) -> str | None:  # type: ignore[no-untyped-def]
        roles = self.context.get("roles", {})
        return roles.get(team.pk)


class TeamUpdateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)


class MembershipSerializer(StrictSerializer):
    id = serializers.IntegerField(read_only=True)
    user = UserSerializer(read_only=True)
    role = serializers.ChoiceField(choices=Role.choices, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class MembershipCreateSerializer(StrictSerializer):
    user = serializers.CharField(help_text="username or email of an existing user")
    role = serializers.ChoiceField(choices=Role.choices)


class MembershipUpdateSerializer(StrictSerializer):
    role = serializers.ChoiceField(choices=Role.choices)
