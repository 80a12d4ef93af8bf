"""Steps that ``ouvert bootstrap`` runs after its own (translations, migrations, static files).

A domain adds one from its ``AppConfig.ready()``::

    bootstrap.register("Demo catalog", load_demo, order=10)

``run(*, stdout, stream, verbosity, demo)`` does the step: ``stdout`` is the command's output
for its messages, ``stream`` the one to hand to nested commands (``call_command(...,
stdout=stream)``), ``demo`` is False under ``--no-demo`` (load no demonstration content). A step
must be idempotent: bootstrap runs at every start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    label: str
    run: Callable[..., None]
    order: int = 100


_steps: dict[str, Step] = {}


def register(label: str, run: Callable[..., None], *, order: int = 100) -> Step:
    """Run ``run`` as the bootstrap step ``label``; registering a label again replaces it."""
    step = Step(label, run, order)
    _steps[label] = step
    return step


def unregister(label: str) -> None:
    _steps.pop(label, None)


def steps() -> list[Step]:
    """The registered steps, in order (then in registration order)."""
    return sorted(_steps.values(), key=lambda step: step.order)
