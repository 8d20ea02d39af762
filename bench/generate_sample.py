"""Write the bundled SYNTHETIC sample sources under data/raw/.

The pipeline needs realistic inputs in every source format it supports (CSV and Parquet
register extracts, an XLSX workbook with title rows, an editorial CSV) and one métier whose
published figures are known in advance: `directeur-directrice-de-postproduction` must
reproduce the seed page's box "Le métier en chiffres (Belgique 2025)" exactly. Everything
is drawn from one seeded numpy Generator in a fixed order, so the same seed always gives
the same data.

    python bench/generate_sample.py [--out data/raw] [--seed 20251]
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SEED = 20251
YEARS = list(range(2019, 2026))
REFERENCE_YEAR = YEARS[-1]
CSV_YEARS = (2019, 2020, 2021)  # older extracts came as CSV
UNWEIGHTED_YEARS = (2019, 2020)  # full census: those files have no weight column
COHORTS = list(range(2020, 2025))
POSTPROD = "directeur-directrice-de-postproduction"

REGIONS = ["BE10", "BE21", "BE22", "BE23", "BE24", "BE25", "BE31", "BE32", "BE33", "BE34", "BE35"]
CHANNELS = [
    "network",
    "internship",
    "job_board",
    "public_employment_service",
    "temp_agency",
    "spontaneous_application",
]

# Regional spread of a métier's workforce (normalised when used).
REGION_PROFILES: dict[str, list[float]] = {
    #          BE10  BE21  BE22  BE23  BE24  BE25  BE31  BE32  BE33  BE34  BE35
    "be": [0.11, 0.17, 0.08, 0.14, 0.10, 0.11, 0.04, 0.12, 0.09, 0.03, 0.04],
    "urban": [0.30, 0.15, 0.03, 0.11, 0.14, 0.06, 0.06, 0.05, 0.06, 0.01, 0.03],
    "av": [0.32, 0.10, 0.03, 0.08, 0.10, 0.04, 0.10, 0.07, 0.09, 0.02, 0.05],
    "postprod": [0.40, 0.015, 0.0, 0.015, 0.02, 0.0, 0.175, 0.125, 0.15, 0.0, 0.10],
    "ports": [0.05, 0.25, 0.08, 0.15, 0.08, 0.12, 0.03, 0.12, 0.08, 0.01, 0.03],
    "rural": [0.01, 0.06, 0.12, 0.10, 0.05, 0.16, 0.04, 0.12, 0.10, 0.12, 0.12],
}
# Typical main recruitment channel of leavers, per kind of métier.
CHANNEL_PROFILES: dict[str, list[float]] = {
    #               net   intern job   pes   temp  spont
    "network": [0.55, 0.15, 0.10, 0.05, 0.05, 0.10],
    "internship": [0.15, 0.55, 0.10, 0.10, 0.05, 0.05],
    "job_board": [0.15, 0.10, 0.55, 0.10, 0.05, 0.05],
    "pes": [0.10, 0.10, 0.15, 0.50, 0.10, 0.05],
    "temp": [0.10, 0.05, 0.10, 0.15, 0.55, 0.05],
    "spontaneous": [0.15, 0.05, 0.15, 0.10, 0.10, 0.45],
}
REGION_WAGE = dict(
    zip(REGIONS, [1.06, 1.03, 0.99, 1.00, 1.05, 0.99, 1.04, 0.96, 0.97, 0.96, 0.97], strict=True)
)
# Wage level of each year relative to 2025 (Belgian automatic indexation, big step in 2023).
WAGE_INDEX = {2019: 0.855, 2020: 0.865, 2021: 0.88, 2022: 0.93, 2023: 0.975, 2024: 0.99, 2025: 1.0}


@dataclass(frozen=True)
class Metier:
    """One catalogue entry plus the parameters that drive its synthetic workforce."""

    slug: str
    title_fr: str
    title_nl: str
    title_en: str
    esco_code: str
    training_min: int
    training_max: int
    plus_experience: bool
    sector: str
    headcount: float  # weighted headcount in the reference year
    growth: float  # compound annual growth of the headcount
    mean_age: float
    women: float
    self_employed: float
    entry_wage: float  # median FTE gross monthly wage of a beginner, 2025
    weight: float  # sampling weight from 2021 on (1.0: full census)
    regions: str
    codes: tuple[tuple[str, float], ...]  # occupation codes used in the register, with shares
    leavers: int | None  # training leavers of the 2024 cohort; None: no insertion data
    insertion: float
    channels: str


def _m(*a: object, codes: tuple[tuple[str, float], ...] = (), weight: float = 1.0) -> Metier:
    """Build a Metier from a compact positional row (keeps the table below readable)."""
    (slug, fr, nl, en, code, tmin, tmax, plus, sector, hc, gr, age, women, selfemp, wage) = a[:15]
    regions, leavers, insertion, channels = a[15:]
    return Metier(
        slug, fr, nl, en, code, tmin, tmax, plus, sector, hc, gr, age, women, selfemp, wage,
        weight, regions, codes or ((code, 1.0),), leavers, insertion, channels,
    )  # fmt: skip


# Every catalogue esco_code is a real occupation `code` of ESCO v1.2 (present in the FR, NL
# and EN exports) whose labels name the métier, except `electricien-electricienne`, catalogued
# with the whole ISCO-08 unit group 7411 (ESCO's `iscoGroup`). Child codes used only in the
# register (2221.2.2, 2654.1.8.3, 2654.2.1, 2654.2.3, 7411.1, 7411.2.3) need not exist in ESCO.
# No catalogue code may be another one followed by "." and more: a record belongs to at most
# one métier.
# fmt: off
METIERS: list[Metier] = [
    # slug, title_fr, title_nl, title_en, esco, train min, max, +exp, sector,
    #   headcount 2025, growth, mean age, women, self-employed, entry wage, regions,
    #   leavers 2024, insertion rate, channel profile
    _m("infirmier-infirmiere", "Infirmier / Infirmière", "Verpleegkundige", "Nurse",
       "2221.2", 3, 4, False, "health", 2200, 0.018, 41, 0.86, 0.06, 3100, "be", 320, 0.93,
       "internship", codes=(("2221.2", 0.8), ("2221.2.2", 0.2))),
    _m("medecin-generaliste", "Médecin généraliste", "Huisarts", "General practitioner",
       "2211.1", 9, 9, False, "health", 600, 0.010, 49, 0.55, 0.78, 5200, "be", None, 0.0,
       "network"),
    _m("pharmacien-pharmacienne", "Pharmacien / Pharmacienne", "Apotheker", "Pharmacist",
       "2262.1", 5, 5, False, "health", 450, 0.012, 43, 0.72, 0.35, 3700, "be", 60, 0.90,
       "internship"),
    _m("kinesitherapeute", "Kinésithérapeute", "Kinesitherapeut", "Physiotherapist",
       "2264.2", 4, 5, False, "health", 550, 0.025, 38, 0.60, 0.70, 2900, "be", 110, 0.85,
       "network"),
    _m("sage-femme", "Sage-femme", "Vroedvrouw", "Midwife",
       "2222.1", 4, 4, False, "health", 320, 0.010, 37, 0.97, 0.15, 3000, "be", 40, 0.88,
       "internship"),
    _m("dentiste", "Dentiste", "Tandarts", "Dentist",
       "2261.1", 5, 6, False, "health", 450, -0.005, 47, 0.50, 0.85, 4300, "be", 35, 0.92,
       "network"),
    _m("ambulancier-ambulanciere", "Ambulancier / Ambulancière", "Ambulancier",
       "Ambulance worker", "3258.1", 1, 1, False, "health", 380, 0.020, 36, 0.30, 0.05, 2500,
       "be", 45, 0.80, "pes"),
    _m("aide-soignant-aide-soignante", "Aide-soignant / Aide-soignante", "Zorgkundige",
       "Nursing assistant", "5321.1", 1, 2, False, "care", 1500, 0.030, 40, 0.88, 0.02, 2400,
       "be", 280, 0.82, "pes", weight=1.25),
    _m("puericulteur-puericultrice", "Puériculteur / Puéricultrice", "Kinderverzorger",
       "Childcare worker", "5311.1.3", 1, 2, False, "care", 600, 0.010, 38, 0.95, 0.05, 2300,
       "be", 120, 0.75, "internship"),
    _m("educateur-educatrice-specialise", "Éducateur spécialisé / Éducatrice spécialisée",
       "Opvoeder-begeleider", "Social educator", "2635.2", 3, 3, False, "care", 700, 0.020,
       39, 0.72, 0.03, 2600, "be", 150, 0.78, "internship"),
    _m("assistant-social-assistante-sociale", "Assistant social / Assistante sociale",
       "Maatschappelijk werker", "Social worker", "2635.1", 3, 3, False, "care", 600, 0.015,
       41, 0.85, 0.04, 2850, "be", 130, 0.80, "pes"),
    _m("aide-familial-aide-familiale", "Aide familial / Aide familiale", "Gezinszorger",
       "Home care worker", "5322.1", 1, 1, False, "care", 500, 0.035, 44, 0.93, 0.03, 2250,
       "be", 90, 0.77, "pes"),
    _m("electricien-electricienne", "Électricien / Électricienne", "Elektricien",
       "Electrician", "7411", 2, 3, False, "construction", 1000, 0.010, 39, 0.03, 0.30, 2600,
       "be", 190, 0.86, "internship",
       codes=(("7411", 0.5), ("7411.1", 0.3), ("7411.2.3", 0.2))),
    _m("macon-maconne", "Maçon / Maçonne", "Metselaar", "Bricklayer",
       "7112.1", 1, 3, False, "construction", 700, -0.012, 42, 0.01, 0.40, 2500, "be", 100,
       0.80, "temp"),
    _m("plombier-plombiere", "Plombier / Plombière", "Loodgieter", "Plumber",
       "7126.8", 2, 3, False, "construction", 500, 0.005, 40, 0.02, 0.45, 2550, "be", 80, 0.84,
       "network"),
    _m("couvreur-couvreuse", "Couvreur / Couvreuse", "Dakdekker", "Roofer",
       "7121.1", 1, 2, False, "construction", 420, -0.020, 41, 0.02, 0.55, 2500, "be", 25,
       0.79, "network"),
    _m("menuisier-menuisiere", "Menuisier / Menuisière", "Schrijnwerker", "Joiner",
       "7115.1", 2, 3, False, "construction", 420, -0.008, 41, 0.04, 0.42, 2500, "be", 70,
       0.80, "internship"),
    _m("architecte", "Architecte", "Architect", "Architect",
       "2161.1", 5, 5, True, "construction", 400, 0.005, 44, 0.42, 0.72, 3000, "urban", 60,
       0.74, "network"),
    _m("conducteur-conductrice-de-travaux", "Conducteur / Conductrice de travaux",
       "Werfleider", "Construction site manager", "3123.1", 3, 3, True, "construction", 520,
       0.015, 43, 0.09, 0.12, 3300, "be", 45, 0.88, "job_board"),
    _m("tailleur-tailleuse-de-pierre", "Tailleur / Tailleuse de pierre", "Steenhouwer",
       "Stone cutter", "7113.1", 2, 3, False, "construction", 35, -0.020, 44, 0.06, 0.50,
       2500, "rural", 6, 0.83, "internship"),
    _m("developpeur-developpeuse-web", "Développeur / Développeuse web", "Webontwikkelaar",
       "Web developer", "2513.5", 3, 5, False, "it", 900, 0.040, 34, 0.20, 0.28, 3300,
       "urban", 170, 0.83, "job_board"),
    _m("administrateur-administratrice-systemes-et-reseaux",
       "Administrateur / Administratrice systèmes et réseaux", "Systeem- en netwerkbeheerder",
       "Systems and network administrator", "2522.1", 3, 5, False, "it", 450, 0.020, 39,
       0.10, 0.15, 3400, "be", 75, 0.85, "job_board"),
    _m("data-scientist", "Data scientist", "Datawetenschapper", "Data scientist",
       "2511.4", 5, 5, False, "it", 380, 0.090, 33, 0.30, 0.18, 3800, "urban", 40, 0.87,
       "job_board"),
    _m("analyste-en-cybersecurite", "Analyste en cybersécurité", "Cybersecurity-analist",
       "Cyber security analyst", "2529.7", 3, 5, True, "it", 300, 0.110, 35, 0.17, 0.22, 3900,
       "urban", 30, 0.90, "network"),
    _m("technicien-technicienne-support-informatique",
       "Technicien / Technicienne de support informatique", "ICT-helpdeskmedewerker",
       "ICT help desk agent", "3512.1", 2, 3, False, "it", 550, 0.005, 36, 0.22, 0.08, 2650,
       "be", 110, 0.76, "temp"),
    _m(POSTPROD, "Directeur / Directrice de postproduction", "Postproductiemanager",
       "Post-production manager", "2654.2", 3, 5, True, "audiovisual", 200, 0.05, 42, 0.35,
       0.80, 2800, "postprod", 40, 0.70, "network",
       codes=(("2654.2", 0.7), ("2654.2.1", 0.2), ("2654.2.3", 0.1))),
    _m("realisateur-realisatrice", "Réalisateur / Réalisatrice", "Regisseur", "Film director",
       "2654.1.8", 3, 5, True, "audiovisual", 260, 0.030, 45, 0.30, 0.85, 3100, "av", 30, 0.55,
       "network", codes=(("2654.1.8", 0.75), ("2654.1.8.3", 0.25))),
    _m("producteur-productrice-audiovisuel", "Producteur / Productrice audiovisuel(le)",
       "Audiovisueel producent", "Audiovisual producer", "2654.3.2", 3, 5, True, "audiovisual",
       180, 0.020, 46, 0.40, 0.75, 3300, "av", 18, 0.60, "network"),
    _m("monteur-monteuse-video", "Monteur / Monteuse vidéo", "Videomonteur", "Video editor",
       "2654.5", 3, 3, False, "audiovisual", 420, 0.035, 34, 0.35, 0.65, 2650, "av", 55, 0.66,
       "network"),
    _m("ingenieur-ingenieure-du-son", "Ingénieur / Ingénieure du son", "Geluidstechnicus",
       "Sound engineer", "3521.1.10", 3, 3, False, "audiovisual", 300, 0.010, 38, 0.12, 0.70,
       2700, "av", 35, 0.62, "network"),
    _m("cadreur-cadreuse", "Cadreur / Cadreuse", "Cameraman / Cameravrouw", "Camera operator",
       "3521.1.2", 3, 3, False, "audiovisual", 280, 0.005, 39, 0.15, 0.72, 2700, "av", 30, 0.60,
       "network"),
    _m("cuisinier-cuisiniere", "Cuisinier / Cuisinière", "Kok", "Cook",
       "5120.1", 1, 3, False, "hospitality", 900, 0.005, 36, 0.32, 0.15, 2350, "be", 200,
       0.80, "spontaneous"),
    _m("serveur-serveuse", "Serveur / Serveuse", "Kelner / Serveerster", "Waiter / Waitress",
       "5131.2", 0, 1, False, "hospitality", 2100, -0.010, 31, 0.55, 0.10, 2150, "be", 150,
       0.72, "spontaneous", weight=3.5),
    _m("receptionniste-d-hotel", "Réceptionniste d'hôtel", "Hotelreceptionist",
       "Hotel receptionist", "4224.1", 1, 2, False, "hospitality", 380, 0.000, 33, 0.68, 0.02,
       2300, "urban", 45, 0.74, "job_board"),
    _m("boulanger-boulangere", "Boulanger / Boulangère", "Bakker", "Baker",
       "7512.1", 1, 3, False, "food", 450, -0.015, 42, 0.25, 0.45, 2300, "be", 60, 0.83,
       "network"),
    _m("chauffeur-chauffeuse-poids-lourds", "Chauffeur / Chauffeuse poids lourds",
       "Vrachtwagenchauffeur", "Heavy truck driver", "8332.2", 0, 1, False, "transport",
       1400, 0.012, 45, 0.04, 0.12, 2600, "ports", 140, 0.91, "pes", weight=2.0),
    _m("magasinier-magasiniere-cariste", "Magasinier / Magasinière cariste",
       "Magazijnier-heftruckchauffeur", "Forklift truck operator", "8344.1", 0, 1, False,
       "logistics", 1500, 0.020, 37, 0.12, 0.01, 2400, "ports", 180, 0.84, "temp",
       weight=2.5),
    _m("conducteur-conductrice-de-train", "Conducteur / Conductrice de train",
       "Treinbestuurder", "Train driver", "8311.1", 1, 1, False, "transport", 420, -0.010, 44,
       0.08, 0.0, 3100, "be", None, 0.0, "pes"),
    _m("pilote-de-ligne", "Pilote de ligne", "Lijnpiloot", "Airline pilot",
       "3153.2.2.1", 2, 3, True, "transport", 240, 0.020, 42, 0.07, 0.05, 5200, "urban", None, 0.0,
       "network"),
    _m("instituteur-institutrice-primaire", "Instituteur / Institutrice primaire",
       "Leerkracht lager onderwijs", "Primary school teacher", "2341.1", 3, 3, False,
       "education", 2000, 0.005, 41, 0.82, 0.0, 2900, "be", 400, 0.90, "internship",
       weight=1.5),
    _m("professeur-professeure-du-secondaire",
       "Professeur / Professeure de l'enseignement secondaire", "Leraar secundair onderwijs",
       "Secondary school teacher", "2330.1", 3, 5, False, "education", 1200, 0.008, 42, 0.63,
       0.0, 3000, "be", 260, 0.88, "internship"),
    _m("comptable", "Comptable", "Boekhouder", "Accountant",
       "2411.1", 3, 5, False, "finance", 800, 0.000, 43, 0.55, 0.30, 2900, "be", 150, 0.85,
       "job_board"),
    _m("conseiller-conseillere-bancaire", "Conseiller / Conseillère bancaire", "Bankadviseur",
       "Bank advisor", "2412.4.1", 3, 3, False, "finance", 550, -0.035, 44, 0.50, 0.02, 3100,
       "be", 60, 0.80, "job_board"),
    _m("actuaire", "Actuaire", "Actuaris", "Actuary",
       "2120.1", 5, 5, True, "finance", 60, 0.010, 40, 0.35, 0.10, 4000, "urban", 6, 0.95,
       "network"),
    _m("soudeur-soudeuse", "Soudeur / Soudeuse", "Lasser", "Welder",
       "7212.3", 1, 2, False, "industry", 450, 0.005, 40, 0.03, 0.10, 2700, "be", 90, 0.89,
       "temp"),
    _m("operateur-operatrice-de-production-chimique",
       "Opérateur / Opératrice de production chimique", "Procesoperator chemie",
       "Chemical process operator", "3133.1", 2, 3, False, "industry", 500, 0.010, 40, 0.10,
       0.0, 3200, "ports", 70, 0.90, "temp"),
    _m("technicien-technicienne-de-maintenance-industrielle",
       "Technicien / Technicienne de maintenance industrielle", "Onderhoudstechnicus",
       "Industrial maintenance technician", "7233.7", 2, 3, False, "industry", 650, 0.020,
       40, 0.04, 0.05, 2900, "be", 120, 0.92, "temp"),
    _m("ingenieur-ingenieure-en-mecanique", "Ingénieur / Ingénieure en mécanique",
       "Werktuigkundig ingenieur", "Mechanical engineer", "2144.1", 5, 5, False, "industry",
       420, 0.015, 40, 0.16, 0.08, 3700, "be", 70, 0.93, "job_board"),
    _m("agriculteur-agricultrice", "Agriculteur / Agricultrice", "Landbouwer", "Farmer",
       "6130.1", 1, 3, True, "agriculture", 550, -0.025, 53, 0.25, 0.92, 2400, "rural", None,
       0.0, "network"),
    _m("jardinier-jardiniere-paysagiste", "Jardinier / Jardinière paysagiste",
       "Tuinaanlegger", "Landscape gardener", "6113.5", 1, 2, False, "agriculture", 500,
       0.015, 38, 0.10, 0.40, 2400, "be", 110, 0.78, "pes"),
    _m("viticulteur-viticultrice", "Viticulteur / Viticultrice", "Wijnbouwer", "Wine grower",
       "6112.6", 2, 3, False, "agriculture", 45, 0.070, 45, 0.30, 0.80, 2500, "rural", 5,
       0.80, "network"),
    _m("marechal-ferrant-marechale-ferrante", "Maréchal-ferrant / Maréchale-ferrante",
       "Hoefsmid", "Farrier", "7221.1.1", 1, 2, True, "agriculture", 7, -0.060, 44, 0.15, 0.85,
       2400, "rural", None, 0.0, "network"),
    _m("vendeur-vendeuse", "Vendeur / Vendeuse", "Verkoper", "Shop sales assistant",
       "5223.4", 0, 1, False, "retail", 3000, -0.010, 35, 0.65, 0.06, 2200, "be", 250, 0.70,
       "spontaneous", weight=2.0),
    _m("caissier-caissiere", "Caissier / Caissière", "Kassamedewerker", "Cashier",
       "5230.1", 0, 1, False, "retail", 800, -0.045, 34, 0.78, 0.0, 2100, "be", 70, 0.68,
       "temp"),
    _m("boucher-bouchere", "Boucher / Bouchère", "Slager", "Butcher",
       "7511.1", 1, 2, False, "retail", 500, -0.020, 43, 0.12, 0.50, 2400, "be", 40, 0.85,
       "network"),
    _m("fleuriste", "Fleuriste", "Bloemist", "Florist",
       "5223.7.18", 1, 2, False, "retail", 160, -0.010, 40, 0.82, 0.55, 2150, "be", 22, 0.66,
       "spontaneous"),
    _m("coiffeur-coiffeuse", "Coiffeur / Coiffeuse", "Kapper", "Hairdresser",
       "5141.1", 1, 3, False, "personal_services", 650, 0.000, 36, 0.80, 0.60, 2100, "be",
       140, 0.70, "spontaneous"),
    _m("luthier-luthiere", "Luthier / Luthière", "Vioolbouwer", "Stringed instrument maker",
       "7312.6", 3, 3, True, "crafts", 22, 0.000, 47, 0.30, 0.90, 2300, "be", None, 0.0,
       "network"),
    _m("inspecteur-inspectrice-de-police", "Inspecteur / Inspectrice de police",
       "Politie-inspecteur", "Police inspector", "5412.1", 1, 1, False, "public_safety",
       1000, 0.010, 39, 0.30, 0.0, 2900, "be", 160, 0.95, "internship"),
    _m("avocat-avocate", "Avocat / Avocate", "Advocaat", "Lawyer",
       "2611.1", 5, 5, True, "legal", 650, 0.012, 42, 0.55, 0.80, 3300, "urban", 110, 0.82,
       "network"),
    _m("journaliste", "Journaliste", "Journalist", "Journalist",
       "2642.1", 3, 5, False, "media", 320, -0.015, 43, 0.45, 0.40, 2900, "urban", 35, 0.55,
       "network"),
    _m("traducteur-traductrice", "Traducteur / Traductrice", "Vertaler", "Translator",
       "2643.6", 5, 5, False, "media", 260, -0.020, 44, 0.72, 0.65, 2900, "urban", 30, 0.60,
       "job_board"),
]
# Register occupations outside the catalogue. 2654.21 and 2221.21 are decoys: they share a
# textual prefix with 2654.2 and 2221.2 but belong to neither (the rule is "equal, or
# starts with the code followed by '.'"). 7412.1 is simply a code no métier claims.
UNMATCHED: list[Metier] = [
    _m("_decoy-2654-21", "-", "-", "-", "2654.21", 3, 3, False, "-", 30, 0.02, 40, 0.5, 0.3,
       3600, "av", 10, 0.30, "job_board"),
    _m("_decoy-2221-21", "-", "-", "-", "2221.21", 3, 3, False, "-", 45, 0.0, 40, 0.8, 0.0,
       3300, "be", 12, 0.40, "pes"),
    _m("_other-7412-1", "-", "-", "-", "7412.1", 2, 3, False, "-", 60, 0.0, 41, 0.05, 0.2,
       2600, "be", None, 0.0, "temp"),
]
# fmt: on

# The seed page's figures for the postproduction métier (register year 2025).
PP_RECORDS = {2019: 149, 2020: 157, 2021: 165, 2022: 173, 2023: 182, 2024: 191, 2025: 200}
PP_WOMEN_2025 = 70  # 35 %
PP_AGE_SUM_2025 = 42 * 200  # mean age 42.0
PP_REGIONS_2025 = {"BE10": 80, "BE31": 35, "BE33": 30, "BE32": 25, "BE35": 20}
PP_REGIONS_2025 |= {"BE24": 4, "BE21": 3, "BE23": 3}  # a few, suppressed in the card
# employees per year (the rest is self-employed: 160 of 200 = 80 % in 2025) and, from 2023,
# (entry = experience < 3, senior = experience >= 10) counts: 2025 has < 10 entry records so
# the pipeline pools 2023-2025 for salary_entry; 2025 has >= 10 seniors so it uses 2025 alone.
PP_EMPLOYEES = {2019: 31, 2020: 32, 2021: 34, 2022: 35, 2023: 36, 2024: 38, 2025: 40}
PP_BANDS = {2023: (7, 14), 2024: (5, 15), 2025: (7, 16)}
# Piecewise-linear quantile functions the designed wages follow: linear around the median
# (so symmetric grids give 2800 / 4500 exactly) and nearly flat around p90 (so p90 ~ 5000
# whatever the number of records).
PP_ENTRY_Q = ((0.0, 2350.0), (0.15, 2555.0), (0.85, 3045.0), (1.0, 3350.0))
PP_SENIOR_Q = (
    (0.0, 3600.0),
    (0.1, 3950.0),
    (0.35, 4350.0),
    (0.65, 4650.0),
    (0.75, 4980.0),
    (0.97, 5020.0),
    (1.0, 5800.0),
)
PP_INSERTION_2024 = [("2654.2", 24, 17, "network"), ("2654.2.1", 16, 11, "internship")]


@dataclass
class Row:
    """One register record (person x year) while it is being simulated."""

    year: int
    person_id: str
    code: str
    region: str
    sex: str
    age: int
    status: str
    experience: int
    weight: float
    wage_effect: float
    wage: float | None = None


def _clip(x: float, lo: int, hi: int) -> int:
    return int(min(max(x, lo), hi))


def records_per_year(m: Metier) -> dict[int, int]:
    """Rows per year: headcount trend divided by the year's sampling weight."""
    if m.slug == POSTPROD:
        return dict(PP_RECORDS)
    out = {}
    for y in YEARS:
        hc = m.headcount * (1 + m.growth) ** (y - REFERENCE_YEAR)
        w = 1.0 if y in UNWEIGHTED_YEARS else m.weight
        out[y] = max(1, round(hc / w))
    return out


def record_weight(m: Metier, year: int, region: str) -> float:
    """Sampling weight; the primary-teacher sample is stratified (Flanders sampled less)."""
    if year in UNWEIGHTED_YEARS or m.weight == 1.0:
        return 1.0
    if m.slug == "instituteur-institutrice-primaire" and not region.startswith("BE2"):
        return 1.25
    return m.weight


class Simulator:
    """Draws a simple panel per métier: people stay, age, gain experience, or leave."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.next_id = 1

    def _new_id(self) -> str:
        pid = f"P{self.next_id:07d}"
        self.next_id += 1
        return pid

    def _pick(self, items: list[str], probs: list[float]) -> str:
        # bisect on the cumulative weights: numpy's choice(p=...) per call is far slower
        cum = list(itertools.accumulate(probs))
        i = bisect.bisect_right(cum, float(self.rng.random()) * cum[-1])
        return items[min(i, len(items) - 1)]

    def _new_person(self, m: Metier, year: int, first: bool) -> Row:
        rng = self.rng
        start = 18 + m.training_min
        if first:
            age = _clip(round(rng.normal(m.mean_age, 10)), max(start, 19), 66)
            span = age - start
            exp = round(span * rng.uniform(0.3, 1.0)) if span > 0 else 0
        else:
            age = _clip(round(rng.normal(m.mean_age - 8, 8)), max(start, 19), 62)
            span = age - start
            if rng.random() < 0.5 or span <= 0:
                exp = int(rng.integers(0, 3))
            else:
                exp = round(span * rng.uniform(0.2, 0.9))
        exp = _clip(exp, 0, age - 16)
        codes, shares = zip(*m.codes, strict=True)
        region = self._pick(REGIONS, REGION_PROFILES[m.regions])
        status = "self_employed" if rng.random() < m.self_employed else "employee"
        return Row(
            year=year,
            person_id=self._new_id(),
            code=self._pick(list(codes), list(shares)),
            region=region,
            sex="F" if rng.random() < m.women else "M",
            age=age,
            status=status,
            experience=exp,
            weight=record_weight(m, year, region),
            wage_effect=float(rng.normal(0.0, 0.09)),
        )

    def _next_year(self, m: Metier, r: Row, year: int) -> Row:
        rng = self.rng
        region = r.region
        if rng.random() < 0.02:
            region = self._pick(REGIONS, REGION_PROFILES[m.regions])
        status = r.status
        if rng.random() < 0.04:
            status = "self_employed" if rng.random() < m.self_employed else "employee"
        return Row(
            year=year,
            person_id=r.person_id,
            code=r.code,
            region=region,
            sex=r.sex,
            age=r.age + 1,
            status=status,
            experience=r.experience + 1,
            weight=record_weight(m, year, region),
            wage_effect=r.wage_effect,
        )

    def panel(self, m: Metier) -> dict[int, list[Row]]:
        """Simulate the métier's records year by year (about 85 % stay each year)."""
        rng = self.rng
        target = records_per_year(m)
        years: dict[int, list[Row]] = {}
        prev: list[Row] = []
        for y in YEARS:
            if not prev:
                rows = [self._new_person(m, y, first=True) for _ in range(target[y])]
            else:
                retire = [
                    r.age + 1 > 70 or (r.age >= 62 and rng.random() < (r.age - 58) / 12)
                    for r in prev
                ]
                eligible = [r for r, out in zip(prev, retire, strict=True) if not out]
                n_stay = min(len(eligible), round(target[y] * 0.85))
                keep = sorted(rng.choice(len(eligible), size=n_stay, replace=False).tolist())
                rows = [self._next_year(m, eligible[i], y) for i in keep]
                rows += [self._new_person(m, y, first=False) for _ in range(target[y] - n_stay)]
            years[y] = rows
            prev = rows
        return years

    def wages(self, m: Metier, years: dict[int, list[Row]]) -> None:
        """Log-normal FTE wages: métier level x experience x region x sex x person x noise."""
        for y, rows in years.items():
            for r in rows:
                if r.status != "employee":
                    r.wage = None
                    continue
                e = r.experience
                ln = 0.032 * min(e, 15) + 0.012 * max(0, min(e, 30) - 15)
                ln += r.wage_effect + float(self.rng.normal(0.0, 0.03))
                factor = REGION_WAGE[r.region] * (0.97 if r.sex == "F" else 1.0)
                r.wage = round(m.entry_wage * WAGE_INDEX[y] * factor * math.exp(ln), 2)


def _quantile_fn(knots: tuple[tuple[float, float], ...], p: float) -> float:
    xs, ys = zip(*knots, strict=True)
    return float(np.interp(p, xs, ys))


def _designed_wages(
    rng: np.random.Generator, knots: tuple[tuple[float, float], ...], n: int
) -> list[float]:
    """n sorted wages at symmetric plotting positions (i + 0.5) / n of the quantile function.

    The grid is symmetric around p = 0.5 and the function linear there, so the median of one
    year, or of several years pooled, lands on the design value; small jitter keeps the
    values from looking rounded without moving the medians by more than a few euros.
    """
    out = []
    for i in range(n):
        p = (i + 0.5) / n
        jitter = 4.0 if abs(p - 0.5) < 1e-9 else 12.0
        out.append(round(_quantile_fn(knots, p) + float(rng.uniform(-jitter, jitter)), 2))
    return sorted(out)


def tune_postproduction(sim: Simulator, years: dict[int, list[Row]]) -> None:
    """Force the seed page's figures onto the simulated postproduction panel.

    Sex and age are changed per person (so they stay consistent across years); region and
    status are changed per year (moves and changes of status happen); wages of entry and
    senior employees in 2023-2025 follow the designed quantile functions.
    """
    rng = sim.rng
    ref = years[REFERENCE_YEAR]
    by_person: dict[str, list[Row]] = {}
    for rows in years.values():
        for r in rows:
            by_person.setdefault(r.person_id, []).append(r)

    # share of women: flip whole persons until exactly PP_WOMEN_2025 are F in 2025
    women = sum(r.sex == "F" for r in ref)
    want = "M" if women > PP_WOMEN_2025 else "F"
    flips = [r.person_id for r in ref if r.sex != want]
    for pid in rng.permutation(flips)[: abs(women - PP_WOMEN_2025)]:
        for r in by_person[str(pid)]:
            r.sex = want

    # average age: shift birth years of persons by one until the 2025 sum is exact
    diff = PP_AGE_SUM_2025 - sum(r.age for r in ref)
    while diff:
        step = 1 if diff > 0 else -1
        pid = ref[int(rng.integers(len(ref)))].person_id
        hist = by_person[pid]
        if all(18 <= r.age + step <= 70 and r.experience <= r.age + step - 16 for r in hist):
            for r in hist:
                r.age += step
            diff -= step

    # regions in 2025: keep people where the quota allows, move the overflow
    quota = dict(PP_REGIONS_2025)
    movers = []
    for r in ref:
        if quota.get(r.region, 0) > 0:
            quota[r.region] -= 1
        else:
            movers.append(r)
    free = [reg for reg, n in quota.items() for _ in range(n)]
    for r, reg in zip(movers, rng.permutation(free).tolist(), strict=True):
        r.region = str(reg)

    # status per year: keep last year's employees where possible, hit the band counts
    prev_emp: set[str] = set()
    for y in YEARS:
        rows = years[y]
        order = rng.permutation(len(rows)).tolist()
        order.sort(key=lambda i: rows[i].person_id not in prev_emp)  # stable: keepers first
        if y in PP_BANDS:
            n_entry, n_senior = PP_BANDS[y]
            need = {"entry": n_entry, "senior": n_senior}
            need["mid"] = PP_EMPLOYEES[y] - n_entry - n_senior
        else:
            need = {"all": PP_EMPLOYEES[y]}
        chosen: set[int] = set()
        for i in order:
            e = rows[i].experience
            band = "all" if "all" in need else "entry" if e < 3 else "senior" if e >= 10 else "mid"
            if need[band] > 0:
                need[band] -= 1
                chosen.add(i)
        if any(need.values()):
            raise RuntimeError(f"postproduction {y}: not enough candidates {need}")
        for i, r in enumerate(rows):
            r.status = "employee" if i in chosen else "self_employed"
        prev_emp = {rows[i].person_id for i in chosen}

    m = next(x for x in METIERS if x.slug == POSTPROD)
    sim.wages(m, years)
    for y in PP_BANDS:
        for band, knots in (("entry", PP_ENTRY_Q), ("senior", PP_SENIOR_Q)):
            emp = [
                r
                for r in years[y]
                if r.status == "employee"
                and (r.experience < 3 if band == "entry" else r.experience >= 10)
            ]
            emp.sort(key=lambda r: r.wage_effect)  # better-paid people get higher grid values
            for r, w in zip(emp, _designed_wages(rng, knots, len(emp)), strict=True):
                r.wage = w


def build_register(sim: Simulator) -> dict[int, pl.DataFrame]:
    """Simulate every métier (and the unmatched codes) and assemble one frame per year."""
    per_year: dict[int, list[Row]] = {y: [] for y in YEARS}
    for m in METIERS + UNMATCHED:
        years = sim.panel(m)
        if m.slug == POSTPROD:
            tune_postproduction(sim, years)
        else:
            sim.wages(m, years)
        for y in YEARS:
            per_year[y].extend(years[y])
    frames = {}
    for y, rows in per_year.items():
        df = pl.DataFrame(
            {
                "year": [r.year for r in rows],
                "person_id": [r.person_id for r in rows],
                "occupation_code": [r.code for r in rows],
                "region": [r.region for r in rows],
                "sex": [r.sex for r in rows],
                "age": [r.age for r in rows],
                "status": [r.status for r in rows],
                "gross_monthly_eur": [r.wage for r in rows],
                "experience_years": [r.experience for r in rows],
                "weight": [r.weight for r in rows],
            },
            schema={
                "year": pl.Int32,
                "person_id": pl.String,
                "occupation_code": pl.String,
                "region": pl.String,
                "sex": pl.String,
                "age": pl.Int32,
                "status": pl.String,
                "gross_monthly_eur": pl.Float64,
                "experience_years": pl.Int32,
                "weight": pl.Float64,
            },
        ).sort("person_id")
        if y in UNWEIGHTED_YEARS:
            df = df.drop("weight")
        frames[y] = df
    return frames


def build_insertion(rng: np.random.Generator) -> list[tuple[int, str, int, int, str]]:
    """Leavers per cohort and occupation code, one row per code with its main channel."""
    rows: list[tuple[int, str, int, int, str]] = []
    for m in METIERS + UNMATCHED:
        if m.leavers is None:
            continue
        codes = [c for c, s in m.codes if s >= 0.2][:2]
        shares = np.array([s for c, s in m.codes if c in codes])
        for cohort in COHORTS:
            if m.slug == POSTPROD and cohort == COHORTS[-1]:
                rows += [(cohort, *r) for r in PP_INSERTION_2024]
                continue
            scale = (1 + 0.02 * (cohort - COHORTS[-1])) * float(rng.uniform(0.85, 1.15))
            total = m.leavers if cohort == COHORTS[-1] else max(2, round(m.leavers * scale))
            split = np.floor(total * shares / shares.sum()).astype(int)
            split[0] += total - int(split.sum())
            rate = float(np.clip(m.insertion + rng.normal(0, 0.02), 0.05, 0.99))
            for code, n in zip(codes, split.tolist(), strict=True):
                if n <= 0:
                    continue
                employed = int(rng.binomial(n, rate))
                channel = CHANNELS[int(rng.choice(6, p=CHANNEL_PROFILES[m.channels]))]
                if m.slug == POSTPROD:
                    channel = "network" if code == m.esco_code else "internship"
                rows.append((cohort, code, n, employed, channel))
    rows.sort(key=lambda r: (r[0], r[1]))
    return rows


FACTS_HEADER = [
    "slug",
    "indicator",
    "value",
    "value_min",
    "value_max",
    "unit",
    "year",
    "region",
    "source",
    "source_url",
    "note",
    "source_fr",
    "source_nl",
    "source_en",
]
# The sample's figures are invented: every row cites the sample itself, in each card language,
# never a real publisher (no address either).
SAMPLE_CITATIONS = {
    "fr": "données d'exemple (synthétiques)",
    "nl": "voorbeeldgegevens (synthetisch)",
    "en": "sample data (synthetic)",
}
SAMPLE = (SAMPLE_CITATIONS["fr"], "")
# slug, indicator, value, min, max, unit, year, region ("" = Belgium), (source, url), note
# fmt: off
FACTS: list[tuple] = [
    (POSTPROD, "freelance_rate", None, 1500, 2500, "eur_per_week", 2025, "", SAMPLE,
     "Superviseur de postproduction confirmé sur une grosse production"),
    (POSTPROD, "budget_share", None, 0.15, 0.25, "share", 2024, "",
     SAMPLE,
     "Part de la postproduction dans le budget total d'un long métrage produit en Belgique"),
    (POSTPROD, "simultaneous_projects", 5, None, None, "count", 2025, "BE10",
     SAMPLE,
     "Projets de taille moyenne gérés simultanément par un superviseur expérimenté"),
    (POSTPROD, "activity_multiplier_since_2010", 3, None, None, "ratio", 2024, "",
     SAMPLE,
     "Volume d'activité de postproduction en Wallonie et à Bruxelles depuis 2010"),
    (POSTPROD, "international_coproduction_share", 0.6, None, None, "share", 2024, "",
     SAMPLE,
     "Part des projets post-produits en Belgique qui sont des coproductions internationales"),
    ("realisateur-realisatrice", "freelance_rate", None, 450, 900, "eur_per_day", 2025, "",
     SAMPLE, "Réalisateur·rice de fiction ou de documentaire, tarif journalier"),
    ("producteur-productrice-audiovisuel", "freelance_rate", None, 1800, 3000, "eur_per_week",
     2025, "", SAMPLE, "Producteur·rice exécutif·ve engagé·e pour la durée d'un projet"),
    ("monteur-monteuse-video", "freelance_rate", None, 300, 450, "eur_per_day", 2025, "",
     SAMPLE, "Monteur·euse image confirmé·e"),
    ("ingenieur-ingenieure-du-son", "freelance_rate", None, 300, 500, "eur_per_day", 2025, "",
     SAMPLE, "Prise de son ou mixage, hors location de matériel"),
    ("cadreur-cadreuse", "freelance_rate", None, 350, 550, "eur_per_day", 2025, "", SAMPLE,
     "Hors location de caméra"),
    ("developpeur-developpeuse-web", "freelance_rate", None, 450, 700, "eur_per_day", 2025,
     "", SAMPLE, "Développeur·euse full-stack, mission de 3 mois ou plus"),
    ("data-scientist", "freelance_rate", None, 600, 950, "eur_per_day", 2025, "", SAMPLE,
     "Mission en entreprise, profil senior"),
    ("analyste-en-cybersecurite", "freelance_rate", None, 650, 1000, "eur_per_day", 2025,
     "BE10", SAMPLE, "Audit et réponse à incident"),
    ("traducteur-traductrice", "freelance_rate", None, 250, 400, "eur_per_day", 2024, "",
     SAMPLE,
     "Traduction technique, équivalent journée"),
    ("comptable", "freelance_rate", None, 400, 650, "eur_per_day", 2024, "",
     SAMPLE, "Comptable indépendant·e en mission"),
    ("infirmier-infirmiere", "open_vacancies", 2100, None, None, "count", 2024, "BE10",
     SAMPLE,
     "Offres d'emploi ouvertes en fin d'année"),
    ("chauffeur-chauffeuse-poids-lourds", "open_vacancies", 3400, None, None, "count", 2024,
     "", SAMPLE, "Flandre"),
    ("electricien-electricienne", "open_vacancies", 900, None, None, "count", 2024, "BE32",
     SAMPLE, "Hainaut"),
    ("data-scientist", "remote_work_share", 0.55, None, None, "share", 2024, "", SAMPLE,
     "Part du temps de travail presté à distance"),
    ("agriculteur-agricultrice", "average_farm_size", 40, None, None, "hectare", 2023, "",
     SAMPLE, "Superficie agricole moyenne"),
    ("pilote-de-ligne", "training_cost", None, 80000, 120000, "eur", 2024, "",
     SAMPLE,
     "Coût d'une formation ATPL intégrée"),
]
# fmt: on


def write_metiers(out: Path) -> None:
    """The site catalogue (metiers/metiers.csv)."""
    df = pl.DataFrame(
        {
            "slug": [m.slug for m in METIERS],
            "title_fr": [m.title_fr for m in METIERS],
            "title_nl": [m.title_nl for m in METIERS],
            "title_en": [m.title_en for m in METIERS],
            "esco_code": [m.esco_code for m in METIERS],
            "training_years_min": [m.training_min for m in METIERS],
            "training_years_max": [m.training_max for m in METIERS],
            "training_plus_experience": [str(m.plus_experience).lower() for m in METIERS],
            "sector": [m.sector for m in METIERS],
        }
    )
    path = out / "metiers" / "metiers.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    df.write_csv(path)


def write_register(out: Path, frames: dict[int, pl.DataFrame]) -> None:
    """One file per year: CSV for the old extracts, Parquet from 2022."""
    folder = out / "register"
    folder.mkdir(parents=True, exist_ok=True)
    for y, df in frames.items():
        for old in folder.glob(f"register_{y}.*"):
            old.unlink()
        if y in CSV_YEARS:
            df.write_csv(folder / f"register_{y}.csv", float_precision=2)
        else:
            df.write_parquet(folder / f"register_{y}.parquet", statistics=True)


def write_insertion(out: Path, rows: list[tuple[int, str, int, int, str]], seed: int) -> None:
    """The workbook as a regional employment service publishes it (title rows on top)."""
    path = out / "insertion" / "insertion.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    # a fixed creation date keeps the file byte-identical between runs
    wb.set_properties(
        {
            "title": "Insertion des sortants de formation",
            "author": "Métiers en chiffres (synthetic sample)",
            "created": dt.datetime(2025, 1, 1),
        }
    )
    ws = wb.add_worksheet("Insertion")
    bold = wb.add_format({"bold": True, "font_size": 13})
    head = wb.add_format({"bold": True, "bottom": 1})
    ws.write_string(
        0,
        0,
        f"Insertion des sortants de formation – cohortes {COHORTS[0]}-{COHORTS[-1]} "
        "(données synthétiques)",
        bold,
    )
    ws.write_string(
        1,
        0,
        "Source : échantillon SYNTHÉTIQUE généré par bench/generate_sample.py "
        f"(seed {seed}) – emploi salarié ou indépendant 6 mois après la sortie.",
    )
    header = ["cohort_year", "occupation_code", "leavers", "employed_6m", "main_channel"]
    for c, name in enumerate(header):
        ws.write_string(3, c, name, head)
    for i, (cohort, code, leavers, employed, channel) in enumerate(rows, start=4):
        ws.write_number(i, 0, cohort)
        ws.write_string(i, 1, code)  # text, so 2654.10 could never become a number
        ws.write_number(i, 2, leavers)
        ws.write_number(i, 3, employed)
        ws.write_string(i, 4, channel)
    ws.set_column(0, 0, 12)
    ws.set_column(1, 1, 16)
    ws.set_column(2, 3, 12)
    ws.set_column(4, 4, 26)
    wb.close()


def write_facts(out: Path) -> None:
    """Editorial figures kept by the content team (facts/facts.csv)."""
    cols: dict[str, list] = {c: [] for c in FACTS_HEADER}
    for slug, ind, val, vmin, vmax, unit, year, region, (src, url), note in FACTS:
        for c, v in zip(
            FACTS_HEADER,
            (
                *(slug, ind, val, vmin, vmax, unit, year, region or None, src, url or None),
                *(note, SAMPLE_CITATIONS["fr"], SAMPLE_CITATIONS["nl"], SAMPLE_CITATIONS["en"]),
            ),
            strict=True,
        ):
            cols[c].append(v)
    num = {"value": pl.Float64, "value_min": pl.Float64, "value_max": pl.Float64}
    schema = {c: num.get(c, pl.String) for c in FACTS_HEADER} | {"year": pl.Int32}
    df = pl.DataFrame(cols, schema=schema)
    path = out / "facts" / "facts.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    # write numbers without a useless ".0" (1500 rather than 1500.0)
    df = df.with_columns(
        pl.col(c).map_elements(lambda v: f"{v:g}", return_dtype=pl.String) for c in num
    )
    df.write_csv(path)


README = """\
# Sample sources (SYNTHETIC DATA)

Everything in this folder is **synthetic**. No row describes a real person, training
leaver or published statistic. It was generated by

    python bench/generate_sample.py --seed {seed}

(the script's default seed is {default_seed}) and is rewritten identically by the same
command. Do not edit these files by hand: change the generator and run it again.

## What is designed to match the seed page

For `directeur-directrice-de-postproduction` (ESCO `2654.2`), the figures the pipeline
computes from these files reproduce the box "Le métier en chiffres (Belgique 2025)" and the
salary answer of the seed page `shared/seed/fiche-directeur-postproduction.txt`:

| figure | value in the data | displayed |
|---|---|---|
| headcount 2025 (sum of weights) | 200 | ~200 |
| growth 2020→2025 (compound) | 157 → 200 records, {growth:.4%} a year | +5% |
| average age 2025 | 42.0 | 42 ans |
| share of women 2025 | 70 / 200 | 35% |
| share self-employed 2025 | 160 / 200 | 80% |
| salary entry (experience < 3) | median {entry:.2f} ({n_entry} records in 2025: pooled) | 2.800€ |
| salary senior (experience ≥ 10) | median {s_med:.2f} ({n_senior} records, 2025 alone) | 4.500€ |
| salary senior, 90th percentile | {s_p90:.2f} | 5.000€ |
| insertion, cohort 2024 | 28 employed / 40 leavers, most via `network` | 70% (via le réseau) |
| training | 3-5 years + experience | 3-5 ans d'études + expérience |
| freelance rate | 1500-2500 €/week (facts.csv) | entre 1.500€ et 2.500€/semaine |
| regions 2025 | BE10 80, BE31 35, BE33 30, BE32 25, BE35 20, a few in Flanders | |

"Pooled" means 2023-2025 together: the pipeline pools when 2025 alone has fewer than 10
records. The entry and senior figures hold both for 2025 alone and for 2023-2025 pooled
(medians and p90 by linear interpolation, unweighted, as DuckDB `quantile_cont`). Other
métiers have plausible but invented figures; their headcounts are scaled down and are not
real Belgian magnitudes.

Deliberate edge cases: `marechal-ferrant-marechale-ferrante` has fewer than 10 records in
2025 (its figures must be suppressed); small métiers (`luthier-luthiere`,
`tailleur-tailleuse-de-pierre`, `viticulteur-viticultrice`, `actuaire`) have regional cells
of 1-9 records; `electricien-electricienne` is catalogued with the whole ISCO unit group
`7411` and its records use `7411`, `7411.1` and `7411.2.3`; the register and the workbook
hold decoy codes `2654.21` and `2221.21` that must **not** count for `2654.2` / `2221.2`,
and `7412.1`, which belongs to no métier.

Every catalogue `esco_code` is a real ESCO v1.2 occupation code (present in the French, Dutch
and English exports) whose labels name the métier, for example `2654.5` "monteur
audiovisuel/monteuse audiovisuelle" for `monteur-monteuse-video` and `2643.6`
"traducteur/traductrice" for `traducteur-traductrice`; the exception is
`electricien-electricienne`, catalogued with the ISCO-08 unit group `7411` (ESCO's
`iscoGroup`). The child codes used only in the register (`2221.2.2`, `2654.1.8.3`,
`2654.2.1`, `2654.2.3`, `7411.1`, `7411.2.3`) and the decoys need not be ESCO codes, and no
catalogue code extends another one, so a record belongs to at most one métier.

## Files

- `metiers/metiers.csv` — the catalogue, UTF-8, comma-separated, header:
  `slug,title_fr,title_nl,title_en,esco_code,training_years_min,training_years_max,
  training_plus_experience,sector` ({n_metiers} métiers; `training_plus_experience` is
  `true`/`false`).
- `register/register_<year>.csv` (2019, 2020, 2021) and `register/register_<year>.parquet`
  (2022-2025) — one row per person and year: `year, person_id, occupation_code, region,
  sex, age, status, gross_monthly_eur, experience_years, weight`. The 2019 and 2020 files
  have **no** `weight` column (full census, weight 1.0). From 2021 some métiers are sampled
  and their records carry weights ≠ 1 (so headcounts stay on trend across the switch):
{weighted}
  `person_id` is stable across years for a person who stays in the métier.
  `gross_monthly_eur` is the full-time-equivalent gross monthly wage of employees and is
  empty for the self-employed. `region` is a NUTS-2 code (BE10, BE21
  ... BE35), `sex` `F`/`M`, `status` `employee`/`self_employed`.
- `insertion/insertion.xlsx` — one sheet `Insertion`: a title row, a source row, an empty
  row, then the header `cohort_year, occupation_code, leavers, employed_6m, main_channel`
  and the data (cohorts 2020-2024; `occupation_code` stored as text; `main_channel` one of
  `{channels}`).
  Some métiers have no insertion data, and some have fewer than 10 leavers in the 2024
  cohort (the pipeline pools up to three cohorts).
- `facts/facts.csv` — editorial figures, UTF-8: `slug, indicator, value, value_min,
  value_max, unit, year, region, source, source_url, note, source_fr, source_nl, source_en`
  (freelance rates in `eur_per_week`/`eur_per_day`, budget shares, counts). The values are
  examples taken from the seed page or invented, so every row cites the sample itself, in
  each card language ("données d'exemple (synthétiques)", "voorbeeldgegevens (synthetisch)",
  "sample data (synthetic)"), with no address: no real publisher is named.

- `eurostat_sample/lfsa_egai2d_be.tsv` — a synthetic table in the exact shape of Eurostat's bulk
  TSV for `lfsa_egai2d` (employment by sex, age and ISCO-08 two-digit group, thousands,
  Belgium, 2019-2024): comma-joined key `freq,sex,age,isco08,unit,geo\\TIME_PERIOD`, year
  headers with a trailing space, `value flag` cells (`b` in 2021, `u` on the women's and
  men's estimates of groups 73 and 75), `: c` for the first group in 2019, CRLF line
  endings. Invented values; it feeds the context figures of the cards through the source
  `eurostat_sample`, whose citations say it is sample data (real Eurostat files go to
  `eurostat/`, source `eurostat_employment`).

Real publishers' files (ESCO, Eurostat, Statbel...) are not shipped here: put them in
`data/raw/esco/` (ESCO's `occupations_<lang>.csv` and `ISCOGroups_<lang>.csv`),
`data/raw/eurostat/` and `data/raw/statbel/` yourself.
"""


def write_readme(out: Path, seed: int, frames: dict[int, pl.DataFrame]) -> None:
    """Describe the sample, quoting the postproduction figures computed from the data."""
    fig = postproduction_figures(frames)
    weighted = "\n".join(
        f"  - `{m.slug}`: {m.weight:g}"
        + (" (1.25 outside Flanders)" if m.slug == "instituteur-institutrice-primaire" else "")
        for m in METIERS
        if m.weight != 1.0
    )
    text = README.format(
        seed=seed,
        default_seed=DEFAULT_SEED,
        growth=fig["growth_rate"],
        entry=fig["salary_entry"],
        n_entry=fig["n_entry_2025"],
        n_senior=fig["n_senior_2025"],
        s_med=fig["salary_senior_median"],
        s_p90=fig["salary_senior_p90"],
        n_metiers=len(METIERS),
        weighted=weighted,
        channels="`, `".join(CHANNELS[:3]) + "`,\n  `" + "`, `".join(CHANNELS[3:]),
    )
    (out / "README.md").write_text(text, encoding="utf-8")


def _belongs(code: pl.Expr, esco: str) -> pl.Expr:
    return (code == esco) | code.str.starts_with(esco + ".")


def postproduction_figures(frames: dict[int, pl.DataFrame]) -> dict[str, float]:
    """The card's register figures for postproduction, by the pipeline's rules."""
    sel = {
        y: df.filter(_belongs(pl.col("occupation_code"), "2654.2")).with_columns(
            pl.col("weight") if "weight" in df.columns else pl.lit(1.0).alias("weight")
        )
        for y, df in frames.items()
    }
    ref = sel[REFERENCE_YEAR]
    w = ref["weight"].sum()

    def band(years: list[int], cond: pl.Expr) -> np.ndarray:
        parts = [sel[y].filter((pl.col("status") == "employee") & cond) for y in years]
        return pl.concat(parts)["gross_monthly_eur"].to_numpy()

    entry_cond = pl.col("experience_years") < 3
    senior_cond = pl.col("experience_years") >= 10
    pooled = [REFERENCE_YEAR - 2, REFERENCE_YEAR - 1, REFERENCE_YEAR]
    entry = band([REFERENCE_YEAR], entry_cond)
    n_entry = len(entry)
    entry = entry if len(entry) >= 10 else band(pooled, entry_cond)
    senior = band([REFERENCE_YEAR], senior_cond)
    n_senior = len(senior)
    senior = senior if len(senior) >= 10 else band(pooled, senior_cond)
    return {
        "headcount": w,
        "growth_rate": (w / sel[REFERENCE_YEAR - 5]["weight"].sum()) ** (1 / 5) - 1,
        "average_age": (ref["age"] * ref["weight"]).sum() / w,
        "share_women": ref.filter(pl.col("sex") == "F")["weight"].sum() / w,
        "share_self_employed": ref.filter(pl.col("status") == "self_employed")["weight"].sum() / w,
        "salary_entry": float(np.percentile(entry, 50)),
        "salary_senior_median": float(np.percentile(senior, 50)),
        "salary_senior_p90": float(np.percentile(senior, 90)),
        "n_entry_2025": n_entry,
        "n_senior_2025": n_senior,
    }


def check_postproduction(frames: dict[int, pl.DataFrame]) -> None:
    """Fail loudly if a change to the generator moved a seed-page figure."""
    fig = postproduction_figures(frames)
    bounds = {
        "headcount": (195, 205),
        "growth_rate": (0.045, 0.055),
        "average_age": (41.5, 42.5),
        "share_women": (0.345, 0.355),
        "share_self_employed": (0.795, 0.805),
        "salary_entry": (2750, 2850),
        "salary_senior_median": (4450, 4550),
        "salary_senior_p90": (4950, 5050),
    }
    bad = {k: fig[k] for k, (lo, hi) in bounds.items() if not lo <= fig[k] < hi}
    if bad:
        raise AssertionError(f"postproduction figures off target: {bad}")


EUROSTAT_YEARS = range(2019, 2025)
# Two-digit groups whose women's estimate Eurostat would flag 'u' (low reliability): small.
LOW_RELIABILITY_GROUPS = {"73", "75"}


def write_eurostat(out: Path, seed: int) -> None:
    """A synthetic Eurostat bulk TSV in the shape of lfsa_egai2d (employment by sex, age and
    ISCO-08 two-digit group, thousands): comma-joined key, `geo\\TIME_PERIOD`, year headers
    with a trailing space, `value flag` cells, `:` for missing, CRLF line endings."""
    rng = np.random.default_rng(seed + 7)
    groups = sorted({m.esco_code[:2] for m in METIERS})
    header = "freq,sex,age,isco08,unit,geo\\TIME_PERIOD\t" + "\t".join(
        f"{year} " for year in EUROSTAT_YEARS
    )
    lines = [header]
    for group in groups:
        total = float(rng.uniform(15, 180))
        women = float(rng.uniform(0.1, 0.85))
        trend = float(rng.uniform(-0.02, 0.04))
        cells: dict[str, list[str]] = {"T": [], "F": [], "M": []}
        for offset, year in enumerate(EUROSTAT_YEARS):
            level = total * (1 + trend) ** offset
            parts = {"T": level, "F": level * women, "M": level * (1 - women)}
            for sex, value in parts.items():
                flag = "b" if year == 2021 else ""
                if sex != "T" and group in LOW_RELIABILITY_GROUPS:
                    flag += "u"
                if group == groups[0] and year == 2019:
                    cells[sex].append(": c")  # confidential: missing with a flag
                else:
                    cells[sex].append(f"{value:.1f} {flag}")
        for sex in ("F", "M", "T"):
            key = f"A,{sex},Y15-74,OC{group},THS_PER,BE"
            lines.append(key + "\t" + "\t".join(cells[sex]))
    # Its own folder and source (eurostat_sample), cited as sample data: real Eurostat files
    # go to eurostat/ and are cited as Eurostat.
    folder = out / "eurostat_sample"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lfsa_egai2d_be.tsv").write_bytes(("\r\n".join(lines) + "\r\n").encode())


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, generate everything, write it under --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "data" / "raw")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    out: Path = args.out
    sim = Simulator(args.seed)
    frames = build_register(sim)
    check_postproduction(frames)
    insertion = build_insertion(sim.rng)
    out.mkdir(parents=True, exist_ok=True)
    write_metiers(out)
    write_register(out, frames)
    write_insertion(out, insertion, args.seed)
    write_facts(out)
    write_eurostat(out, args.seed)
    write_readme(out, args.seed, frames)
    n = sum(df.height for df in frames.values())
    print(f"wrote {len(METIERS)} métiers, {n} register rows, {len(insertion)} insertion rows")
    print(f"to {out}")


if __name__ == "__main__":
    main()
