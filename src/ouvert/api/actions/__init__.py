"""The actions, by domain. Importing this package registers them all."""

from . import datastore, misc, organization, package, resource, search  # noqa: F401
