"""``manage.py setup_demo``: a demo user, team, event and label classes, idempotently.

Run by ``scripts/run.sh`` so that a fresh install has something to open. Every run leaves
the same state: the user's password is (re)set to the one given, missing rows are made,
existing ones are kept.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from rest_framework.authtoken.models import Token

from events.models import Event, LabelClass, Role, Team
from events.services.events import event_create, label_class_create
from events.services.teams import team_create

USERNAME = "demo"
DEFAULT_PASSWORD = "labeler-demo"
TEAM_NAME = "Demo team"
EVENT_NAME = "Demo flood"
# Sindh, Pakistan: the 2022 monsoon floods.
AREA_OF_INTEREST = {
    "type": "Polygon",
    "coordinates": [[[67.5, 24.5], [69.5, 24.5], [69.5, 27.5], [67.5, 27.5], [67.5, 24.5]]],
}
LABEL_CLASSES: list[dict[str, Any]] = [
    {"name": "flood water", "kind": LabelClass.Kind.OBJECT, "color": "#1f77b4", "hotkey": "1"},
    {"name": "cloud", "kind": LabelClass.Kind.OBJECT, "color": "#bcbd22", "hotkey": "2"},
    {"name": "flooded", "kind": LabelClass.Kind.TAG, "color": "#d62728", "hotkey": "3"},
]


class Command(BaseCommand):
    help = "Create (or refresh) the demo user, team, event and label classes; print credentials."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=None,
            help=f"the demo user's password (default: $DEMO_PASSWORD or {DEFAULT_PASSWORD!r})",
        )
        parser.add_argument(
            "--admin",
            action="store_true",
            help="make the demo user a superuser too, so it can open /admin/",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"] or os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        with transaction.atomic():
            user = self._user(password, admin=options["admin"])
            team = self._team(user)
            event = self._event(user, team)
            for fields in LABEL_CLASSES:
                if not event.label_classes.filter(name=fields["name"]).exists():
                    label_class_create(user=user, event=event, **fields)
            token, _ = Token.objects.get_or_create(user=user)

        self.stdout.write(
            self.style.SUCCESS("Demo data ready.")
            + f"\n  user:      {user.get_username()}"
            + f"\n  password:  {password}"
            + f"\n  API token: {token.key}"
            + f"\n  team:      {team.name} (id {team.pk}), event: {event.name} (id {event.pk})"
            + ("\n  admin:     yes (superuser)" if user.is_superuser else "")
        )

    def _user(self, password: str, *, admin: bool) -> Any:
        User = get_user_model()
        user, _ = User.objects.get_or_create(
            username=USERNAME, defaults={"email": "demo@example.org"}
        )
        user.set_password(password)
        user.is_active = True
        if admin:
            user.is_staff = user.is_superuser = True
        user.save()
        return user

    def _team(self, user: Any) -> Team:
        team = Team.objects.filter(
            name=TEAM_NAME, memberships__user=user, memberships__role=Role.OWNER
        ).first()
        return team or team_create(
            user=user, name=TEAM_NAME, description="Created by manage.py setup_demo."
        )

    def _event(self, user: Any, team: Team) -> Event:
        event = team.events.filter(name=EVENT_NAME).first()
        return event or event_create(
            user=user,
            team=team,
            name=EVENT_NAME,
            phenomenon="flood",
            description="Monsoon floods in Sindh, Pakistan, 2022 (demo data).",
            starts_at=dt.datetime(2022, 8, 15, tzinfo=dt.UTC),
            ends_at=dt.datetime(2022, 9, 30, tzinfo=dt.UTC),
            area_of_interest=AREA_OF_INTEREST,
        )
