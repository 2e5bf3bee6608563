from django.urls import path

from accounts import views, views_team

urlpatterns = [
    path("", views.account, name="account"),
    path("two-factor/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/set-up/", views.two_factor_enrol, name="two_factor_enrol"),
    path("recovery-codes/", views.recovery_codes, name="account_recovery_codes"),
    path("sign-out-everywhere/", views.sign_out_everywhere, name="account_sign_out_everywhere"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.auth_views.PasswordResetDoneView.as_view(
        template_name="accounts/password_reset_done.html"), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password/reset/done/", views.auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"), name="password_reset_complete"),
    path("team/", views_team.team, name="team"),
    path("team/new/", views_team.member_new, name="team_member_new"),
    path("team/<int:pk>/", views_team.member, name="team_member"),
    path("team/<int:pk>/role/", views_team.member_role, name="team_member_role"),
    path("team/<int:pk>/active/", views_team.member_active, name="team_member_active"),
    path("team/<int:pk>/second-factor/", views_team.member_second_factor, name="team_member_second_factor"),
    path("team/<int:pk>/invite/", views_team.member_invite, name="team_member_invite"),
    path("team/<int:pk>/sign-out/", views_team.member_sign_out, name="team_member_sign_out"),
]
