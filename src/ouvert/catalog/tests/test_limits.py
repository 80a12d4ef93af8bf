"""A dataset's limits are the model's: validation, the forms and the importer read them there."""

import pytest

from ouvert.accounts.models import Organisation
from ouvert.catalog.forms import DatasetForm, ResourceForm
from ouvert.catalog.importers.ckan import TITLE_LENGTH
from ouvert.catalog.models import Dataset, Resource
from ouvert.catalog.validation import clean_dataset, clean_resource
from ouvert.core.errors import ValidationFailed
from ouvert.core.validation import max_length

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field", ["name", "title_fr", "title_en", "spatial", "contact_name", "version"])
def test_the_dataset_form_takes_its_limits_from_the_model(field):
    form = DatasetForm(organisations=Organisation.objects.none())
    assert form.fields[field].widget.attrs["maxlength"] == Dataset._meta.get_field(field).max_length


def test_the_resource_form_takes_its_limits_from_the_model():
    form = ResourceForm()
    for field in ("title_fr", "title_en", "format"):
        assert form.fields[field].widget.attrs["maxlength"] == Resource._meta.get_field(field).max_length


@pytest.mark.parametrize("field", ["title_fr", "title_en", "spatial", "contact_name", "version"])
def test_validation_refuses_one_character_more_than_the_model_holds(field):
    limit = max_length(Dataset, field)
    data = {"name": "limites", "title_fr": "Titre"}
    assert clean_dataset({**data, field: "a" * limit})[field] == "a" * limit
    with pytest.raises(ValidationFailed) as exc:
        clean_dataset({**data, field: "a" * (limit + 1)})
    assert list(exc.value.fields) == [field]


def test_resource_titles_and_the_importer_use_the_same_limit():
    limit = max_length(Resource, "title_en")
    with pytest.raises(ValidationFailed):
        clean_resource({"url": "https://example.org/a.csv", "title_en": "a" * (limit + 1)})
    assert TITLE_LENGTH == max_length(Dataset, "title_fr")
