"""The test suite's pytest plugin, loaded by the root ``conftest.py`` (``pytest_plugins``).

It keeps the test helpers' former import paths, inside the ``ouvert`` package, working for
tests written against them: importing ``ouvert.core.testing`` gives ``tests.support.factories``
(the same module object, not a copy). New tests import ``tests.support``; delete an entry of
``MOVED`` once no test uses its old path.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys

#: Former import path → where the helpers are now.
MOVED = {
    "ouvert.core.testing": "tests.support.factories",
    "ouvert.core.tasks.testing": "tests.support.tasks",
    "ouvert.api.v1.testing": "tests.support.api",
}


class FormerPaths(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the modules of ``MOVED`` under their former names."""

    def find_spec(self, fullname, path=None, target=None):
        return importlib.util.spec_from_loader(fullname, self) if fullname in MOVED else None

    def create_module(self, spec):
        module = importlib.import_module(MOVED[spec.name])
        spec.loader_state = module.__spec__
        return module

    def exec_module(self, module):
        # The import system labelled the module with its former name's spec: give its own back.
        module.__spec__ = module.__spec__.loader_state


if not any(isinstance(finder, FormerPaths) for finder in sys.meta_path):
    sys.meta_path.append(FormerPaths())
