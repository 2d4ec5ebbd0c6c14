"""The controller's budget file (budget.md): CSV (`;`, UTF-8, a BOM allowed, decimal comma
or point) or .xlsx with the same columns on its first sheet. Checked whole: every bad
cell is named by line and column, and nothing is taken unless all is right."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path

from adapters.errors import UserError
from adapters.reports.request import ReportKind, parse_where
from domain.budget import BUDGETABLE, SUMS, BudgetRow

MONTHS = tuple(f"m{n:02d}" for n in range(1, 13))
REQUIRED = ("year", "row", "label", "kind", "measure", "budget")
COLUMNS = (*REQUIRED, "where", *MONTHS)
_ROW_KEY = re.compile(r"^[a-z0-9_]{1,64}$", re.ASCII)
_NUMBER = re.compile(r"^-?\d+([.,]\d+)?$", re.ASCII)
_YEAR = re.compile(r"^\d{4}$", re.ASCII)


Bad = Callable[[str, str], None]  # (column, why): one problem of the current line


class BudgetFileError(UserError):
    """Every bad cell of a budget file, one per line of the message."""

    def __init__(self, path: str, problems: list[str]) -> None:
        shown = problems[:50]
        more = f"\n... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(
            f"{path}: {len(problems)} problem(s), nothing was stored:\n" + "\n".join(shown) + more
        )
        self.problems = problems


def read_budget_file(path: Path, kinds: dict[str, ReportKind]) -> tuple[list[BudgetRow], str]:
    """The rows of the file and its digest (SHA-256 of its bytes)."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UserError(f"{path}: {error.strerror or error}") from None
    digest = hashlib.sha256(data).hexdigest()
    table = _xlsx_rows(path, data) if path.suffix.lower() == ".xlsx" else _csv_rows(path, data)
    return parse_budget(str(path), table, kinds), digest


def _csv_rows(path: Path, data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text (save the CSV as UTF-8)") from None
    return [list(row) for row in csv.reader(io.StringIO(text), delimiter=";")]


def _xlsx_rows(path: Path, data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # a broken or foreign file: say so, in one line
        raise UserError(f"{path}: not a readable .xlsx file ({type(error).__name__})") from None
    sheet = book.worksheets[0]
    rows = []
    for values in sheet.iter_rows(values_only=True):
        rows.append(["" if v is None else _cell_text(v) for v in values])
    book.close()
    return rows


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_budget(
    name: str, table: Sequence[Sequence[str]], kinds: dict[str, ReportKind]
) -> list[BudgetRow]:
    if not table or not any(cell.strip() for cell in table[0]):
        raise BudgetFileError(name, ["line 1: no header row"])
    header = [cell.strip().lower() for cell in table[0]]
    problems: list[str] = []
    for column in REQUIRED:
        if column not in header:
            problems.append(f"line 1: the column {column} is missing")
    for column in header:
        if column and column not in COLUMNS:
            problems.append(f"line 1, column {column}: not a column of the budget file")
    present_months = [m for m in MONTHS if m in header]
    if present_months and len(present_months) != 12:
        problems.append("line 1: give all twelve month columns m01..m12 or none")
    if problems:
        raise BudgetFileError(name, problems)
    rows: list[BudgetRow] = []
    seen: set[tuple[int, str]] = set()
    for number, cells in enumerate(table[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        values = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        row = _row(number, values, bool(present_months), kinds, problems)
        if row is None:
            continue
        if (row.year, row.row) in seen:
            problems.append(f"line {number}, column row: {row.row} appears twice in {row.year}")
        seen.add((row.year, row.row))
        rows.append(row)
    if not rows and not problems:
        problems.append("no budget rows")
    if problems:
        raise BudgetFileError(name, problems)
    return rows


def _row(
    line: int,
    values: dict[str, str],
    with_months: bool,
    kinds: dict[str, ReportKind],
    problems: list[str],
) -> BudgetRow | None:
    before = len(problems)

    def bad(column: str, why: str) -> None:
        problems.append(f"line {line}, column {column}: {why}")

    year = values["year"]
    if not _YEAR.match(year) or not 1900 <= int(year) <= 2100:
        bad("year", f"{year!r} is not a year (YYYY, 1900-2100)")
    key = values["row"]
    if not _ROW_KEY.match(key):
        bad("row", f"{key!r}: a key of a-z, 0-9 and _ (at most 64)")
    if not values["label"]:
        bad("label", "empty")
    kind = kinds.get(values["kind"])
    if kind is None:
        bad("kind", f"{values['kind']!r}: one of {', '.join(kinds)}")
    measure = values["measure"]
    if kind is not None and measure not in kind.measures:
        bad("measure", f"{measure!r} is not a measure of {kind.name}")
    elif kind is not None and measure not in BUDGETABLE:
        bad("measure", f"{measure} cannot be budgeted (a share, median or count of persons)")
    where: list[tuple[str, tuple[str, ...]]] = []
    if kind is not None and values.get("where"):
        where = _where(values["where"], kind, bad)
    budget = _number(values["budget"], "budget", bad)
    months: tuple[Decimal, ...] | None = None
    if with_months:
        found = [_number(values[m], m, bad) if values[m] else None for m in MONTHS]
        given = [m for m in found if m is not None]
        if given and len(given) != 12:
            bad("m01", "give all twelve months or none")
        elif len(given) == 12:
            months = tuple(given)
            if budget is not None and measure in SUMS:
                tolerance = Decimal("0.01") if measure in ("cost", "amount") else Decimal("0.001")
                if abs(sum(months) - budget) > tolerance:
                    bad("budget", f"the months add up to {sum(months)}, not {budget}")
    if len(problems) > before or kind is None or budget is None:
        return None
    return BudgetRow(
        int(year), key, values["label"], kind.name, measure, tuple(where), budget, months
    )


def swedish_decimal(text: str) -> Decimal | None:
    """9,2 or 9.2, thousands spaced or not (a non-breaking space too); None if it is not
    a plain number (no exponent, NaN or infinity)."""
    cleaned = text.replace("\u00a0", "").replace(" ", "")
    if not _NUMBER.match(cleaned):
        return None
    try:
        return Decimal(cleaned.replace(",", "."))
    except InvalidOperation:
        return None


def _number(text: str, column: str, bad: Bad) -> Decimal | None:
    number = swedish_decimal(text)
    if number is None:
        bad(column, f"{text!r} is not a number")
    return number


def _where(text: str, kind: ReportKind, bad: Bad) -> list[tuple[str, tuple[str, ...]]]:
    """`target_group=barn_unga&form_group=institution,jourhem`, checked as --where is."""
    found: list[tuple[str, tuple[str, ...]]] = []
    for clause in text.split("&"):
        name, _, raw = clause.partition("=")
        values = tuple(v.strip() for v in raw.split(",") if v.strip())
        try:
            parse_where(kind, [f"{name.strip()}={v}" for v in values] or [clause])
        except UserError as error:
            bad("where", str(error).removeprefix("--where "))
            continue
        found.append((name.strip(), values))
    return found
