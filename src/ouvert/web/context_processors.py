import re

from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info

_PREFIX = re.compile("^/(" + "|".join(code for code, _name in settings.LANGUAGES) + ")(?=/|$)")


def _other_language_url(path: str, code: str) -> str:
    url = translate_url(path, code)
    if url == path:  # not a known page (a 404): swap the language prefix
        url = _PREFIX.sub(f"/{code}", path, count=1) if _PREFIX.match(path) else f"/{code}/"
    return url


def site(request):
    current = (get_language() or settings.LANGUAGE_CODE)[:2]
    path = request.get_full_path()
    alternates = [
        {
            "code": code,
            "name": get_language_info(code)["name_local"],
            "url": path if code == current else _other_language_url(path, code),
            "current": code == current,
        }
        for code, _name in settings.LANGUAGES
    ]
    return {"SITE_URL": settings.SITE_URL, "language_alternates": alternates}
