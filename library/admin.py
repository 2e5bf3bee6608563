"""The admin, for staff only: read-only views of the case library and the quiz attempts."""
from django.contrib import admin

from library.models import Case, QuizAttempt
from screening.admin import ReadOnlyAdmin


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["title", "difficulty", "slug"]


@admin.register(QuizAttempt)
class QuizAttemptAdmin(ReadOnlyAdmin):
    list_display = ["user", "case", "score", "created_at"]
