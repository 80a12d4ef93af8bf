"""Participation pages. Views are adapters: request → form → service → message and redirect."""

from . import challenges, consultations, contributions, ideas, reuses

__all__ = ["challenges", "consultations", "contributions", "ideas", "reuses"]
