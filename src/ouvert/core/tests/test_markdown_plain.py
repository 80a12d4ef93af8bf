"""Excerpts of Markdown texts: the shortcut for plain prose and for long texts changes nothing."""

import re

import nh3
import pytest

from ouvert.core.markdown import _md, plain


def _full(text: str, limit: int = 200) -> str:
    stripped = re.sub(r"\s+", " ", nh3.clean(_md.render(text), tags=set())).strip()
    return stripped if len(stripped) <= limit else stripped[: limit - 1].rsplit(" ", 1)[0] + "…"


@pytest.mark.parametrize("text", [
    "Il faudrait publier ces données chaque semaine. Les gens pourraient s'en servir.",
    "Deux lignes\nici, avec des accents é à ç et « guillemets » — tiret ; question ?",
    "Coût : 1 700,50 $ par an (2023), soit 12 % de plus.",
    "**gras** et *italique*, `code` et [un lien](https://exemple.ca).",
    "- une liste\n- de deux points",
    "1. premier\n2. second",
    "# Un titre\n\nPuis un paragraphe.",
    "> Une citation\n\nEt la suite.",
    "a < b & c",
    "Publish the snow removal schedule every morning. " * 20,
])
def test_excerpt_is_the_text_of_the_rendered_markdown(text):
    assert plain(text) == _full(text)


def test_a_long_text_gives_the_excerpt_of_its_beginning():
    text = ("Un paragraphe avec du **gras** qui se répète pour faire un long texte.\n" * 500) + "Fin."
    assert plain(text) == _full(text)
    assert plain(text, 50).endswith("…") and len(plain(text, 50)) <= 50
