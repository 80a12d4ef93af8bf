"""Helpers of the test suite, kept out of the ``ouvert`` package (production code never
imports them): ``factories`` (test data made through the services), ``api`` (a client for the
native API), ``tasks`` (tasks for the task back ends' tests), ``databases`` (a database shared
by threads or processes), and ``plugin`` (the pytest plugin the root ``conftest.py`` loads).

The repository's root is on ``sys.path`` whenever pytest runs (the root ``conftest.py`` puts
it there), so ``from tests.support.factories import make_dataset`` works from a fresh clone;
the benchmarks put it there themselves.
"""
