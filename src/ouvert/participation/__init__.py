"""Participation: challenges that point to the data, ideas, votes, comments, consultations,
the showcase of reuses, and the moderation that keeps them within the published rules."""
