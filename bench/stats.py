"""Figures: percentiles of one run, then median / min / max over the runs, and the
ratio of a figure to its reference measured in the same bench run."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


@dataclass
class Figure:
    """One measured quantity over several runs."""

    name: str
    unit: str
    runs: list[float] = field(default_factory=list)
    better: str = "higher"  # or "lower": how to read a ratio

    @property
    def median(self) -> float:
        return statistics.median(self.runs) if self.runs else float("nan")

    def as_dict(self) -> dict:
        return {"unit": self.unit, "median": round(self.median, 3),
                "min": round(min(self.runs), 3) if self.runs else None,
                "max": round(max(self.runs), 3) if self.runs else None,
                "runs": [round(r, 3) for r in self.runs], "better": self.better}


@dataclass
class Row:
    """A line of the table: a figure and its ratio to a reference figure."""

    section: str
    figure: Figure
    reference: Figure | None = None
    reference_label: str = ""
    target: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.reference is None or not self.reference.runs or not self.figure.runs:
            return None
        if self.reference.median == 0:
            return None
        return self.figure.median / self.reference.median

    def as_dict(self) -> dict:
        ratio = self.ratio
        return {"section": self.section, "figure": self.figure.name,
                **self.figure.as_dict(),
                "reference": self.reference_label or None,
                "reference_median": round(self.reference.median, 3) if self.reference else None,
                "ratio": round(ratio, 3) if ratio is not None else None,
                "target": self.target or None, "note": self.note or None}


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None or value != value:  # None or NaN
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}".replace(",", " ")
    return f"{value:.{digits}f}"


def table(rows: list[Row]) -> str:
    header = ("section", "figure", "unit", "median", "min", "max", "vs reference", "ratio",
              "target")
    lines = []
    for row in rows:
        f = row.figure
        lines.append((row.section, f.name, f.unit, fmt(f.median),
                      fmt(min(f.runs)) if f.runs else "-", fmt(max(f.runs)) if f.runs else "-",
                      f"{row.reference_label} ({fmt(row.reference.median)})"
                      if row.reference else "-",
                      f"{row.ratio:.2f}x" if row.ratio is not None else "-", row.target))
    widths = [max(len(str(x)) for x in column) for column in zip(header, *lines, strict=True)]

    def line(cells):
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    previous = None
    for cells in lines:
        if previous is not None and cells[0] != previous:
            out.append("")
        out.append(line(cells))
        previous = cells[0]
    return "\n".join(out)
