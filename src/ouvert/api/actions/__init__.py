"""The actions, by domain. Importing this package registers them all."""

from . import misc, organization, package, resource, search  # noqa: F401
