"""What ``ouvert demo`` loads: organisations, themes and datasets with their files.

Every file under ``files/`` is a byte-for-byte copy of a file published under an open licence;
``SOURCES.md`` gives its origin (repository @ commit : path). The descriptions below were written
from each file's actual columns and contents; figures (rows, periods, institutions) are those of
the copied files.
"""

from __future__ import annotations

from pathlib import Path

FILES_DIR = Path(__file__).resolve().parent / "files"

OPEN_CANADA = "https://open.canada.ca/data/en/dataset/"
TBS_CONTACT = {"contact_name": "Open Government, Treasury Board of Canada Secretariat",
               "contact_email": "open-ouvert@tbs-sct.gc.ca"}

ORGANISATIONS = [
    {
        "name": "tbs-sct",
        "title_fr": "Secrétariat du Conseil du Trésor du Canada",
        "title_en": "Treasury Board of Canada Secretariat",
        "description_fr": "Le Secrétariat du Conseil du Trésor publie sur le Portail du gouvernement ouvert "
                          "(ouvert.canada.ca) les données de publication proactive consolidées de l’ensemble "
                          "des institutions fédérales.",
        "description_en": "The Treasury Board of Canada Secretariat publishes on the Open Government Portal "
                          "(open.canada.ca) the consolidated proactive publication data of all federal "
                          "institutions.",
        "website": "https://www.canada.ca/en/treasury-board-secretariat.html",
        "email": "open-ouvert@tbs-sct.gc.ca",
    },
    {
        "name": "ontario",
        "title_fr": "Gouvernement de l’Ontario",
        "title_en": "Government of Ontario",
        "description_fr": "Données publiées par le gouvernement de l’Ontario dans son catalogue de données "
                          "ouvertes (data.ontario.ca).",
        "description_en": "Data published by the Government of Ontario in its open data catalogue "
                          "(data.ontario.ca).",
        "website": "https://www.ontario.ca",
    },
    {
        "name": "mamh",
        "title_fr": "Ministère des Affaires municipales et de l’Habitation (Québec)",
        "title_en": "Ministry of Municipal Affairs and Housing (Québec)",
        "description_fr": "Le ministère des Affaires municipales et de l’Habitation publie sur Données Québec "
                          "le répertoire des municipalités du Québec.",
        "description_en": "Québec’s Ministry of Municipal Affairs and Housing publishes the directory of "
                          "Québec municipalities on Données Québec.",
        "website": "https://www.mamh.gouv.qc.ca",
    },
    {
        "name": "ville-de-montreal",
        "title_fr": "Ville de Montréal",
        "title_en": "City of Montréal",
        "description_fr": "Données ouvertes de la Ville de Montréal, dont les contrats octroyés publiés selon "
                          "l’Open Contracting Data Standard (OCDS).",
        "description_en": "Open data of the City of Montréal, including awarded contracts published in the "
                          "Open Contracting Data Standard (OCDS).",
        "website": "https://montreal.ca",
    },
]

THEMES = [
    {"name": "government-and-politics", "title_fr": "Gouvernement et politique", "title_en": "Government and politics"},
    {"name": "finance", "title_fr": "Finances", "title_en": "Finance"},
    {"name": "transparency", "title_fr": "Transparence", "title_en": "Transparency",
     "description_fr": "Publication proactive, accès à l’information et reddition de comptes.",
     "description_en": "Proactive disclosure, access to information and accountability."},
    {"name": "health", "title_fr": "Santé", "title_en": "Health"},
    {"name": "municipalities", "title_fr": "Municipalités", "title_en": "Municipalities"},
    {"name": "government-services", "title_fr": "Services gouvernementaux", "title_en": "Government services"},
]

_COLUMNS_FR = "Colonnes"
_COLUMNS_EN = "Columns"

DATASETS = [
    {
        "name": "ati-most-requested-summaries",
        "organisation": "tbs-sct",
        "title_fr": "Accès à l’information : résumés de demandes les plus demandés en demandes informelles",
        "title_en": "Access to information: request summaries most often asked for informally",
        "description_fr": (
            "Résumés de demandes d’accès à l’information traitées par les institutions fédérales, avec le "
            "nombre de **demandes informelles** (demandes de copie des documents déjà communiqués) reçues "
            "pour chacun.\n\n"
            "Le fichier compte 782 lignes couvrant 68 institutions ; la plupart des mois, de 2020 à 2026, "
            "comptent dix résumés.\n\n"
            f"{_COLUMNS_FR} : année et mois, identifiant unique, numéro de la demande, résumé en anglais et "
            "en français, identifiant et nom (anglais, français) de l’institution, nombre de demandes "
            "informelles."
        ),
        "description_en": (
            "Summaries of access to information requests completed by federal institutions, with the number "
            "of **informal requests** (requests for a copy of records already released) each one received.\n\n"
            "The file has 782 rows from 68 institutions; most months from 2020 to 2026 list ten summaries.\n\n"
            f"{_COLUMNS_EN}: year and month, unique identifier, request number, summary in English and in "
            "French, institution identifier and name (English, French), number of informal requests."
        ),
        "tags_fr": ["accès à l’information", "demandes informelles", "AIPRP"],
        "tags_en": ["access to information", "informal requests", "ATIP"],
        "themes": ["transparency", "government-and-politics"],
        "licence": "OGL-Canada-2.0",
        "frequency": "monthly",
        "temporal_start": "2019-09-01",
        "temporal_end": "2026-07-31",
        "spatial": "Canada",
        **TBS_CONTACT,
        "source_url": "",
        "resources": [
            {"file": "ati_informal_requests_top_2026.csv",
             "title_fr": "Résumés les plus demandés", "title_en": "Most requested summaries"},
        ],
    },
    {
        "name": "contracts-over-10k-by-department",
        "organisation": "tbs-sct",
        "title_fr": "Contrats de plus de 10 000 $ : totaux par institution, année, type de marchandise et procédure",
        "title_en": "Contracts over $10,000: totals by institution, year, commodity type and procedure",
        "description_fr": (
            "Agrégation des contrats de plus de 10 000 $ publiés de façon proactive par les institutions "
            "fédérales : pour chaque institution, année (2017 à 2021), type de marchandise (services, biens, "
            "construction) et code de procédure d’invitation à soumissionner (AC, OB, ST, TC, TN), le nombre "
            "de contrats, leur valeur initiale et la valeur de leurs modifications.\n\n"
            "4 215 lignes, 89 institutions, noms en anglais et en français.\n\n"
            "Le second fichier liste les **rapports néant** : les trimestres pour lesquels une institution "
            "n’avait aucun contrat de plus de 10 000 $ à déclarer (80 rapports de 19 institutions, de "
            "2016-2017 à 2024-2025)."
        ),
        "description_en": (
            "Aggregation of the contracts over $10,000 proactively published by federal institutions: for "
            "each institution, year (2017 to 2021), commodity type (services, goods, construction) and "
            "solicitation procedure code (AC, OB, ST, TC, TN), the number of contracts, their original value "
            "and the value of their amendments.\n\n"
            "4,215 rows, 89 institutions, names in English and French.\n\n"
            "The second file lists **nil reports**: the quarters in which an institution had no contract "
            "over $10,000 to report (80 reports from 19 institutions, 2016-2017 to 2024-2025)."
        ),
        "tags_fr": ["contrats", "marchés publics", "publication proactive", "rapports néant"],
        "tags_en": ["contracts", "procurement", "proactive disclosure", "nil reports"],
        "themes": ["transparency", "finance"],
        "licence": "OGL-Canada-2.0",
        "frequency": "quarterly",
        "temporal_start": "2017-01-01",
        "temporal_end": "2021-12-31",
        "spatial": "Canada",
        **TBS_CONTACT,
        "source_url": OPEN_CANADA + "d8f85d91-7dec-4fd1-8055-483b77225d8b",
        "resources": [
            {"file": "contracts_over_10k_aggregated_by_dept.csv",
             "title_fr": "Contrats de plus de 10 000 $ agrégés", "title_en": "Aggregated contracts over $10,000"},
            {"file": "pd_contracts_nil_reports__fa4ff6c4.parquet",
             "title_fr": "Rapports néant (contrats)", "title_en": "Nil reports (contracts)"},
        ],
    },
    {
        "name": "contracts-10k-and-under-annual-totals",
        "organisation": "tbs-sct",
        "title_fr": "Contrats de 10 000 $ et moins : totaux annuels par institution",
        "title_en": "Contracts of $10,000 and under: annual totals by institution",
        "description_fr": (
            "Rapports annuels agrégés des institutions fédérales sur leurs contrats de 10 000 $ et moins : "
            "nombre de contrats, valeur initiale et valeur des modifications pour les biens, les services et "
            "la construction, ainsi que le nombre et la valeur totale des transactions par carte d’achat.\n\n"
            "484 lignes, 85 institutions, années 2016 à 2024."
        ),
        "description_en": (
            "Federal institutions’ aggregated annual reports on their contracts of $10,000 and under: number "
            "of contracts, original value and amendment value for goods, services and construction, plus "
            "the number and total value of acquisition card transactions.\n\n"
            "484 rows, 85 institutions, years 2016 to 2024."
        ),
        "tags_fr": ["contrats", "marchés publics", "cartes d’achat", "publication proactive"],
        "tags_en": ["contracts", "procurement", "acquisition cards", "proactive disclosure"],
        "themes": ["transparency", "finance"],
        "licence": "OGL-Canada-2.0",
        "frequency": "annual",
        "temporal_start": "2016-01-01",
        "temporal_end": "2024-12-31",
        "spatial": "Canada",
        **TBS_CONTACT,
        "source_url": OPEN_CANADA + "d8f85d91-7dec-4fd1-8055-483b77225d8b",
        "resources": [
            {"file": "pd_contractsa_aggregated_contracts__2e9a82e2.parquet",
             "title_fr": "Contrats agrégés de 10 000 $ et moins", "title_en": "Aggregated contracts of $10,000 and under"},
        ],
    },
    {
        "name": "use-of-administrative-aircraft",
        "organisation": "tbs-sct",
        "title_fr": "Utilisation des aéronefs administratifs",
        "title_en": "Use of administrative aircraft",
        "description_fr": (
            "Vols d’aéronefs administratifs du gouvernement publiés de façon proactive : 20 vols entre "
            "octobre 2021 et avril 2022, effectués pour le premier ministre (PM), la gouverneure générale "
            "(GG) et le ministre de la Défense nationale (MND).\n\n"
            f"{_COLUMNS_FR} : numéro de référence, titulaire, objet, dates de début et de fin, lieux, heures "
            "de vol, passagers et renseignements supplémentaires (en anglais et en français)."
        ),
        "description_en": (
            "Proactively published flights of government administrative aircraft: 20 flights between October "
            "2021 and April 2022, for the Prime Minister (PM), the Governor General (GG) and the Minister of "
            "National Defence (MND).\n\n"
            f"{_COLUMNS_EN}: reference number, office holder, purpose, start and end dates, locations, flight "
            "hours, passengers and additional information (in English and French)."
        ),
        "tags_fr": ["aéronefs", "déplacements", "publication proactive"],
        "tags_en": ["aircraft", "travel", "proactive disclosure"],
        "themes": ["transparency", "government-and-politics"],
        "licence": "OGL-Canada-2.0",
        "frequency": "irregular",
        "temporal_start": "2021-10-17",
        "temporal_end": "2022-04-29",
        "spatial": "Canada",
        **TBS_CONTACT,
        "source_url": "",
        "resources": [
            {"file": "pd_adminaircraft__1495406e.parquet",
             "title_fr": "Vols des aéronefs administratifs", "title_en": "Administrative aircraft flights"},
        ],
    },
    {
        "name": "departmental-audit-committee-remuneration",
        "organisation": "tbs-sct",
        "title_fr": "Comités ministériels de vérification : rémunération et frais des membres",
        "title_en": "Departmental audit committees: members’ remuneration and expenses",
        "description_fr": (
            "Rémunération et frais de déplacement des membres des comités ministériels de vérification, "
            "déclarés chaque trimestre par 42 institutions fédérales, de 2018-2019 T1 à 2024-2025 T3 "
            "(3 494 lignes).\n\n"
            f"{_COLUMNS_FR} : période, nom du membre, province, rôle (président ou membre), heures de réunion "
            "et autres heures, rémunération, frais de déplacement, notes en anglais et en français.\n\n"
            "Les montants sont du texte mis en forme (par exemple « $7,920.00 »)."
        ),
        "description_en": (
            "Remuneration and travel expenses of the members of departmental audit committees, reported each "
            "quarter by 42 federal institutions, from 2018-2019 Q1 to 2024-2025 Q3 (3,494 rows).\n\n"
            f"{_COLUMNS_EN}: period, member name, province, role (chair or member), meeting hours and other "
            "hours, remuneration, travel expenses, notes in English and French.\n\n"
            "Amounts are formatted text (for example “$7,920.00”)."
        ),
        "tags_fr": ["vérification interne", "comités de vérification", "rémunération"],
        "tags_en": ["internal audit", "audit committees", "remuneration"],
        "themes": ["transparency", "finance"],
        "licence": "OGL-Canada-2.0",
        "frequency": "quarterly",
        "temporal_start": "2018-04-01",
        "temporal_end": "2024-12-31",
        "spatial": "Canada",
        **TBS_CONTACT,
        "source_url": OPEN_CANADA + "8634f1c9-597e-416d-91f2-df24d2ffbeea",
        "resources": [
            {"file": "pd_dac_audit_committee_remuneration__499383b6.parquet",
             "title_fr": "Rémunération des membres", "title_en": "Members’ remuneration"},
        ],
    },
    {
        "name": "experimentation-inventory",
        "organisation": "tbs-sct",
        "title_fr": "Inventaire des expériences du gouvernement du Canada",
        "title_en": "Government of Canada experimentation inventory",
        "description_fr": (
            "Onze expériences menées par six institutions fédérales (Immigration, Réfugiés et Citoyenneté, "
            "Emploi et Développement social, Santé Canada, Innovation, Sciences et Développement économique, "
            "Ressources naturelles, Secrétariat du Conseil du Trésor) : tests A/B de pages Web, messages "
            "proactifs aux clients, choix du canal de communication, étiquette ÉnerGuide pour les maisons.\n\n"
            "Pour chaque projet, en anglais et en français : titre, question de recherche, résumé, devis, "
            "intervention, mesure des résultats, résultats, direction responsable ; ainsi que l’état et la "
            "date de mise à jour (2019 à 2024)."
        ),
        "description_en": (
            "Eleven experiments run by six federal institutions (Immigration, Refugees and Citizenship, "
            "Employment and Social Development, Health Canada, Innovation, Science and Economic Development, "
            "Natural Resources, Treasury Board Secretariat): A/B tests of web pages, proactive messages to "
            "clients, choice of communication channel, the EnerGuide label for homes.\n\n"
            "For each project, in English and French: title, research question, summary, design, "
            "intervention, outcome measures, results, lead branch; plus its status and date of last update "
            "(2019 to 2024)."
        ),
        "tags_fr": ["expérimentation", "innovation", "tests A/B"],
        "tags_en": ["experimentation", "innovation", "A/B testing"],
        "themes": ["government-and-politics", "government-services"],
        "licence": "OGL-Canada-2.0",
        "frequency": "as_needed",
        "temporal_start": "",
        "temporal_end": "",
        "spatial": "Canada",
        **TBS_CONTACT,
        "source_url": OPEN_CANADA + "39954bc7-ff7a-4180-8b6e-b02bee35078a",
        "resources": [
            {"file": "pd_experiment__07151ad9.parquet",
             "title_fr": "Inventaire des expériences", "title_en": "Experimentation inventory"},
        ],
    },
    {
        "name": "national-action-plan-open-government-5-progress",
        "organisation": "tbs-sct",
        "title_fr": "5e Plan d’action national pour un gouvernement ouvert : suivi des progrès",
        "title_en": "Fifth National Action Plan on Open Government: progress tracker",
        "description_fr": (
            "Suivi trimestriel, de mars 2022 à décembre 2024, des engagements (C01 à C05), jalons et "
            "indicateurs du cinquième Plan d’action national du Canada pour un gouvernement ouvert : "
            "735 lignes, 106 indicateurs, 16 institutions responsables.\n\n"
            f"{_COLUMNS_FR} : période, engagement, jalon, indicateur, état (C, LP, NS, SP), progrès, preuves et "
            "défis en anglais et en français, institution, libellé et échéance de l’indicateur.\n\n"
            "**Qualité des données** : les colonnes tirées du référentiel des indicateurs (`indicator_en`, "
            "`indicator_fr`, `indicator_due_date`, `indicator_deadline_*`, `indicator_lead_dept`) contiennent "
            "la représentation Python d’octets (`b'...'`, accents en séquences `\\xc3\\xa9`) plutôt que le "
            "texte ; elles sont publiées telles quelles."
        ),
        "description_en": (
            "Quarterly tracking, from March 2022 to December 2024, of the commitments (C01 to C05), milestones "
            "and indicators of Canada’s Fifth National Action Plan on Open Government: 735 rows, 106 "
            "indicators, 16 lead institutions.\n\n"
            f"{_COLUMNS_EN}: period, commitment, milestone, indicator, status (C, LP, NS, SP), progress, "
            "evidence and challenges in English and French, institution, indicator text and deadline.\n\n"
            "**Data quality**: the columns drawn from the indicator register (`indicator_en`, `indicator_fr`, "
            "`indicator_due_date`, `indicator_deadline_*`, `indicator_lead_dept`) hold the Python "
            "representation of bytes (`b'...'`, accents as `\\xc3\\xa9` sequences) instead of text; they are "
            "published as is."
        ),
        "tags_fr": ["gouvernement ouvert", "plan d’action national", "Partenariat pour un gouvernement ouvert"],
        "tags_en": ["open government", "national action plan", "Open Government Partnership"],
        "themes": ["government-and-politics", "transparency"],
        "licence": "OGL-Canada-2.0",
        "frequency": "quarterly",
        "temporal_start": "2022-01-01",
        "temporal_end": "2024-12-31",
        "spatial": "Canada",
        **TBS_CONTACT,
        "source_url": "",
        "resources": [
            {"file": "pd_nap5_open_gov_action_plan__0305a157.parquet",
             "title_fr": "Progrès des indicateurs", "title_en": "Indicator progress"},
        ],
    },
    {
        "name": "position-reclassification",
        "organisation": "tbs-sct",
        "title_fr": "Reclassification de postes",
        "title_en": "Position reclassification",
        "description_fr": (
            "Postes reclassifiés dans 72 institutions fédérales (13 401 lignes), la plupart entre 2001 et "
            "2024.\n\n"
            f"{_COLUMNS_FR} : numéro de référence, numéros d’emploi et de poste, date, titre du poste en anglais "
            "et en français, ancien et nouveau groupe et niveau de classification, différentiels, motif en "
            "anglais et en français.\n\n"
            "Le second fichier liste les **rapports néant** : les trimestres sans reclassification à "
            "déclarer (998 rapports de 68 institutions)."
        ),
        "description_en": (
            "Positions reclassified in 72 federal institutions (13,401 rows), most of them between 2001 and "
            "2024.\n\n"
            f"{_COLUMNS_EN}: reference number, job and position numbers, date, position title in English and "
            "French, old and new classification group and level, differentials, reason in English and "
            "French.\n\n"
            "The second file lists **nil reports**: the quarters with no reclassification to report (998 "
            "reports from 68 institutions)."
        ),
        "tags_fr": ["ressources humaines", "classification", "publication proactive", "rapports néant"],
        "tags_en": ["human resources", "classification", "proactive disclosure", "nil reports"],
        "themes": ["transparency", "government-and-politics"],
        "licence": "OGL-Canada-2.0",
        "frequency": "quarterly",
        "temporal_start": "",
        "temporal_end": "2025-01-29",
        "spatial": "Canada",
        **TBS_CONTACT,
        "source_url": OPEN_CANADA + "f132b8a6-abad-43d6-b6ad-2301e778b1b6",
        "resources": [
            {"file": "pd_reclassification__bdaa5515.parquet",
             "title_fr": "Reclassifications", "title_en": "Reclassifications"},
            {"file": "pd_reclassification_nil_reports__1e955e4d.parquet",
             "title_fr": "Rapports néant (reclassification)", "title_en": "Nil reports (reclassification)"},
        ],
    },
    {
        "name": "service-standards-performance",
        "organisation": "tbs-sct",
        "title_fr": "Normes de service et résultats de rendement",
        "title_en": "Service standards and performance results",
        "description_fr": (
            "Normes de service des services fédéraux et résultats obtenus, exercices 2022-2023 et 2023-2024 : "
            "2 329 normes de 61 institutions.\n\n"
            f"{_COLUMNS_FR} : exercice, identifiant et nom du service, identifiant et libellé de la norme "
            "(anglais, français), type, canal (téléphone, courriel, en ligne, en personne, poste, "
            "télécopieur, autre), cible, volume respectant la cible, volume total, rendement, cible atteinte "
            "(O/N), liens vers les normes et les résultats."
        ),
        "description_en": (
            "Service standards of federal services and the results achieved, fiscal years 2022-2023 and "
            "2023-2024: 2,329 standards from 61 institutions.\n\n"
            f"{_COLUMNS_EN}: fiscal year, service identifier and name, standard identifier and text (English, "
            "French), type, channel (telephone, e-mail, online, in person, mail, fax, other), target, volume "
            "meeting the target, total volume, performance, target met (Y/N), links to the standards and "
            "the results."
        ),
        "tags_fr": ["normes de service", "rendement", "services"],
        "tags_en": ["service standards", "performance", "services"],
        "themes": ["government-services", "transparency"],
        "licence": "OGL-Canada-2.0",
        "frequency": "annual",
        "temporal_start": "2022-04-01",
        "temporal_end": "2024-03-31",
        "spatial": "Canada",
        **TBS_CONTACT,
        "source_url": OPEN_CANADA + "3ac0d080-6149-499a-8b06-7ce5f00ec56c",
        "resources": [
            {"file": "pd_service_standards__8736cd7e.parquet",
             "title_fr": "Normes de service et rendement", "title_en": "Service standards and performance"},
        ],
    },
    {
        "name": "annual-travel-hospitality-conferences",
        "organisation": "tbs-sct",
        "title_fr": "Dépenses annuelles de voyage, d’accueil et de conférences",
        "title_en": "Annual expenditures on travel, hospitality and conferences",
        "description_fr": (
            "Dépenses annuelles de 83 institutions fédérales, années 2011 à 2024 (596 lignes), en milliers "
            "de dollars : voyages (activités opérationnelles, intervenants clés, formation, gouvernance "
            "interne, autres ; fonctionnaires et non-fonctionnaires), accueil, frais de conférence et "
            "dépenses du ministre, avec la description du mandat et l’explication des écarts d’une année à "
            "l’autre en anglais et en français."
        ),
        "description_en": (
            "Annual expenditures of 83 federal institutions, years 2011 to 2024 (596 rows), in thousands of "
            "dollars: travel (operational activities, key stakeholders, training, internal governance, other; "
            "public servants and non-public servants), hospitality, conference fees and the minister’s "
            "expenses, with the mandate description and the explanation of year-over-year changes in "
            "English and French."
        ),
        "tags_fr": ["frais de voyage", "frais d’accueil", "conférences", "publication proactive"],
        "tags_en": ["travel expenses", "hospitality expenses", "conferences", "proactive disclosure"],
        "themes": ["transparency", "finance"],
        "licence": "OGL-Canada-2.0",
        "frequency": "annual",
        "temporal_start": "2011-01-01",
        "temporal_end": "2024-12-31",
        "spatial": "Canada",
        **TBS_CONTACT,
        "source_url": OPEN_CANADA + "4ae27978-0931-49ab-9c17-0b119c0ba92f",
        "resources": [
            {"file": "pd_travela_annual_travel__a811cac0.parquet",
             "title_fr": "Dépenses annuelles", "title_en": "Annual expenditures"},
        ],
    },
    {
        "name": "proactive-publication-nil-reports",
        "organisation": "tbs-sct",
        "title_fr": "Publication proactive : rapports néant",
        "title_en": "Proactive publication: nil reports",
        "description_fr": (
            "Un **rapport néant** dit qu’une institution n’avait rien à publier pour une période : aucune "
            "demande d’accès à l’information, aucun voyage, aucune dépense d’accueil, etc. Publier l’absence "
            "de données permet de distinguer « rien à déclarer » de « pas déclaré ».\n\n"
            "Six fichiers, une ligne par institution et par période :\n\n"
            "- accès à l’information, 2020 à 2025, 4 608 rapports de 157 institutions ;\n"
            "- frais de voyage, 2014 à 2025, 2 293 rapports de 116 institutions ;\n"
            "- frais d’accueil, 2003 à 2025, 3 954 rapports de 119 institutions ;\n"
            "- subventions et contributions, 2016-2017 à 2024-2025, 211 rapports de 23 institutions ;\n"
            "- titres des notes d’information, 2023 à 2025, 86 rapports de 14 institutions (une année est "
            "saisie « 24 ») ;\n"
            "- notes pour la période des questions, 2017 à 2024, 26 rapports de 7 institutions."
        ),
        "description_en": (
            "A **nil report** says that an institution had nothing to publish for a period: no access to "
            "information request, no travel, no hospitality expense, and so on. Publishing the absence of "
            "data tells “nothing to report” apart from “not reported”.\n\n"
            "Six files, one row per institution and period:\n\n"
            "- access to information, 2020 to 2025, 4,608 reports from 157 institutions;\n"
            "- travel expenses, 2014 to 2025, 2,293 reports from 116 institutions;\n"
            "- hospitality expenses, 2003 to 2025, 3,954 reports from 119 institutions;\n"
            "- grants and contributions, 2016-2017 to 2024-2025, 211 reports from 23 institutions;\n"
            "- briefing note titles, 2023 to 2025, 86 reports from 14 institutions (one year is entered "
            "as “24”);\n"
            "- Question Period notes, 2017 to 2024, 26 reports from 7 institutions."
        ),
        "tags_fr": ["rapports néant", "publication proactive", "accès à l’information"],
        "tags_en": ["nil reports", "proactive disclosure", "access to information"],
        "themes": ["transparency"],
        "licence": "OGL-Canada-2.0",
        "frequency": "monthly",
        "temporal_start": "2003-01-01",
        "temporal_end": "2025-12-31",
        "spatial": "Canada",
        **TBS_CONTACT,
        "source_url": "",
        "resources": [
            {"file": "pd_ati_nil_reports__5a1386a5.parquet",
             "title_fr": "Rapports néant : accès à l’information", "title_en": "Nil reports: access to information",
             "description_fr": f"Publié avec le jeu [Résumés des demandes d’AI complétées]({OPEN_CANADA}0797e893-751e-4695-8229-a5066e4fe43c).",
             "description_en": f"Published with the [Completed ATI request summaries]({OPEN_CANADA}0797e893-751e-4695-8229-a5066e4fe43c) dataset."},
            {"file": "pd_travelq_nil_reports__d3f883ce.parquet",
             "title_fr": "Rapports néant : frais de voyage", "title_en": "Nil reports: travel expenses",
             "description_fr": f"Publié avec le jeu [Frais de voyage]({OPEN_CANADA}009f9a49-c2d9-4d29-a6d4-1a228da335ce).",
             "description_en": f"Published with the [Travel expenses]({OPEN_CANADA}009f9a49-c2d9-4d29-a6d4-1a228da335ce) dataset."},
            {"file": "pd_hospitalityq_nil_reports__36a3b6cc.parquet",
             "title_fr": "Rapports néant : frais d’accueil", "title_en": "Nil reports: hospitality expenses",
             "description_fr": f"Publié avec le jeu [Frais d’accueil]({OPEN_CANADA}b9f51ef4-4605-4ef2-8231-62a2edda1b54).",
             "description_en": f"Published with the [Hospitality expenses]({OPEN_CANADA}b9f51ef4-4605-4ef2-8231-62a2edda1b54) dataset."},
            {"file": "pd_grants_nil_reports__4e4db232.parquet",
             "title_fr": "Rapports néant : subventions et contributions", "title_en": "Nil reports: grants and contributions",
             "description_fr": f"Publié avec le jeu [Subventions et contributions]({OPEN_CANADA}432527ab-7aac-45b5-81d6-7597107a7013).",
             "description_en": f"Published with the [Grants and contributions]({OPEN_CANADA}432527ab-7aac-45b5-81d6-7597107a7013) dataset."},
            {"file": "pd_briefingt_nil_reports__5e28b544.parquet",
             "title_fr": "Rapports néant : titres des notes d’information", "title_en": "Nil reports: briefing note titles",
             "description_fr": f"Publié avec le jeu [Titres et numéros des notes d’information]({OPEN_CANADA}ee9bd7e8-90a5-45db-9287-85c8cf3589b6).",
             "description_en": f"Published with the [Briefing note titles and numbers]({OPEN_CANADA}ee9bd7e8-90a5-45db-9287-85c8cf3589b6) dataset."},
            {"file": "pd_qpnotes_nil_reports__dba8cc4a.parquet",
             "title_fr": "Rapports néant : notes pour la période des questions", "title_en": "Nil reports: Question Period notes",
             "description_fr": f"Publié avec le jeu [Notes pour la période des questions]({OPEN_CANADA}ecd1a913-47da-47fc-8f96-2432be420986).",
             "description_en": f"Published with the [Question Period notes]({OPEN_CANADA}ecd1a913-47da-47fc-8f96-2432be420986) dataset."},
        ],
    },
    {
        "name": "founded-wrongdoing",
        "organisation": "tbs-sct",
        "title_fr": "Actes répréhensibles avérés",
        "title_en": "Acts of founded wrongdoing",
        "description_fr": (
            "Cas d’actes répréhensibles établis à la suite de divulgations faites en vertu de la Loi sur la "
            "protection des fonctionnaires divulgateurs d’actes répréhensibles : 63 cas de 13 institutions, "
            "dossiers datés de 2007 à 2024.\n\n"
            f"{_COLUMNS_FR} : numéro de référence, numéro et date du dossier, description du cas, conclusions "
            "(codes), recommandations et mesures correctives, en anglais et en français."
        ),
        "description_en": (
            "Cases of wrongdoing found following disclosures made under the Public Servants Disclosure "
            "Protection Act: 63 cases from 13 institutions, files dated 2007 to 2024.\n\n"
            f"{_COLUMNS_EN}: reference number, file number and date, case description, findings (codes), "
            "recommendations and corrective measures, in English and French."
        ),
        "tags_fr": ["actes répréhensibles", "divulgation", "intégrité"],
        "tags_en": ["wrongdoing", "disclosure", "integrity"],
        "themes": ["transparency", "government-and-politics"],
        "licence": "OGL-Canada-2.0",
        "frequency": "quarterly",
        "temporal_start": "2007-05-01",
        "temporal_end": "2024-11-07",
        "spatial": "Canada",
        **TBS_CONTACT,
        "source_url": OPEN_CANADA + "6e75f19c-d19d-48aa-984e-609c8d9bc403",
        "resources": [
            {"file": "pd_wrongdoing__84a77a58.parquet",
             "title_fr": "Actes répréhensibles avérés", "title_en": "Founded wrongdoing"},
        ],
    },
    {
        "name": "ontario-vital-events-by-month",
        "organisation": "ontario",
        "title_fr": "Événements démographiques par mois en Ontario, 1994 à 2021",
        "title_en": "Ontario vital events by month, 1994 to 2021",
        "description_fr": (
            "Nombre mensuel de naissances vivantes, de mariages, de décès et de mortinaissances enregistrés "
            "en Ontario, de janvier 1994 à juin 2021 (330 mois).\n\n"
            "Le fichier est en UTF-8 avec BOM et fins de ligne CRLF ; les en-têtes et les noms de mois sont "
            "bilingues (« Month/Mois », « January/janvier »). L’en-tête des décès est écrit « Deaths/Dècés »."
        ),
        "description_en": (
            "Monthly counts of live births, marriages, deaths and stillbirths registered in Ontario, from "
            "January 1994 to June 2021 (330 months).\n\n"
            "The file is UTF-8 with a BOM and CRLF line endings; headers and month names are bilingual "
            "(“Month/Mois”, “January/janvier”). The deaths header is spelled “Deaths/Dècés”."
        ),
        "tags_fr": ["naissances", "décès", "mariages", "démographie", "état civil"],
        "tags_en": ["births", "deaths", "marriages", "demography", "vital statistics"],
        "themes": ["health"],
        "licence": "OGL-Ontario-1.0",
        "frequency": "unknown",
        "temporal_start": "1994-01-01",
        "temporal_end": "2021-06-30",
        "spatial": "Ontario",
        "contact_name": "",
        "contact_email": "",
        "source_url": "",
        "resources": [
            {"file": "ontario_vital_events_bilingual_header.csv",
             "title_fr": "Événements démographiques par mois", "title_en": "Vital events by month"},
        ],
    },
    {
        "name": "quebec-municipalities-directory",
        "organisation": "mamh",
        "title_fr": "Répertoire des municipalités du Québec",
        "title_en": "Directory of Québec municipalities",
        "description_fr": (
            "Les 1 131 municipalités du Québec, une ligne chacune, 114 colonnes.\n\n"
            f"{_COLUMNS_FR} : code géographique, nom, adresses, code postal, courriel, site Web, téléphone, "
            "télécopieur, désignation (municipalité, ville, paroisse, village, canton, village nordique, "
            "village cri, village naskapi), gentilé, région administrative, division de recensement, MRC, "
            "dates de constitution, superficie, population, date et mode d’élection, division territoriale, "
            "maire ou mairesse et conseillers (jusqu’à 75 colonnes), direction générale, greffe, trésorerie "
            "et autres responsables.\n\n"
            "Fichier UTF-8 avec BOM, toutes les valeurs entre guillemets."
        ),
        "description_en": (
            "All 1,131 municipalities of Québec, one row each, 114 columns.\n\n"
            f"{_COLUMNS_EN}: geographic code, name, addresses, postal code, e-mail, website, telephone, fax, "
            "designation (municipality, city, parish, village, township, northern village, Cree village, "
            "Naskapi village), demonym, administrative region, census division, regional county "
            "municipality (MRC), incorporation dates, area, population, election date and method, "
            "territorial division, mayor and councillors (up to 75 columns), director general, clerk, "
            "treasurer and other officers.\n\n"
            "UTF-8 file with a BOM, every value quoted. Column names and values are in French."
        ),
        "tags_fr": ["municipalités", "élus", "MRC", "répertoire"],
        "tags_en": ["municipalities", "elected officials", "regional county municipalities", "directory"],
        "themes": ["municipalities", "government-and-politics"],
        "licence": "CC-BY-4.0",
        "frequency": "unknown",
        "temporal_start": "",
        "temporal_end": "",
        "spatial": "Québec",
        "contact_name": "",
        "contact_email": "",
        "source_url": "",
        "resources": [
            {"file": "quebec_repertoire_municipalites_MUN_2022.csv",
             "title_fr": "Répertoire des municipalités (MUN)", "title_en": "Municipality directory (MUN)"},
        ],
    },
    {
        "name": "montreal-contracts-ocds-sample",
        "organisation": "ville-de-montreal",
        "title_fr": "Vue sur les contrats : échantillon de contrats octroyés (OCDS, 2017)",
        "title_en": "Vue sur les contrats: sample of awarded contracts (OCDS, 2017)",
        "description_fr": (
            "Six publications (« releases ») de contrats octroyés par la Ville de Montréal entre mai et août "
            "2017, au format JSON de l’Open Contracting Data Standard, en français : acheteur (Service de "
            "l’eau ; Infrastructures, voirie et transports ; Matériel roulant et ateliers ; Environnement), "
            "fournisseur, description de l’objet, montant (de 1 711,50 $ à 10 786,27 $) et date.\n\n"
            "Le champ `tag` y est une chaîne de caractères alors que la norme OCDS attend une liste."
        ),
        "description_en": (
            "Six releases of contracts awarded by the City of Montréal between May and August 2017, in the "
            "Open Contracting Data Standard JSON format, in French: buyer (Service de l’eau; Infrastructures, "
            "voirie et transports; Matériel roulant et ateliers; Environnement), supplier, description, "
            "amount (from $1,711.50 to $10,786.27) and date.\n\n"
            "The `tag` field is a string where the OCDS standard expects a list."
        ),
        "tags_fr": ["contrats", "OCDS", "marchés publics"],
        "tags_en": ["contracts", "OCDS", "procurement"],
        "themes": ["municipalities", "transparency", "finance"],
        "licence": "CC-BY-4.0",
        "frequency": "unknown",
        "temporal_start": "2017-05-27",
        "temporal_end": "2017-08-31",
        "spatial": "Montréal",
        "contact_name": "Bureau de la Ville Intelligente",
        "contact_email": "villeintelligente@ville.montreal.qc.ca",
        "source_url": "",
        "resources": [
            {"file": f"montreal/{path.name}", "title_fr": f"Publication OCDS {path.name.split('-')[3][:8]}",
             "title_en": f"OCDS release {path.name.split('-')[3][:8]}", "format": "JSON"}
            for path in sorted((FILES_DIR / "montreal").glob("*.json"))
        ],
    },
]
