from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from ouvert.accounts.views import organisation_logo

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("ouvert.api.urls")),
    # One address for a logo in every language, so that pages and the APIs share it.
    path("organisations/<slug:name>/logo", organisation_logo, name="organisation_logo"),
]

urlpatterns += i18n_patterns(
    path("accounts/", include("ouvert.accounts.urls")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("ouvert.datastore.urls")),
    path("", include("ouvert.moderation.urls")),
    path("", include("ouvert.participation.urls")),
    path("", include("ouvert.notifications.urls")),
    path("", include("ouvert.web.urls")),
    prefix_default_language=True,
)
