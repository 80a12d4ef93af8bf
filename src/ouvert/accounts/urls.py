from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import path

app_name = "accounts"


def _placeholder(request, *args, **kwargs):  # replaced by the real account screens
    return HttpResponse("")


urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", _placeholder, name="signup"),
    path("verify/<str:token>/", _placeholder, name="verify"),
    path("password-reset/", _placeholder, name="password_reset"),
    path("me/", _placeholder, name="account"),
    path("me/tokens/", _placeholder, name="tokens"),
    path("organisations/<slug:name>/members/", _placeholder, name="members"),
]
