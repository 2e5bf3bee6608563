from django.urls import path

from library import views

urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/progress/", views.case_progress, name="case_progress"),
    path("cases/<slug:slug>/", views.case_detail, name="case_detail"),
    path("cases/<slug:slug>/quiz/", views.case_quiz, name="case_quiz"),
    path("cases/<slug:slug>/attempts/<int:pk>/", views.case_attempt, name="case_attempt"),
]
