"""What of a dataset is searchable, how much each part weighs, and what search filters on."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import lru_cache

from .analysis import analyse, fold

# Fields, from heaviest to lightest. A dataset whose ``title`` field holds every query word
# ranks above any dataset that holds them elsewhere; the weights order the rest.
FIELDS = ("title", "body", "extra")

# Bounds the index entry of a dataset with a huge description; both back ends get the same cut.
MAX_TERMS_PER_FIELD = 20_000

# Facets and the dataset values they count; several values per dataset for the last three.
FACETS = ("organisation", "theme", "tag", "format", "licence")
MAX_FACET_VALUE = 300


@dataclass(frozen=True)
class Document:
    """The analysed terms of one dataset, per field (see ``FIELDS``), with the attributes and
    facet values that searches filter, sort and count on without reading the catalog."""

    dataset_id: object
    title: list[str]
    body: list[str]
    extra: list[str]
    # Column -> value: state, private, organisation_id, created_by_id, licence_id, name,
    # sort_title_fr, sort_title_en, created, modified.
    attributes: dict = field(default_factory=dict)
    facets: list[tuple[str, str]] = field(default_factory=list)  # (facet, value), no duplicates
    # The dataset's ``revision`` when it was read (``ouvert.catalog.revisions``), and the distinct
    # terms of its resources (the end of ``extra``; None when ``extra`` was cut): with them, the
    # entry of a dataset given new resources is brought up to date by adding to it
    # (``ouvert.catalog.search.index_new_resources``).
    revision: int | None = None
    resource_terms: tuple[str, ...] | None = None

    def fields(self) -> dict[str, list[str]]:
        return {name: getattr(self, name) for name in FIELDS}


def _bilingual(obj, field: str) -> list[str]:
    return analyse(getattr(obj, f"{field}_fr", ""), "fr") + analyse(getattr(obj, f"{field}_en", ""), "en")


@dataclass
class Source:
    """What a document is made of, read from model instances (``build_document``) or straight
    from rows in bulk (``ouvert.catalog.search.bulk``): the dataset, its organisation, tags
    ``(name, language)`` and theme names in name order, and resources in display order."""

    dataset: object  # anything with the Dataset fields read below
    organisation: object  # name, title_fr, title_en
    tags: list[tuple[str, str]]
    themes: list[str]
    resources: list  # title_fr, title_en, description_fr, description_en, format, filename


def build_document(dataset) -> Document:
    """Analyse a dataset, its tags, organisation and resources into one index entry."""
    return document_from(Source(
        dataset=dataset,
        organisation=dataset.organisation,
        tags=[(tag.name, tag.language) for tag in dataset.tags.all()],
        themes=[theme.name for theme in dataset.themes.all()],
        resources=list(dataset.resources.all()),
    ))


@lru_cache(maxsize=20_000)
def _resource_terms(title_fr: str, title_en: str, description_fr: str, description_en: str, format: str,
                    filename: str) -> tuple[str, ...]:
    """The terms of one resource. Kept per text: a change to one resource of a dataset with
    hundreds re-analyses that one alone, so re-indexing costs little more than reading rows."""
    return tuple(analyse(title_fr, "fr") + analyse(title_en, "en") + analyse(description_fr, "fr")
                 + analyse(description_en, "en") + analyse(format) + analyse(filename))


def resource_terms(resources) -> tuple[str, ...]:
    """The distinct terms of ``resources``, in the order they first appear.

    Each counts once in an entry: a dataset is about what its resources are about, not about
    how many there are (two hundred monthly files named "Budget" would otherwise outweigh a
    title), and its entry grows with their vocabulary rather than their number."""
    return tuple(dict.fromkeys(itertools.chain.from_iterable(
        _resource_terms(resource.title_fr, resource.title_en, resource.description_fr, resource.description_en,
                        resource.format, resource.filename)
        for resource in resources)))


def format_facets(resources) -> list[tuple[str, str]]:
    """The ``format`` facet values of ``resources``, in their order (duplicates left in)."""
    return [("format", resource.format[:MAX_FACET_VALUE]) for resource in resources if resource.format]


def document_from(source: Source) -> Document:
    dataset = source.dataset
    title = _bilingual(dataset, "title")
    for name, language in source.tags:
        title += analyse(name, language)
    body = _bilingual(dataset, "description") + analyse(dataset.spatial)
    extra = _bilingual(source.organisation, "title") + analyse(dataset.name)
    resources = resource_terms(source.resources)
    extra += resources
    facets = [("organisation", source.organisation.name)]
    facets += [("theme", name) for name in source.themes]
    facets += [("tag", name) for name, _language in source.tags]
    facets += format_facets(source.resources)
    if dataset.licence_id:
        facets.append(("licence", dataset.licence_id))
    return Document(
        dataset_id=dataset.pk,
        title=title[:MAX_TERMS_PER_FIELD],
        body=body[:MAX_TERMS_PER_FIELD],
        extra=extra[:MAX_TERMS_PER_FIELD],
        attributes={
            "state": dataset.state,
            "private": bool(dataset.private),
            "organisation_id": dataset.organisation_id,
            "created_by_id": dataset.created_by_id,
            "licence_id": dataset.licence_id or None,
            "name": dataset.name,
            "sort_title_fr": fold(dataset.title_fr.strip())[:MAX_FACET_VALUE],
            "sort_title_en": fold(dataset.title_en.strip())[:MAX_FACET_VALUE],
            "created": dataset.created,
            "modified": dataset.modified,
        },
        facets=list(dict.fromkeys((facet, value[:MAX_FACET_VALUE]) for facet, value in facets if value)),
        revision=getattr(dataset, "revision", None),
        resource_terms=resources if len(extra) <= MAX_TERMS_PER_FIELD else None,
    )
