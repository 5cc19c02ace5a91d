"""Django admin for jobs: what ran, for whom, how it went.

Jobs are created by the services that enqueue them; the worker owns their status,
progress, result and timestamps, so those are read-only here.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from workers.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "status", "progress", "owner", "team", "event", "created_at"]
    list_filter = ["status", "kind"]
    search_fields = ["=id", "kind", "message", "owner__username", "event__name", "team__name"]
    autocomplete_fields = ["owner", "team", "event"]
    list_select_related = ["owner", "team", "event"]
    readonly_fields = [
        "status",
        "progress",
        "message",
        "result",
        "error",
        "created_at",
        "started_at",
        "finished_at",
    ]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A job row without a queued task would never run: jobs start from the app or API.
        return False
