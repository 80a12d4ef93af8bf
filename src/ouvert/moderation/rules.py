"""The participation rules: a published code list, bilingual, that every moderation decision cites.

Labels and explanations are stored in both official languages here (not in the translation
catalogues) because they are the text of the rules themselves: the rules page, the moderation
queue and the e-mails to authors all quote these exact words.
"""

from __future__ import annotations

from dataclasses import dataclass

from ouvert.core.i18n import current_language


@dataclass(frozen=True)
class Rule:
    code: str
    label_fr: str
    label_en: str
    explanation_fr: str
    explanation_en: str

    def label(self, language: str | None = None) -> str:
        return self.label_en if (language or current_language()) == "en" else self.label_fr

    def explanation(self, language: str | None = None) -> str:
        return self.explanation_en if (language or current_language()) == "en" else self.explanation_fr


RULES: tuple[Rule, ...] = (
    Rule(
        "personal_information",
        "Renseignements personnels",
        "Personal information",
        "Ne publiez pas de renseignements personnels, les vôtres ou ceux d'autrui : adresse "
        "courriel, numéro de téléphone, numéro d'assurance sociale, adresse civique.",
        "Do not publish personal information, yours or anyone else's: e-mail address, phone "
        "number, social insurance number, street address.",
    ),
    Rule(
        "hate",
        "Propos racistes, haineux, sexistes, homophobes ou diffamatoires",
        "Racist, hateful, sexist, homophobic or defamatory content",
        "Les propos racistes, haineux, sexistes, homophobes ou diffamatoires sont retirés.",
        "Racist, hateful, sexist, homophobic or defamatory content is removed.",
    ),
    Rule(
        "threats",
        "Menaces ou harcèlement",
        "Threats or harassment",
        "Les menaces, l'intimidation et le harcèlement envers quiconque sont interdits.",
        "Threats, intimidation and harassment of anyone are not allowed.",
    ),
    Rule(
        "illegal",
        "Contenu illégal",
        "Illegal content",
        "Tout contenu contraire à la loi, ou qui incite à l'enfreindre, est retiré.",
        "Content that breaks the law, or encourages others to, is removed.",
    ),
    Rule(
        "spam",
        "Publicité et pourriel",
        "Advertising and spam",
        "La publicité, la sollicitation et les messages répétés ou automatisés sont retirés.",
        "Advertising, solicitation and repeated or automated messages are removed.",
    ),
    Rule(
        "impersonation",
        "Usurpation d'identité",
        "Impersonation",
        "Ne vous faites pas passer pour une autre personne ou pour une organisation.",
        "Do not pretend to be another person or an organisation.",
    ),
    Rule(
        "language",
        "Langue autre que le français ou l'anglais",
        "A language other than French or English",
        "Les contributions sont rédigées en français ou en anglais, les langues officielles.",
        "Contributions are written in French or English, the official languages.",
    ),
)

BY_CODE = {rule.code: rule for rule in RULES}
CODES = tuple(BY_CODE)
CHOICES = [(rule.code, rule.label_en) for rule in RULES]


def get(code: str) -> Rule:
    """The rule with this code; KeyError for an unknown code."""
    return BY_CODE[code]
