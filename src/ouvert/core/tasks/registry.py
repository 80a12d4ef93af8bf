"""The registry of task functions: apps declare them with ``@task`` in their ``tasks.py``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_QUEUE = "default"


@dataclass(frozen=True)
class TaskDefinition:
    name: str
    func: Callable
    max_attempts: int = 3
    timeout: float | None = 3600.0
    queue: str = DEFAULT_QUEUE
    retry_delay: float = 10.0

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt + 1``: doubles each time, at most an hour."""
        return min(self.retry_delay * 2 ** max(attempt - 1, 0), 3600.0)


_tasks: dict[str, TaskDefinition] = {}
_lock = threading.Lock()
_discovered = False


def task(*, name: str, max_attempts: int = 3, timeout: float | None = 3600.0,
         queue: str = DEFAULT_QUEUE, retry_delay: float = 10.0):
    """Register a function as a background task under ``name`` (dotted: ``datastore.ingest``).

    The function is called as ``func(context, **kwargs)``: ``context`` is a
    :class:`~ouvert.core.tasks.context.TaskContext`, ``kwargs`` the JSON arguments given to
    ``enqueue``. Its return value (JSON) becomes the task's result; an exception fails the
    attempt, retried up to ``max_attempts`` in all. ``timeout`` is in seconds (``None``: none).
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")

    def decorator(func: Callable) -> Callable:
        definition = TaskDefinition(name, func, max_attempts, timeout, queue, retry_delay)
        with _lock:
            known = _tasks.get(name)
            # The same function seen twice (a module reloaded) is fine; two functions are not.
            if known and _origin(known.func) != _origin(func):
                raise ValueError(f"task name {name!r} is already registered by {_origin(known.func)}")
            _tasks[name] = definition
        func.task_name = name
        return func

    return decorator


def _origin(func: Callable) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def autodiscover() -> None:
    """Import every installed app's ``tasks`` module, once, so their tasks are registered."""
    global _discovered
    if _discovered:
        return
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("tasks")
    _discovered = True


def get(name: str) -> TaskDefinition | None:
    if name not in _tasks:
        autodiscover()
    return _tasks.get(name)


def resolve(name_or_func: str | Callable) -> TaskDefinition:
    name = name_or_func if isinstance(name_or_func, str) else getattr(name_or_func, "task_name", None)
    definition = get(name) if name else None
    if definition is None:
        raise LookupError(f"{name_or_func!r} is not a registered task (decorate it with @task)")
    return definition


def names() -> list[str]:
    autodiscover()
    return sorted(_tasks)


def queues() -> list[str]:
    """Every queue a registered task uses (a worker given no ``--queues`` serves them all)."""
    autodiscover()
    return sorted({DEFAULT_QUEUE} | {d.queue for d in _tasks.values()})


# --- periodic tasks ----------------------------------------------------------------------

@dataclass(frozen=True)
class PeriodicDefinition:
    name: str  # the registered task's name
    minutes: int
    kwargs: dict


_periodic: dict[str, PeriodicDefinition] = {}


def periodic(name_or_func: str | Callable, *, minutes: int, **kwargs) -> PeriodicDefinition:
    """Run the task ``name_or_func`` every ``minutes`` minutes with the JSON ``kwargs``.

    Call it from an app's ``AppConfig.ready()``. Workers queue each run once for the whole
    cluster, however many of them there are (``ouvert.core.tasks.schedule``); a run still
    queued when the next falls due is not doubled. Only workers run them: with the
    ``immediate`` back end (no worker), periodic tasks do not run.
    """
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    name = name_or_func if isinstance(name_or_func, str) else getattr(name_or_func, "task_name", None)
    if not name:
        raise LookupError(f"{name_or_func!r} is not a registered task (decorate it with @task)")
    if int(minutes) < 1:
        raise ValueError("a periodic task runs at most every minute")
    # Refused now rather than at each run: the arguments travel as JSON.
    kwargs = json.loads(json.dumps(kwargs, cls=DjangoJSONEncoder))
    definition = PeriodicDefinition(name, int(minutes), kwargs)
    with _lock:
        _periodic[name] = definition
    return definition


def unregister_periodic(name: str) -> None:
    with _lock:
        _periodic.pop(name, None)


def periodic_tasks() -> list[PeriodicDefinition]:
    with _lock:
        return sorted(_periodic.values(), key=lambda d: d.name)
