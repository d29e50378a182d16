"""Bar charts drawn on the server as SVG geometry (no script, no library, no inline style).

A chart is always shown next to a table of the same figures, for screen readers and
for anyone who prefers numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 220
BAR_HEIGHT = 22
GAP = 10
VALUE_WIDTH = 130


LABEL_CHARS = 30


@dataclass(frozen=True)
class Bar:
    label: str
    short_label: str
    value: float
    y: int
    width: float
    target: float | None = None
    target_x: float | None = None
    text: str = ""


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    height: int
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def summary(self) -> str:
        """The chart in one sentence, for aria-label."""
        parts = [f"{b.label} : {b.text}" for b in self.bars]
        return f"{self.title}. " + " ; ".join(parts)


def _format(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    return f"{value:.1f}".replace(".", ",")  # French decimal comma


def bar_chart(title: str, rows: list[tuple[str, float]] | list[tuple[str, float, float | None]],
              unit: str = "") -> BarChart:
    """Horizontal bars, scaled to the largest value or target; a target draws a tick."""
    normalised = [(str(r[0]), float(r[1] or 0), (float(r[2]) if len(r) > 2 and r[2] is not None
                                                  else None)) for r in rows]
    top = max([v for _, v, _ in normalised] + [t for *_, t in normalised if t is not None]
              + [1.0])
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = []
    for index, (label, value, target) in enumerate(normalised):
        text = _format(value) + (f" {unit}" if unit else "")
        if target is not None:
            text += f" / cible {_format(target)}"
        short = label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1].rstrip() + "…"
        bars.append(Bar(
            label=label, short_label=short, value=value, y=index * (BAR_HEIGHT + GAP),
            width=round(span * value / top, 1), target=target,
            target_x=round(LABEL_WIDTH + span * target / top, 1) if target is not None else None,
            text=text))
    height = max(len(bars) * (BAR_HEIGHT + GAP), BAR_HEIGHT)
    return BarChart(title=title, bars=tuple(bars), height=height)
