from django.urls import path

from screening import views, views_intake, views_pdf, views_screenings

urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("rules/", views.ruleset_page, name="ruleset"),
    path("intake/blank/", views.intake_blank, name="intake_blank"),
    path("intake/blank.pdf", views_pdf.intake_blank_pdf, name="intake_blank_pdf"),
    path("screenings/", views_screenings.screening_list, name="screening_list"),
    path("screenings/new/", views_screenings.screening_new, name="screening_new"),
    path("screenings/live/", views_intake.live_assessment, name="live_assessment"),
    path("screenings/drafts/save/", views_intake.draft_save, name="draft_save"),
    path("screenings/drafts/<uuid:key>/", views_intake.draft_resume, name="draft_resume"),
    path("screenings/drafts/<uuid:key>/discard/", views_intake.draft_discard, name="draft_discard"),
    path("session/keep-alive/", views_intake.keep_alive, name="keep_alive"),
    path("screenings/<int:pk>/", views_screenings.screening_detail, name="screening_detail"),
    path("screenings/<int:pk>/edit/", views_screenings.screening_edit, name="screening_edit"),
    path("screenings/<int:pk>/erase/", views_screenings.screening_erasure, name="screening_erase"),
    path("screenings/<int:pk>/compare/", views_screenings.revision_compare, name="revision_diff"),
    path("screenings/<int:pk>/r/<int:number>/", views_screenings.screening_detail, name="revision_detail"),
    path("screenings/<int:pk>/r/<int:number>/acknowledge/", views_screenings.acknowledge, name="acknowledge"),
    path("screenings/<int:pk>/r/<int:number>/export/", views_screenings.revision_export, name="revision_export"),
    path("screenings/<int:pk>/r/<int:number>/record.pdf", views_pdf.revision_record, name="revision_pdf"),
    path("screenings/<int:pk>/r/<int:number>/handout.pdf", views_pdf.revision_handout, name="revision_handout"),
    path("audit/", views_screenings.audit_log, name="audit_log"),
    path("audit/export.csv", views_screenings.audit_export, name="audit_export"),
    path("rules/impact/", views_screenings.ruleset_impact_page, name="ruleset_impact"),
]
