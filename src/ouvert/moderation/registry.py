"""The registry of moderated content types.

A domain registers each model it wants moderated in its ``AppConfig.ready()``::

    from ouvert import moderation

    moderation.register(
        Idea, organisation=lambda idea: idea.challenge.organisation, author_field="author",
        text=lambda idea: idea.body, title=lambda idea: idea.title,
        url=lambda idea: reverse("participation:idea", args=[idea.challenge.name, idea.pk]),
    )

The model needs a ``moderation`` field holding a :class:`~ouvert.moderation.models.Moderation`
state, and usually ``channel``, ``created`` and the author fields of
:class:`~ouvert.moderation.models.ModeratedContent`. Flags, cases, decisions and notices then
work for it through generic relations, and the queue and the log show it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.text import capfirst, format_lazy


@dataclass(frozen=True)
class ModeratedType:
    model: type
    #: A short code, stable: the queue's "kind" filter and the API use it (``idea``).
    kind: str
    #: What the queue writes before the content's title ("Idea:") and the kind's plural ("Ideas").
    label: Any
    plural: Any
    #: The organisation whose moderators answer for an object (None: sysadmins only).
    organisation: Callable[[Any], Any]
    #: The words the automatic checks read and the queue quotes (Markdown).
    text: Callable[[Any], str]
    #: A short title for the queue, the log and the notice sent to the author.
    title: Callable[[Any], str]
    url: Callable[[Any], str]
    author_field: str = "author"
    #: What the log shows (default: the title).
    summary: Callable[[Any], str] | None = None
    #: The title in a given language for the author's notice (default: the title).
    notice_title: Callable[[Any, str], str] | None = None
    #: The field compared with an author's recent posts (repetition, rate); None: not compared.
    history_field: str | None = None
    #: Called inside the deciding transaction after the state changed: ``(obj, before, after)``.
    on_change: Callable[[Any, str, str], None] | None = None
    #: A template quoting the content in the queue (default: its text as Markdown).
    quote_template: str = ""
    #: Relations the queue and the log read with each object.
    select_related: tuple[str, ...] = field(default_factory=tuple)
    #: What the log writes before the summary (default: ``label``).
    log_label: Any = None

    def summary_of(self, obj) -> str:
        return (self.summary or self.title)(obj)

    def log_label_text(self):
        return self.log_label if self.log_label is not None else self.label

    def title_for(self, obj, language: str) -> str:
        return self.notice_title(obj, language) if self.notice_title else self.title(obj)

    def author_of(self, obj):
        return getattr(obj, self.author_field, None)

    def recent_texts(self, author, *, since) -> list[tuple[str, Any]]:
        """(text, created) of ``author``'s posts of this type since ``since``."""
        if not self.history_field or author is None:
            return []
        rows = self.model._default_manager.filter(**{self.author_field: author, "created__gte": since})
        return list(rows.values_list(self.history_field, "created")[:200])


_types: dict[type, ModeratedType] = {}


def register(model: type, *, organisation: Callable, text: Callable, url: Callable, kind: str | None = None,
             label=None, plural=None, title: Callable = str, **options) -> ModeratedType:
    """Moderate ``model``'s objects; see :class:`ModeratedType` for the options.

    ``kind`` defaults to the model's name, ``label`` to its verbose name and a colon, ``plural``
    to its plural verbose name, ``title`` to ``str(obj)``.
    """
    meta = model._meta
    names = {f.name for f in meta.get_fields()}
    for needed in ("moderation", options.get("author_field", "author")):
        if needed not in names:
            raise ValueError(f"{model.__name__} has no {needed!r} field: it cannot be moderated")
    kind = kind or meta.model_name
    label = label if label is not None else format_lazy("{}:", capfirst(meta.verbose_name))
    plural = plural if plural is not None else capfirst(meta.verbose_name_plural)
    for known in _types.values():
        if known.kind == kind and known.model is not model:
            raise ValueError(f"moderated kind {kind!r} is already registered for {known.model.__name__}")
    moderated = ModeratedType(model=model, kind=kind, label=label, plural=plural, organisation=organisation,
                              text=text, title=title, url=url, **options)
    _types[model] = moderated
    return moderated


def unregister(model: type) -> None:
    _types.pop(model, None)


def for_model(model: type) -> ModeratedType:
    """The registration of ``model`` (or of a model it derives from); LookupError otherwise."""
    for klass in getattr(model, "__mro__", (model,)):
        if klass in _types:
            return _types[klass]
    raise LookupError(f"{getattr(model, '__name__', model)!r} is not a moderated content type")


def of(obj) -> ModeratedType:
    return for_model(type(obj))


def by_kind(kind: str) -> ModeratedType | None:
    return next((t for t in _types.values() if t.kind == kind), None)


def types() -> list[ModeratedType]:
    return list(_types.values())
