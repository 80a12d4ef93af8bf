"""Validators shared by every domain."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# The short name of anything addressed by name in URLs and APIs (organisations, datasets, themes).
NAME_VALIDATOR = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]{1,99}$",
    _("Use 2 to 100 lowercase letters, digits, hyphens or underscores, starting with a letter or digit."),
)
