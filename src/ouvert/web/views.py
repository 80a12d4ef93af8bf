"""The home page. Catalog pages live in ``ouvert.catalog.views``."""

from __future__ import annotations

from django.shortcuts import render

from ouvert.accounts.models import Organisation
from ouvert.catalog import services
from ouvert.catalog.models import Theme
from ouvert.core.models import State


def home(request):
    published = services.published_datasets(actor=request.user)
    latest = published.select_related("organisation").order_by("-published", "-modified")[:6]
    return render(request, "web/home.html", {
        "latest": latest,
        "counts": {
            "datasets": published.count(),
            "organisations": Organisation.objects.exclude(state=State.DELETED).count(),
            "themes": Theme.objects.count(),
        },
        "themes": Theme.objects.all()[:12],
    })
