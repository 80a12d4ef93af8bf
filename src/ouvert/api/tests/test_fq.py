"""The fq / sort parser: what CKAN clients send, and clear errors for the rest."""

import datetime as dt

import pytest
from django.utils import translation

from ouvert.api.errors import SearchQueryError
from ouvert.api.fq import parse_datetime, parse_fq, parse_sort


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_terms_quotes_groups_and_negation():
    clauses = parse_fq('organization:alpha +tags:"two words" -groups:env res_format:(CSV OR "GEO JSON") NOT name:x')
    assert [(c.field, c.values, c.negated) for c in clauses] == [
        ("organization", ("alpha",), False), ("tags", ("two words",), False), ("groups", ("env",), True),
        ("res_format", ("CSV", "GEO JSON"), False), ("name", ("x",), True)]


def test_and_between_clauses_and_match_all():
    assert [c.field for c in parse_fq("*:* AND organization:a && tags:b")] == ["organization", "tags"]
    assert parse_fq("") == [] and parse_fq("*:*") == []


def test_escapes():
    assert parse_fq(r'tags:a\ b name:"say \"hi\""')[0].values == ("a b",)
    assert parse_fq(r'tags:a\ b name:"say \"hi\""')[1].values == ('say "hi"',)


def test_ranges():
    (clause,) = parse_fq("metadata_modified:[2020-01-01T00:00:00.000000Z TO *]")
    assert clause.low == dt.datetime(2020, 1, 1, tzinfo=dt.UTC) and clause.high is None and clause.include_low
    (clause,) = parse_fq("metadata_created:{2020-01-01T00:00:00Z TO NOW}")
    assert not clause.include_low and not clause.include_high and clause.high is not None
    (clause,) = parse_fq("-metadata_modified:[* TO NOW-7DAYS]")
    assert clause.negated and clause.low is None
    assert parse_datetime("2021-05-06T07:08:09.123456") == dt.datetime(2021, 5, 6, 7, 8, 9, 123456, tzinfo=dt.UTC)


@pytest.mark.parametrize("text, problem", [
    ("organization", "expected field:value"),
    ("colour:red", "unknown field “colour”"),
    ('tags:"open', "not closed"),
    ("tags:(a b)", "separate the values"),
    ("tags:(a OR b", "not closed"),
    ("tags:()", "empty parentheses"),
    ("metadata_modified:[2020-01-01 TO]", "bound is missing"),
    ("metadata_modified:[yesterday TO *]", "not a date"),
    ("metadata_modified:[2020-01-01T00:00:00Z *]", "expected TO"),
    ("metadata_modified:[2020-01-01T00:00:00Z TO *", "not closed"),
    ("metadata_modified:2020", "with a range"),
    ("name:[a TO b]", "ranges are only supported"),
    ("tags:", "has no value"),
    ("tags:a OR tags:b", "OR between clauses"),
    ("tags:a AND", "nothing follows AND"),
    ("-*:*", "exclude everything"),
])
def test_broken_syntax_says_what_and_where(text, problem):
    with pytest.raises(SearchQueryError) as raised:
        parse_fq(text)
    assert problem in raised.value.message
    assert "character" in raised.value.message


def test_sort():
    assert parse_sort("score desc, metadata_modified desc") == [("score", True), ("metadata_modified", True)]
    assert parse_sort("id asc") == [("id", False)]
    assert parse_sort("") == []
    for bad in ("name", "name up", "colour asc", "name asc desc"):
        with pytest.raises(SearchQueryError):
            parse_sort(bad)
