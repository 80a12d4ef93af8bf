"""The checks every installation runs, registered when the moderation app is ready."""

from __future__ import annotations

from . import language, personal, register, spam


@register("personal", rule="personal_information")
def personal_information(submission):
    return sorted(personal.kinds(submission.text))


@register("spam", rule="spam")
def spam_signals(submission):
    return spam.signals(submission.text, recent_texts=submission.recent_texts, recent_count=submission.recent_count)


@register("language", rule="language")
def other_language(submission):
    detection = language.detect(submission.text)
    return [] if detection.accepted else [detection.language]
