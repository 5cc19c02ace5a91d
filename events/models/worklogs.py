from django.conf import settings
from django.db import models


class WorkLog(models.Model):
    """A user's labelling time on one image and how hard they found it.

    ``seconds`` is active time in the editor (page visible, input in the last minute),
    added up from the editor's periodic reports; ``difficulty`` is the user's perceived
    difficulty of the image, 1 (easy) to 5 (hard), or null when not given.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="work_logs"
    )
    image = models.ForeignKey("events.Image", on_delete=models.CASCADE, related_name="work_logs")
    seconds = models.PositiveIntegerField(default=0)
    difficulty = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="perceived difficulty, 1 (easy) to 5 (hard)"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["image_id", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "image"], name="worklog_user_image_unique"),
            models.CheckConstraint(
                condition=models.Q(difficulty__isnull=True)
                | (models.Q(difficulty__gte=1) & models.Q(difficulty__lte=5)),
                name="worklog_difficulty_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on image {self.image_id}: {self.seconds} s"
