from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("signup/done/", views.signup_done, name="signup_done"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent/", views.password_reset_done, name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("password-reset/complete/", views.password_reset_complete, name="password_reset_complete"),
    path("me/", views.account, name="account"),
    path("me/password/", views.password_change, name="password_change"),
    path("me/password/done/", views.password_change_done, name="password_change_done"),
    path("me/tokens/", views.tokens, name="tokens"),
    path("organisations/new/", views.organisation_new, name="organisation_new"),
    path("organisations/<slug:name>/edit/", views.organisation_edit, name="organisation_edit"),
    path("organisations/<slug:name>/members/", views.members, name="members"),
]
