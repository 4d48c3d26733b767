"""Charts as SVG, drawn by hand: no script, no external reference, every label escaped."""

import datetime as dt
import html
from dataclasses import dataclass, field

import duckdb

from mediamon.corpus.timeline import Filters, timeline_rows

FAVOR, AGAINST, INK, GRID = "#2f6db5", "#d9622b", "#333", "#ddd"


@dataclass
class Panel:
    title: str
    points: dict[dt.date, tuple[int, int, int]] = field(default_factory=dict)

    def add(self, period: dt.date, favor: int, against: int, neutral: int) -> None:
        self.points[period] = (favor, against, neutral)

    def total(self) -> int:
        return sum(f + a for f, a, _ in self.points.values())


def periods_between(first: dt.date, last: dt.date, freq: str) -> list[dt.date]:
    """Every period start from first to last, so that empty periods show as gaps."""
    out, day = [], first
    while day <= last:
        out.append(day)
        if freq == "day":
            day += dt.timedelta(days=1)
        elif freq == "week":
            day += dt.timedelta(days=7)
        else:
            months = {"month": 1, "quarter": 3, "year": 12}[freq]
            index = day.year * 12 + day.month - 1 + months
            day = dt.date(index // 12, index % 12 + 1, 1)
    return out


def plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def svg_open(width: int, height: float, title: str) -> list[str]:
    """The opening of a chart: size, accessible name, white background, title."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
        f'viewBox="0 0 {width} {height:.0f}" role="img" aria-label="{esc(title)}" '
        'font-family="system-ui, sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height:.0f}" fill="#fff"/>',
        f'<text x="8" y="22" font-size="16" font-weight="600" fill="{INK}">{esc(title)}</text>',
    ]


def svg_size(svg: str) -> tuple[int, int]:
    head = svg[: svg.index(">")]
    width = int(head.split('width="', 1)[1].split('"', 1)[0])
    height = int(head.split('height="', 1)[1].split('"', 1)[0])
    return width, height


def timeline_svg(
    panels: list[Panel],
    freq: str,
    title: str = "",
    note: str = "",
    span: tuple[dt.date, dt.date] | None = None,
    width: int = 960,
) -> str:
    """Small multiples: stories for (bars up) and against (bars down) per period.

    span: the time axis (default: the panels' own first and last period); charts that share
    a span can be compared by eye.
    """
    left, right, top, panel_h, gap = 56, 16, 78, 96, 44
    height = top + max(1, len(panels)) * (panel_h + gap) + 10
    out = [
        *svg_open(width, height, title),
        f'<text x="8" y="42" fill="#666">{esc(note)}</text>',
        f'<rect x="{width - 190}" y="30" width="10" height="10" fill="{FAVOR}"/>'
        f'<text x="{width - 176}" y="39">for</text>'
        f'<rect x="{width - 130}" y="30" width="10" height="10" fill="{AGAINST}"/>'
        f'<text x="{width - 116}" y="39">against</text>',
    ]
    if not panels:
        out.append(f'<text x="{left}" y="{top + 40}" fill="#666">No dated stances to show.</text>')
        return "\n".join([*out, "</svg>"])
    dates = [d for p in panels for d in p.points]
    first, last = span or (min(dates), max(dates))
    periods = periods_between(_trunc(min(first, *dates), freq), max(last, *dates), freq)
    index = {d: i for i, d in enumerate(periods)}
    step = (width - left - right) / len(periods)
    # bars fill their slot, with a hairline between them, but never grow into blocks
    bar = min(max(step - (1 if step > 3 else 0), 0.6), 24.0)
    for n, panel in enumerate(panels):
        y0 = top + n * (panel_h + gap)
        peak = max([max(f, a) for f, a, _ in panel.points.values()] + [1])
        half = panel_h / 2
        mid = y0 + half
        out.append(
            f'<g class="panel"><text x="{left}" y="{y0 - 6}" font-weight="600">'
            f"{esc(panel.title)}</text>"
            f'<line x1="{left}" x2="{width - right}" y1="{mid}" y2="{mid}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y0 + 10}" text-anchor="end" fill="#666">{peak:,}</text>'
            f'<text x="{left - 6}" y="{y0 + panel_h}" text-anchor="end" fill="#666">{peak:,}</text>'
        )
        for day, (favor, against, neutral) in sorted(panel.points.items()):
            x = left + index[day] * step + (step - bar) / 2
            up, down = half * favor / peak, half * against / peak
            w = bar
            out.append(
                f"<g><title>{esc(panel.title)} {day}: {favor} for, {against} against, "
                f"{neutral} neutral</title>"
                f'<rect x="{x:.2f}" y="{mid - up:.2f}" width="{w:.2f}" height="{up:.2f}" '
                f'fill="{FAVOR}"/><rect x="{x:.2f}" y="{mid:.2f}" width="{w:.2f}" '
                f'height="{down:.2f}" fill="{AGAINST}"/></g>'
            )
        out.append(_year_ticks(periods, left, step, y0 + panel_h + 14) + "</g>")
    out.append("</svg>")
    return "\n".join(out)


def _trunc(day: dt.date, freq: str) -> dt.date:
    """The start of the period holding day, as DuckDB's date_trunc gives it."""
    if freq == "week":
        return day - dt.timedelta(days=day.weekday())
    if freq == "month":
        return day.replace(day=1)
    if freq == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if freq == "year":
        return dt.date(day.year, 1, 1)
    return day


def _year_ticks(periods: list[dt.date], left: float, step: float, y: float) -> str:
    years = sorted({p.year for p in periods})
    every = max(1, len(years) // 12)
    ticks = []
    for year in years[::every]:
        first = next(i for i, p in enumerate(periods) if p.year == year)
        ticks.append(f'<text x="{left + first * step:.1f}" y="{y:.1f}" fill="#666">{year}</text>')
    return "".join(ticks)


def chart_panels(con: duckdb.DuckDBPyConnection, filters: Filters) -> list[Panel]:
    """One panel per target (by all) or per (group, target): stories for and against."""
    columns, rows = timeline_rows(con, filters)
    key = {"actor": "actor_name", "actor_type": "actor_type"}.get(filters.by)
    panels: dict[str, Panel] = {}
    for row in rows:
        rec = dict(zip(columns, row, strict=True))
        title = rec["target"] if key is None else f"{rec[key]} · {rec['target']}"
        panel = panels.setdefault(title, Panel(title))
        panel.add(rec["period"], rec["n_favor"], rec["n_against"], rec["n_neutral"])
    return sorted(panels.values(), key=lambda p: (-p.total(), p.title))


def columns_svg(points: dict[dt.date, int], title: str, width: int = 960) -> str:
    """Documents per month as columns, empty months as gaps."""
    left, right, top, plot_h = 56, 16, 40, 140
    out = svg_open(width, top + plot_h + 30, title)
    if not points:
        out.append(f'<text x="{left}" y="{top + 40}" fill="#666">No dated documents.</text>')
        return "\n".join([*out, "</svg>"])
    periods = periods_between(min(points), max(points), "month")
    step = (width - left - right) / len(periods)
    peak = max(points.values())
    base = top + plot_h
    out.append(f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" fill="#666">{peak:,}</text>')
    out.append(f'<line x1="{left}" x2="{width - right}" y1="{base}" y2="{base}" stroke="#ccc"/>')
    for i, month in enumerate(periods):
        count = points.get(month, 0)
        h = plot_h * count / peak
        x = left + i * step
        out.append(
            f"<g><title>{month:%Y-%m}: {count} documents</title>"
            f'<rect x="{x:.2f}" y="{base - h:.2f}" width="{max(step - 1, 0.6):.2f}" '
            f'height="{h:.2f}" fill="{FAVOR}"/></g>'
        )
        if month.month == 1 or i == 0:
            out.append(f'<text x="{x:.1f}" y="{base + 16}" fill="#666">{month.year}</text>')
    return "\n".join([*out, "</svg>"])


def bars_svg(
    items: list[tuple[str, int, int]], title: str, labels: tuple[str, str], width: int = 960
) -> str:
    """Horizontal bars, each in two parts (dated and undated documents)."""
    left, top, row = 230, 50, 20
    peak = max([a + b for _, a, b in items] + [1])
    scale = (width - left - 80) / peak
    out = svg_open(width, top + max(1, len(items)) * row + 20, title)
    out.append(
        f'<rect x="{left}" y="30" width="10" height="10" fill="{FAVOR}"/>'
        f'<text x="{left + 14}" y="39">{esc(labels[0])}</text>'
        f'<rect x="{left + 110}" y="30" width="10" height="10" fill="#aaa"/>'
        f'<text x="{left + 124}" y="39">{esc(labels[1])}</text>'
    )
    for n, (label, a, b) in enumerate(items):
        y = top + n * row
        short = label if len(label) <= 34 else label[:33] + "…"
        out.append(
            f"<g><title>{esc(label)}: {a} {esc(labels[0])}, {b} {esc(labels[1])}</title>"
            f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" fill="{INK}">{esc(short)}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{a * scale:.1f}" height="{row - 6}" '
            f'fill="{FAVOR}"/><rect x="{left + a * scale:.1f}" y="{y + 3}" '
            f'width="{b * scale:.1f}" height="{row - 6}" fill="#aaa"/>'
            f'<text x="{left + (a + b) * scale + 4:.1f}" y="{y + 13}" fill="#666">'
            f"{a + b}</text></g>"
        )
    return "\n".join([*out, "</svg>"])
