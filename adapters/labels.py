"""Swedish labels and number format for human-readable output (reports.md, glossary.md)."""

from __future__ import annotations

from typing import Any

MEASURE_LABELS = {
    "care_days": "Vårddygn",
    "days": "Dagar",
    "average_placements": "Antal placeringar",
    "cost": "Kostnad, kr",
    "cost_per_care_day": "Kostnad per dygn, kr",
    "started": "Påbörjade",
    "ended": "Avslutade",
    "active_on_last_day": "Pågående sista dagen",
    "persons": "Personer",
}
# Measures shown with one decimal; all others as whole numbers.
ONE_DECIMAL = {"average_placements"}

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
    "month": "Månad",
    "quarter": "Kvartal",
    "tertial": "Tertial",
    "year": "År",
    "period": "Period",
}

VALUE_LABELS: dict[str, dict[Any, str]] = {
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
}

REPORT_TITLES = {"placements": "Placeringar i heldygnsvård"}


def value_label(dim: str, value: Any) -> str:
    if value is None:
        return "(uppgift saknas)"
    age_suffix = " år" if dim == "age_group" else ""
    return VALUE_LABELS.get(dim, {}).get(value, str(value)) + age_suffix


def swedish_number(value: Any, decimals: int) -> str:
    """1 827 and 20,3: space between thousands, comma as decimal sign; '–' for null."""
    if value is None:
        return "–"
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",")


def format_measure(measure: str, value: Any) -> str:
    return swedish_number(value, 1 if measure in ONE_DECIMAL else 0)
