"""Which language a short text is written in, enough to tell French and English from the other
languages people most often write in here (Spanish, Portuguese, Italian, German, Dutch).

No dependency and no model to download: each language has a profile of its function words
(articles, pronouns, prepositions, auxiliaries: the words every sentence needs) and of
character sequences that mark its spelling (``ñ``, ``ção``, ``zione``, ``sch``, ``eau``).
A word shared by several languages counts for each in proportion. Texts mixing French and
English are French or English, both accepted; a text too short to tell is not judged.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

ACCEPTED = ("fr", "en")

_WORDS = {
    "fr": """le la les l un une des du de d au aux et ou mais donc car ni que qu qui quoi dont où ce cet
        cette ces c se s sa son ses leur leurs notre nos votre vos mon ma mes ton ta tes je j me m
        tu te t il ils elle elles on nous vous y en ne n pas plus est sont était étaient être été
        avoir ai as avons avez ont avait fait faire peut peuvent doit doivent faut dans sur sous
        avec sans pour par chez entre vers depuis pendant aussi très bien tout tous toute toutes
        même comme si alors ici là déjà encore toujours jamais rien chaque autre autres quand
        comment pourquoi beaucoup peu moins trop selon afin cela ça celui celle ceux lui eux
        quartier ville rue gens idée merci bonjour serait pourrait devrait aurait nouveau nouvelle""",
    "en": """the a an and or but so nor that which who whom whose what where when why how this these
        those it its is are was were be been being have has had do does did will would shall
        should can could may might must not no of to in on at by for with without from into onto
        about over under after before between through during than then there here their theirs
        they them he she his her him we us our you your i me my mine all any some each every
        more most less many much very also just only even still again such own same other
        people city street idea thanks hello please new neighbourhood neighborhood would""",
    "es": """el la los las un una unos unas y o pero que qué quien quién cual cuál donde dónde cuando
        cuándo como cómo de del al en con sin por para sobre entre hasta desde hacia según es son
        era eran fue ser estar está están estaba hay ha han había he hemos tiene tienen tener
        hacer hace puede pueden debe deben muy más menos también tampoco ya todavía siempre nunca
        nada todo todos toda todas cada otro otra otros otras este esta estos estas ese esa eso
        aquel lo le les se su sus mi mis tu tus nuestro nuestra yo tú él ella ellos ellas nosotros
        usted ustedes porque aunque si sí no bien ciudad calle gente barrio gracias hola nuevo""",
    "pt": """o a os as um uma uns umas e ou mas que quem qual onde quando como de do da dos das ao
        aos à às em no na nos nas num numa com sem por pelo pela pelos pelas para sobre entre até
        desde é são era eram foi ser estar está estão estava há tem têm ter fazer faz pode podem
        deve devem muito mais menos também já ainda sempre nunca nada tudo todo todos toda todas
        cada outro outra outros outras este esta estes estas esse essa isso aquele ele ela eles
        elas você vocês nós eu meu minha seu sua seus suas nosso nossa lhe se não sim porque
        embora bem cidade rua gente bairro obrigado obrigada olá novo nova""",
    "it": """il lo la i gli le un uno una e ed o ma che chi cui dove quando come di del dello della
        dei degli delle a al allo alla ai agli alle da dal dalla dai in nel nello nella nei negli
        nelle con su sul sulla per tra fra senza è sono era erano essere stato stata ha hanno
        aveva avere fare fa può possono deve devono molto più meno anche già ancora sempre mai
        niente tutto tutti tutta tutte ogni altro altra altri altre questo questa questi queste
        quello quella ci si suo sua suoi sue mio mia io tu lui lei noi voi loro non sì perché
        anche se bene città strada gente quartiere grazie ciao nuovo nuova""",
    "de": """der die das den dem des ein eine einen einem einer eines und oder aber denn dass daß
        wer was wo wann wie warum von vom zu zum zur im in an am auf aus bei mit nach seit ohne
        für über unter zwischen durch gegen ist sind war waren sein gewesen hat haben hatte wird
        werden wurde kann können muss müssen soll sollte sehr mehr weniger auch schon noch immer
        nie nichts alles alle jeder jede jedes andere dieser diese dieses er sie es wir ihr ich
        du mich mir dich dir uns euch sich sein seine ihre unser nicht kein keine ja nein weil
        wenn gut stadt straße strasse leute viertel danke hallo neu neue neuen""",
    "nl": """de het een en of maar dat die wie wat waar wanneer hoe waarom van in op aan met voor door
        naar bij uit over onder tussen zonder is zijn was waren wordt worden werd heeft hebben
        had kan kunnen moet moeten zal zou zeer veel meer minder ook al nog altijd nooit niets
        alles alle elke andere deze dit ze zij hij wij jij ik je mij me ons hun haar zijn niet
        geen ja nee omdat als goed stad straat mensen buurt bedankt hallo nieuw nieuwe""",
}

# Spelling marks: character sequences far more frequent in one language than in the others.
_MARKS = {
    "fr": ["é", "è", "ê", "à", "ù", "ç", "œ", "eau", "aux", "oux", "qu'", "l'", "d'", "n'", "j'", "c'",
           "ée", "ées", "ement", "ier", "oir", "eux", "euse", "ais", "ait"],
    "en": ["th", "wh", "ing", "ght", "'s", "n't", "ould", "ough", "ly ", "ness", "ship", "w", "k"],
    "es": ["ñ", "¿", "¡", "ción", "ciones", "dad", "ll", "ía", "ío", "ue", "os ", "ado", "ido", "á", "í", "ó", "ú"],
    "pt": ["ã", "õ", "ção", "ções", "nh", "lh", "ê", "ô", "á", "ú", "ões", "ão", "ado", "ido", "mente"],
    "it": ["zione", "zioni", "gli", "gn", "zz", "cch", "cci", "ggi", "ò", "ì", "à", "ù", "ettu", "tt", "ll"],
    "de": ["ß", "ä", "ö", "ü", "sch", "ung", "ich", "cht", "ei", "ie", "tz", "ck", "k", "w", "z"],
    "nl": ["ij", "oo", "ee", "aa", "uu", "sch", "cht", "ijk", "lijk", "gen", "w", "k", "z"],
}
_MARK_WEIGHT = 0.12

_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.U)


def _word_weights() -> dict[str, dict[str, float]]:
    owners: dict[str, set[str]] = {}
    for lang, words in _WORDS.items():
        for word in words.split():
            owners.setdefault(word, set()).add(lang)
    return {word: {lang: 1.0 / len(langs) for lang in langs} for word, langs in owners.items()}


_WEIGHTS = _word_weights()


@dataclass(frozen=True)
class Detection:
    language: str  # a code from _WORDS, or "und" when the text is too short or unclear
    scores: dict[str, float]
    confident: bool

    @property
    def accepted(self) -> bool:
        """French, English, or not enough to tell: only a clear other language is refused."""
        return not self.confident or self.language in ACCEPTED


def _tokens(text: str) -> list[str]:
    words = []
    for token in _TOKEN.findall(text.lower().replace("’", "'")):
        # French elisions: "l'eau" counts "l" and "eau"; English "don't" stays whole.
        if "'" in token and token.split("'")[0] in {"l", "d", "j", "m", "n", "s", "t", "c", "qu"}:
            head, tail = token.split("'", 1)
            words.extend([head, tail])
        else:
            words.append(token)
    return words


def detect(text: str | None) -> Detection:
    text = _strip_noise(text or "")
    words = _tokens(text)
    scores: Counter[str] = Counter({lang: 0.0 for lang in _WORDS})
    hits = 0
    for word in words:
        weights = _WEIGHTS.get(word)
        if weights:
            hits += 1
            for lang, weight in weights.items():
                scores[lang] += weight
    raw = text.lower().replace("’", "'")
    for lang, marks in _MARKS.items():
        for mark in marks:
            scores[lang] += _MARK_WEIGHT * raw.count(mark)
    ranked = scores.most_common()
    best, best_score = ranked[0]
    runner_up = ranked[1][1]
    confident = hits >= 3 and len(words) >= 4 and best_score >= 1.5 and best_score > runner_up * 1.15
    if best not in ACCEPTED:
        # Mixed French and English is welcome: judge a text as another language only when
        # that language clearly outweighs French and English put together.
        official = scores["fr"] + scores["en"]
        confident = confident and best_score > official * 1.2
    return Detection(best if confident or best in ACCEPTED else "und", dict(scores), confident)


_URL = re.compile(r"https?://\S+|www\.\S+|\S+@\S+")


def _strip_noise(text: str) -> str:
    # Addresses and links are not language.
    return _URL.sub(" ", text)


def is_other_language(text: str | None) -> bool:
    return not detect(text).accepted


def language_of(text: str | None) -> str:
    """``fr``, ``en`` or ``""`` (another language, or too short to say)."""
    detection = detect(text)
    return detection.language if detection.language in ACCEPTED else ""
