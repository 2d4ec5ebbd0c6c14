"""Swedish labels and number format for human-readable output (reports.md, glossary.md)."""

from __future__ import annotations

from decimal import Decimal

from adapters.reports.request import Cell
from adapters.streams import STREAMS

MEASURE_LABELS = {
    "days": "Dagar",
    **{measure: label for s in STREAMS for measure, label in s.labels.measures.items()},
}
# Measures shown with one decimal; all others as whole numbers. Shares are shown as
# percentages with one decimal (JSON and CSV keep the plain fraction).
ONE_DECIMAL = {
    "average_placements",
    "median_duration_days",
    "households_avg_per_month",
    "children_avg_per_month",
}
# In the verksamhetsmått and the budget, prices too (kr per care day, per household).
BUDGET_ONE_DECIMAL = ONE_DECIMAL | {"cost_per_care_day", "cost_per_household"}
PERCENT = {
    "assessed_within_14_days_share",
    "closed_over_4_months_share",
    "long_term_share",
    "long_term_persons_share",
}

DIMENSION_LABELS = {
    "form": "Placeringsform",
    "form_group": "Placeringsform",
    "legal_basis": "Lagrum",
    "target_group": "Målgrupp",
    "regi": "Regi",
    "provider": "Utförare",
    "sex": "Kön",
    "age_group": "Ålder",
    "unaccompanied": "Ensamkommande",
    "route": "Väg in",
    "reporter": "Anmälare",
    "outcome": "Utfall",
    "newly_arrived": "Nyanlända (etableringen)",
    "kind": "Slag av bistånd",
    "with_children": "Med barn",
    "month": "Månad",
    "quarter": "Kvartal",
    "tertial": "Tertial",
    "year": "År",
    "period": "Period",
}

VALUE_LABELS: dict[str, dict[Cell, str]] = {
    "form": {
        "hvb": "HVB",
        "sis": "SiS",
        "familjehem": "Familjehem",
        "natverkshem": "Nätverkshem",
        "jourhem": "Jourhem",
        "stodboende": "Stödboende",
        "traningslagenhet": "Träningslägenhet",
        "skyddat_boende": "Skyddat boende",
        "annat": "Annat",
    },
    "form_group": {
        "institution": "Institution (HVB, SiS)",
        "familjehem": "Familjehem (inkl. nätverkshem)",
        "jourhem": "Jourhem",
        "stodboende": "Stödboende, träningslägenhet",
        "skyddat_boende": "Skyddat boende",
        "annat": "Annat",
    },
    "legal_basis": {"sol": "SoL", "lvu": "LVU", "lvm": "LVM"},
    "target_group": {
        "barn_unga": "Barn och unga 0–20 år",
        "vuxna_missbruk": "Vuxna, missbruk",
        "vuxna_vald": "Våld i nära relation",
        "vuxna_ovriga": "Övriga vuxna",
        "ekonomiskt_bistand": "Ekonomiskt bistånd",
    },
    "regi": {"egen": "Egen regi", "extern": "Extern"},
    "sex": {"kvinna": "Kvinna", "man": "Man"},
    "unaccompanied": {True: "Ja", False: "Nej"},
    "route": {"anmalan": "Orosanmälan", "ansokan": "Ansökan", "ovrigt": "Övrigt"},
    "reporter": {
        "skola": "Skola",
        "forskola": "Förskola",
        "polis": "Polis",
        "halso_och_sjukvard": "Hälso- och sjukvård",
        "socialtjanst": "Socialtjänst",
        "anhorig": "Anhörig",
        "enskild": "Enskild",
        "anonym": "Anonym",
        "annan": "Annan",
    },
    "newly_arrived": {True: "Ja", False: "Nej"},
    "with_children": {True: "Ja", False: "Nej"},
    "kind": {"forsorjningsstod": "Försörjningsstöd", "ovrigt": "Övrigt bistånd"},
    "age_group": {"other": "Övriga åldrar"},  # outside the municipality's own bands
    "outcome": {
        "insats": "Insats",
        "ingen_insats": "Ingen insats",
        "avslag": "Avslag",
        "overflyttad": "Överflyttad",
        "annat": "Annat",
    },
}

REPORT_TITLES = {s.name: s.labels.title for s in STREAMS}


def value_label(dim: str, value: Cell) -> str:
    if value is None:
        return "(uppgift saknas)"
    named = VALUE_LABELS.get(dim, {})
    if value in named:
        return named[value]
    return str(value) + (" år" if dim == "age_group" else "")


def swedish_number(value: Cell | Decimal, decimals: int) -> str:
    """1 827 and 20,3: a non-breaking space between thousands, comma as decimal sign; "–"
    for null."""
    if value is None:
        return "–"
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", "\u00a0").replace(".", ",")  # a number never breaks at a line end


def format_measure(measure: str, value: Cell) -> str:
    if measure in PERCENT:
        return swedish_number(None if value is None else value * 100, 1)
    return swedish_number(value, 1 if measure in ONE_DECIMAL else 0)
