"""What the trainee case library stores: the synthetic cases and each trainee's quiz attempts."""
from django.conf import settings
from django.db import models


class Case(models.Model):
    """A synthetic teaching case from fixtures/cases/, loaded by `manage.py load_cases`."""

    DIFFICULTIES = [("introductory", "Introductory"), ("intermediate", "Intermediate"), ("advanced", "Advanced")]

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    difficulty = models.CharField(max_length=20, choices=DIFFICULTIES)
    substances = models.JSONField()
    vignette = models.TextField()
    intake = models.JSONField()
    objectives = models.JSONField()
    teaching_notes = models.JSONField()
    expected = models.JSONField()
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self):
        return self.title

    @property
    def display_title(self) -> str:
        """The case's name before its quiz: a number and its difficulty, which give nothing of the answer away (the
        teaching title names the caution factor, so it appears with the result)."""
        return f"Case {self.order + 1} · {self.get_difficulty_display().lower()}"


class QuizAttempt(models.Model):
    """A trainee's answer to a case and how it compared with the engine."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attempts")
    answer = models.JSONField()
    result = models.JSONField()
    score = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at", "-id"], name="quizattempt_user_recent")]

    def __str__(self):
        return f"{self.user} on {self.case}: {self.score:.0%}"
