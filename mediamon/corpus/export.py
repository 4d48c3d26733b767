"""Stance timeline exports (CSV, JSON, Parquet through DuckDB's COPY) and charts (SVG, PNG).

The numbers are those of the `stance_timeline` named query: stories (a syndicated story once,
by cluster_id) for, against and neutral per period; undated documents are left out and
counted, so an export can say how many it could not place in time.
"""

import datetime as dt
import html
import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from mediamon import queries
from mediamon.corpus.errors import MediamonError

logger = logging.getLogger(__name__)

FREQS = ("day", "week", "month", "quarter", "year")
GROUPS = ("actor", "actor_type", "all")
FORMATS = ("csv", "json", "parquet")
CHART_FORMATS = ("svg", "png")

# COPY options per format, chosen from this fixed list (only the path is a bound parameter)
_COPY = {
    "csv": "(FORMAT csv, HEADER true)",
    "json": "(FORMAT json, ARRAY true)",
    "parquet": "(FORMAT parquet, COMPRESSION zstd)",
}


class ExportError(MediamonError):
    """A bad export option, an unwritable file, or PNG without a browser to render it."""


@dataclass
class TimelineExport:
    path: Path
    format: str
    rows: int  # rows written
    undated: int  # stories with a matching stance but no publication date: left out
    stories: int  # stories placed in the timeline


@dataclass
class Filters:
    freq: str = "week"
    by: str = "actor"
    target: str | None = None
    actor: str | None = None
    actor_type: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    min_confidence: float = 0.0

    def check(self) -> None:
        if self.freq not in FREQS:
            raise ExportError(f"--freq must be one of {', '.join(FREQS)}, not {self.freq!r}")
        if self.by not in GROUPS:
            raise ExportError(f"--by must be one of {', '.join(GROUPS)}, not {self.by!r}")
        if self.actor and self.by != "actor":
            raise ExportError("--actor picks one actor: leave out --by, or give --by actor")
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ExportError(
                f"--min-confidence must be between 0 and 1, not {self.min_confidence}"
            )

    def params(self) -> dict[str, Any]:
        self.check()
        return {
            "freq": self.freq,
            "by": self.by,
            "target": self.target,
            "actor": self.actor,
            "actor_type": self.actor_type,
            "since": self.since,
            "until": self.until,
            "min_confidence": self.min_confidence,
        }


def timeline_sql(by: str) -> str:
    """The stance_timeline named query, shaped for an export grouped `by` (a fixed choice)."""
    named = queries.get("stance_timeline")
    if named is None:  # pragma: no cover - the file ships with the package
        raise ExportError("the stance_timeline query is missing from queries/")
    inner = named.sql.strip().rstrip(";")
    key = {"actor": "actor AS actor_id, actor_name, ", "actor_type": "actor AS actor_type, "}
    return (
        f"SELECT period, {key.get(by, '')}target, n_favor, n_against, n_neutral, n_docs "
        f"FROM (\n{inner}\n) ORDER BY ALL"
    )


_UNDATED_SQL = """
SELECT
    count(DISTINCT coalesce(d.cluster_id, d.doc_id)) FILTER (WHERE d.published_at IS NULL),
    count(DISTINCT coalesce(d.cluster_id, d.doc_id)) FILTER (
        WHERE d.published_at IS NOT NULL
          AND ($since IS NULL OR d.published_at >= $since)
          AND ($until IS NULL OR d.published_at <= $until))
FROM stances s
JOIN documents d USING (doc_id)
LEFT JOIN actors a USING (actor_id)
WHERE ($target IS NULL OR s.target = $target)
  AND ($actor IS NULL OR s.actor_id = $actor)
  AND ($actor_type IS NULL OR a.type = $actor_type)
  AND coalesce(s.confidence, 0) >= $min_confidence
"""


def undated_stories(con: duckdb.DuckDBPyConnection, filters: Filters) -> tuple[int, int]:
    """(undated stories left out, dated stories placed) for these filters."""
    params = filters.params()
    keep = ("target", "actor", "actor_type", "since", "until", "min_confidence")
    row = con.execute(_UNDATED_SQL, {k: params[k] for k in keep}).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def timeline_rows(
    con: duckdb.DuckDBPyConnection, filters: Filters
) -> tuple[list[str], list[tuple[Any, ...]]]:
    cursor = con.execute(timeline_sql(filters.by), filters.params())
    columns = [d[0] for d in cursor.description or []]
    return columns, cursor.fetchall()


def export_timeline(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    fmt: str | None = None,
    filters: Filters | None = None,
) -> TimelineExport:
    """Write the timeline to path with DuckDB's COPY: every row, no cap."""
    filters = filters or Filters()
    fmt = fmt or _format_from_suffix(path, FORMATS, "csv")
    if fmt not in FORMATS:
        raise ExportError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    _check_writable(path)
    sql = f"COPY ({timeline_sql(filters.by)}) TO $path {_COPY[fmt]}"
    try:
        row = con.execute(sql, {**filters.params(), "path": str(path)}).fetchone()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise ExportError(f"could not export to {path}: {first}") from None
    undated, stories = undated_stories(con, filters)
    return TimelineExport(path, fmt, int(row[0]) if row else 0, undated, stories)


def _format_from_suffix(path: Path, choices: tuple[str, ...], default: str) -> str:
    suffix = path.suffix.lower().lstrip(".")
    return suffix if suffix in choices else default


def _check_writable(path: Path) -> None:
    if path.is_dir():
        raise ExportError(f"{path} is a directory; give a file name with -o")
    if not path.parent.exists():
        raise ExportError(f"folder {path.parent} does not exist; create it or choose another -o")


# --- SVG charts, hand-written: no script, no external reference, every label escaped ---

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


def export_chart(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    fmt: str | None = None,
    filters: Filters | None = None,
    max_panels: int = 12,
) -> Path:
    """Draw stories for (up) and against (down) per period as SVG, or PNG through Chromium."""
    filters = filters or Filters(freq="month", by="all")
    fmt = fmt or _format_from_suffix(path, CHART_FORMATS, "svg")
    if fmt not in CHART_FORMATS:
        raise ExportError(f"chart format must be svg or png, not {fmt!r}")
    _check_writable(path)
    panels = chart_panels(con, filters)[:max_panels]
    undated, _ = undated_stories(con, filters)
    title = "Stance over time" + (f": {filters.target}" if filters.target else "")
    left_out = plural(undated, "undated story", "undated stories")
    note = f"stories per {filters.freq}; {left_out} left out"
    svg = timeline_svg(panels, filters.freq, title=title, note=note)
    if fmt == "svg":
        path.write_text(svg, encoding="utf-8")
    else:
        render_png(svg, path)
    return path


def chromium_binary() -> str | None:
    for name in (os.environ.get("MEDIAMON_CHROMIUM"), "chromium", "chromium-browser"):
        if name and (found := shutil.which(name)):
            return found
    return None


def render_png(svg: str, path: Path) -> None:
    """Screenshot the SVG with headless Chromium (offline, throwaway profile)."""
    browser = chromium_binary()
    if browser is None:
        raise ExportError(
            "PNG charts are drawn by Chromium, which is not installed (apt-get install "
            "chromium); write SVG instead: -o chart.svg"
        )
    width, height = svg_size(svg)
    with tempfile.TemporaryDirectory(prefix="mediamon-png-") as tmp:
        page = Path(tmp) / "chart.html"
        page.write_text(
            "<!doctype html><meta charset='utf-8'><style>html,body{margin:0;background:#fff}"
            f"</style>{svg}",
            encoding="utf-8",
        )
        command = [
            browser, *headless_flags(Path(tmp) / "profile"),
            f"--window-size={width},{height}", f"--screenshot={path.resolve()}",
            "--hide-scrollbars", page.as_uri(),
        ]  # fmt: skip
        try:
            subprocess.run(command, capture_output=True, timeout=60, check=True)
        except (subprocess.SubprocessError, OSError) as exc:
            raise ExportError(
                f"Chromium could not draw the PNG ({exc}); write SVG instead"
            ) from None
    if not path.exists():
        raise ExportError("Chromium wrote no PNG; write SVG instead: -o chart.svg")


def headless_flags(profile: Path) -> list[str]:
    """Chromium without network chatter, GPU or first-run work, in a throwaway profile."""
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        f"--user-data-dir={profile}",
    ]
