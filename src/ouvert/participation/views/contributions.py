"""An author's own contributions, whether they are shown, and the reasons for the moderation
decisions on them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ouvert.moderation import rules
from ouvert.moderation import services as moderation

from ..models import Comment, Idea, Reuse
from ._common import held_reason


@login_required
def my_contributions(request):
    user = request.user
    ideas = list(Idea.objects.filter(author=user).select_related("challenge").order_by("-created")[:200])
    comments = list(Comment.objects.filter(author=user).select_related("idea", "idea__challenge")
                    .order_by("-created")[:200])
    reuses = list(Reuse.objects.filter(author=user).order_by("-created")[:200])
    notices = moderation.notices_for(user, actor=user)
    decisions = moderation.latest_decisions([*ideas, *comments, *reuses])

    def explain(content):
        decision = decisions.get(content.pk)
        if decision is None:
            return None
        rule = rules.BY_CODE.get(decision.rule)
        return {"decision": decision, "rule": rule.label() if rule else "",
                "explanation": rule.explanation() if rule else "", "note": decision.note}

    return render(request, "participation/my_contributions.html", {
        "held_reasons": {c.pk: held_reason(c) for c in [*ideas, *comments, *reuses] if c.moderation == "held"},
        "ideas": [(i, explain(i)) for i in ideas], "comments": [(c, explain(c)) for c in comments],
        "reuses": [(r, explain(r)) for r in reuses], "notices": notices,
    })
