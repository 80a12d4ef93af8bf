"""What of a dataset is searchable, and how much each part weighs."""

from __future__ import annotations

from dataclasses import dataclass

from .analysis import analyse

# Fields, from heaviest to lightest. A dataset whose ``title`` field holds every query word
# ranks above any dataset that holds them elsewhere; the weights order the rest.
FIELDS = ("title", "body", "extra")

# Bounds the index entry of a dataset with a huge description; both back ends get the same cut.
MAX_TERMS_PER_FIELD = 20_000


@dataclass(frozen=True)
class Document:
    """The analysed terms of one dataset, per field (see ``FIELDS``)."""

    dataset_id: object
    title: list[str]
    body: list[str]
    extra: list[str]

    def fields(self) -> dict[str, list[str]]:
        return {name: getattr(self, name) for name in FIELDS}


def _bilingual(obj, field: str) -> list[str]:
    return analyse(getattr(obj, f"{field}_fr", ""), "fr") + analyse(getattr(obj, f"{field}_en", ""), "en")


def build_document(dataset) -> Document:
    """Analyse a dataset, its tags, organisation and resources into one index entry."""
    title = _bilingual(dataset, "title")
    for tag in dataset.tags.all():
        title += analyse(tag.name, tag.language)
    body = _bilingual(dataset, "description") + analyse(dataset.spatial)
    extra = _bilingual(dataset.organisation, "title") + analyse(dataset.name)
    for resource in dataset.resources.all():
        extra += _bilingual(resource, "title") + _bilingual(resource, "description")
        extra += analyse(resource.format) + analyse(resource.filename)
    return Document(
        dataset_id=dataset.pk,
        title=title[:MAX_TERMS_PER_FIELD],
        body=body[:MAX_TERMS_PER_FIELD],
        extra=extra[:MAX_TERMS_PER_FIELD],
    )
