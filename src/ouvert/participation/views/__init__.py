"""Participation pages. Views are adapters: request → form → service → message and redirect."""

from . import challenges, consultations, ideas, moderation, reuses

__all__ = ["challenges", "consultations", "ideas", "moderation", "reuses"]
