"""Project-wide management commands: set-up, server, translations."""
