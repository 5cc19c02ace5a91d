"""Django admin for the domain: an operator's view of every table, with maps for geometry.

Geometry fields use django-leaflet's widget. Foreign keys to big tables (images,
annotations, users) are autocomplete or raw-id fields so that a change page never renders
a select with every row. The admin writes rows directly, without the services' rules:
it is for operators, not for team members (they use the app and the API).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from leaflet.admin import LeafletGeoAdmin

from events.models import (
    Annotation,
    AnnotationChange,
    DatasetVersion,
    Event,
    Image,
    ImageTag,
    LabelClass,
    MapShape,
    Membership,
    Team,
    WorkLog,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "member_count", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at"]
    inlines = [MembershipInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description="members", ordering="member_count")
    def member_count(self, obj: Team) -> int:
        return getattr(obj, "member_count", 0)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "team__name"]
    autocomplete_fields = ["team", "user"]
    list_select_related = ["team", "user"]
    readonly_fields = ["created_at"]


class LabelClassInline(admin.TabularInline):
    model = LabelClass
    extra = 0
    fields = ["name", "kind", "color", "hotkey", "order", "value", "description"]


@admin.register(Event)
class EventAdmin(LeafletGeoAdmin):
    list_display = ["name", "team", "phenomenon", "starts_at", "ends_at", "created_at"]
    list_filter = ["phenomenon", "team"]
    search_fields = ["name", "slug", "description", "team__name"]
    autocomplete_fields = ["team", "created_by"]
    list_select_related = ["team"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [LabelClassInline]


@admin.register(LabelClass)
class LabelClassAdmin(admin.ModelAdmin):
    list_display = ["name", "event", "kind", "color", "hotkey", "order"]
    list_filter = ["kind"]
    search_fields = ["name", "event__name"]
    autocomplete_fields = ["event"]
    list_select_related = ["event"]


class ImageTagInline(admin.TabularInline):
    model = ImageTag
    extra = 0
    autocomplete_fields = ["label_class", "author"]
    readonly_fields = ["updated_at"]


@admin.register(Image)
class ImageAdmin(LeafletGeoAdmin):
    list_display = ["name", "event", "source", "status", "width", "height", "acquired_at"]
    list_filter = ["source", "status", "dtype"]
    search_fields = ["name", "checksum", "event__name"]
    autocomplete_fields = ["event", "locked_by", "created_by"]
    list_select_related = ["event"]
    readonly_fields = ["checksum", "created_at"]
    date_hierarchy = "acquired_at"
    inlines = [ImageTagInline]


@admin.register(ImageTag)
class ImageTagAdmin(admin.ModelAdmin):
    list_display = ["image", "label_class", "state", "author", "updated_at"]
    list_filter = ["state"]
    search_fields = ["image__name", "label_class__name"]
    raw_id_fields = ["image"]
    autocomplete_fields = ["label_class", "author"]
    list_select_related = ["image", "label_class", "author"]
    readonly_fields = ["updated_at"]


@admin.register(Annotation)
class AnnotationAdmin(LeafletGeoAdmin):
    list_display = [
        "id",
        "image",
        "label_class",
        "kind",
        "source",
        "review_state",
        "author",
        "version",
        "updated_at",
    ]
    list_filter = ["kind", "source", "review_state"]
    search_fields = ["=id", "image__name", "label_class__name", "author__username"]
    raw_id_fields = ["image"]
    autocomplete_fields = ["label_class", "author", "reviewed_by"]
    list_select_related = ["image", "label_class", "author"]
    # version belongs to the optimistic-concurrency protocol of the API. geo_geometry is
    # derived from the pixel geometry and the image transform: shown on a map, not drawn.
    readonly_fields = ["version", "created_at", "updated_at"]
    modifiable = False


@admin.register(AnnotationChange)
class AnnotationChangeAdmin(admin.ModelAdmin):
    """The history is an audit trail: readable here, never written."""

    list_display = ["annotation_ref", "action", "version", "user", "image", "at"]
    list_filter = ["action"]
    search_fields = ["=annotation_ref", "user__username", "image__name"]
    list_select_related = ["user", "image"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(MapShape)
class MapShapeAdmin(LeafletGeoAdmin):
    list_display = ["__str__", "event", "label_class", "author", "updated_at"]
    list_filter = ["event__team"]
    search_fields = ["=id", "event__name", "label_class__name"]
    autocomplete_fields = ["event", "label_class", "author"]
    list_select_related = ["event", "label_class"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(DatasetVersion)
class DatasetVersionAdmin(admin.ModelAdmin):
    """Versions are immutable exports: readable here; built and deleted only by their job."""

    list_display = ["__str__", "name", "status", "formats", "created_by", "created_at"]
    list_filter = ["status", "event__team"]
    search_fields = ["=id", "event__name", "name"]
    list_select_related = ["event", "created_by"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WorkLog)
class WorkLogAdmin(admin.ModelAdmin):
    """Labelling time and perceived difficulty per user and image (the editor reports)."""

    list_display = ["user", "image", "seconds", "difficulty", "updated_at"]
    list_filter = ["difficulty", "image__event__team"]
    search_fields = ["=image__id", "user__username", "image__name"]
    raw_id_fields = ["image"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "image"]
    readonly_fields = ["created_at", "updated_at"]
