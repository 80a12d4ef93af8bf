"""The licence register. Ids follow SPDX where one exists; CKAN's older ids map onto them."""

LICENCES = [
    # id, French title, English title, url, open
    ("OGL-Canada-2.0", "Licence du gouvernement ouvert – Canada 2.0", "Open Government Licence – Canada 2.0",
     "https://open.canada.ca/en/open-government-licence-canada", True),
    ("OGL-Ontario-1.0", "Licence du gouvernement ouvert – Ontario 1.0", "Open Government Licence – Ontario 1.0",
     "https://www.ontario.ca/page/open-government-licence-ontario", True),
    ("CC-BY-4.0", "Creative Commons Attribution 4.0", "Creative Commons Attribution 4.0",
     "https://creativecommons.org/licenses/by/4.0/", True),
    ("CC-BY-SA-4.0", "Creative Commons Attribution – Partage dans les mêmes conditions 4.0",
     "Creative Commons Attribution-ShareAlike 4.0", "https://creativecommons.org/licenses/by-sa/4.0/", True),
    ("CC0-1.0", "Creative Commons Zéro 1.0 (domaine public)", "Creative Commons Zero 1.0 (public domain)",
     "https://creativecommons.org/publicdomain/zero/1.0/", True),
    ("ODbL-1.0", "Licence ouverte de bases de données (ODbL) 1.0", "Open Database License (ODbL) 1.0",
     "https://opendatacommons.org/licenses/odbl/1-0/", True),
    ("ODC-By-1.0", "Licence d’attribution Open Data Commons 1.0", "Open Data Commons Attribution License 1.0",
     "https://opendatacommons.org/licenses/by/1-0/", True),
    ("Licence-Ouverte-2.0", "Licence Ouverte / Open Licence 2.0 (Etalab)", "Licence Ouverte / Open Licence 2.0 (Etalab)",
     "https://www.etalab.gouv.fr/licence-ouverte-open-licence/", True),
    ("other-open", "Autre licence ouverte", "Other open licence", "", True),
    ("other-closed", "Autre licence (non ouverte)", "Other licence (not open)", "", False),
    ("notspecified", "Licence non précisée", "Licence not specified", "", False),
]

#: Ids used by CKAN portals (and the Canadian ones) for the same licences.
ALIASES = {
    "ca-ogl-lgo": "OGL-Canada-2.0", "ogl-canada-2.0": "OGL-Canada-2.0", "ogl-can": "OGL-Canada-2.0",
    "OGL-CAN": "OGL-Canada-2.0", "ca-ogl-2.0": "OGL-Canada-2.0",
    "cc-by": "CC-BY-4.0", "CC-BY": "CC-BY-4.0", "cc-by-4.0": "CC-BY-4.0",
    "cc-by-sa": "CC-BY-SA-4.0", "cc-by-sa-4.0": "CC-BY-SA-4.0",
    "cc-zero": "CC0-1.0", "cc0": "CC0-1.0", "CC0": "CC0-1.0",
    "odc-odbl": "ODbL-1.0", "odbl": "ODbL-1.0",
    "odc-by": "ODC-By-1.0", "ODC-BY": "ODC-By-1.0", "ODC-By": "ODC-By-1.0",
    "fr-lo": "Licence-Ouverte-2.0", "lov2": "Licence-Ouverte-2.0", "etalab-2.0": "Licence-Ouverte-2.0",
    "other-open": "other-open", "other-at": "other-open", "other-pd": "other-open",
    "other-nc": "other-closed", "other-closed": "other-closed",
    "notspecified": "notspecified",
}


def resolve(licence_id: str | None) -> str | None:
    """Our id for a licence id from elsewhere, or None when unknown."""
    if not licence_id:
        return None
    known = {entry[0] for entry in LICENCES}
    if licence_id in known:
        return licence_id
    return ALIASES.get(licence_id) or ALIASES.get(licence_id.lower())
