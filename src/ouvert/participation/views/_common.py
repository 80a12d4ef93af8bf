"""What the participation pages share: error translation, pagination, addresses, messages."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from ouvert.core.errors import DomainError, ValidationFailed
from ouvert.moderation import rules
from ouvert.moderation import services as moderation
from ouvert.moderation.models import Case
from ouvert.web.errors import domain_errors

PAGE_SIZE = 20

#: Why content is held, told to its author in plain words (the rules page explains each rule).
HELD_BECAUSE = {
    "personal_information": _("it seems to contain personal information (an e-mail address, a phone number, "
                              "a social insurance number or a street address)"),
    "spam": _("it looks like advertising or spam (links or repeated text)"),
    "language": _("it does not seem to be written in French or English"),
}
HELD_OTHERWISE = {
    Case.Reason.PREMODERATION: _("contributions from new accounts are reviewed before they appear"),
    Case.Reason.INTAKE: _("contributions received through another channel are reviewed before they appear"),
    Case.Reason.REVIEW: _("every submission to the showcase is reviewed before it appears"),
}


def held_reason(content) -> str:
    """Why ``content`` is held, from its open case: the first rule at stake, else the case reason."""
    case = moderation.open_case(content)
    if case is None:
        return str(_("a moderator will look at it"))
    for code in case.rules:
        if code in HELD_BECAUSE:
            return str(HELD_BECAUSE[code])
        if code in rules.BY_CODE:
            return rules.get(code).label().lower()
    return str(HELD_OTHERWISE.get(case.reason, _("a moderator will look at it")))


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def error_text(exc: DomainError) -> str:
    if isinstance(exc, ValidationFailed) and exc.fields:
        return " ".join(m for ms in exc.fields.values() for m in ms)
    return str(exc.message if hasattr(exc, "message") and exc.message else exc)


def refuse(request, exc: DomainError, to, *, status: int = 400):
    """A refusal: JSON for scripts, else a message and a redirect back (post/redirect/get)."""
    text = error_text(exc)
    if wants_json(request):
        return JsonResponse({"ok": False, "code": getattr(exc, "code", "error"), "message": text}, status=status)
    messages.error(request, text)
    return redirect(to)


def paginate(request, items, per_page: int = PAGE_SIZE) -> dict:
    """A page of ``items`` and the links the pagination component shows (other parameters kept)."""
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    return {"page_obj": page, **page_links(request, page.number, page.paginator.num_pages)}


def page_links(request, number: int, pages: int, *, param: str = "page", anchor: str = "") -> dict:
    def link(n):
        params = request.GET.copy()
        params[param] = n
        return f"{request.path}?{params.urlencode()}{anchor}"

    window = range(max(1, number - 2), min(pages, number + 2) + 1)
    return {
        "page": number, "pages": pages,
        "page_links": [{"number": n, "url": link(n), "current": n == number} for n in window],
        "previous_url": link(number - 1) if number > 1 else None,
        "next_url": link(number + 1) if number < pages else None,
    }


__all__ = ["HELD_BECAUSE", "domain_errors", "error_text", "held_reason", "page_links", "paginate", "refuse",
           "wants_json"]
