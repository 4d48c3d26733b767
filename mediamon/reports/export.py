"""Stance timeline exports: data files (CSV, JSON, Parquet) and charts (SVG, PNG).

The rows are those of the `stance_timeline` named query (corpus.timeline); undated stories are
left out and counted, so an export can say how many it could not place in time.
"""

from dataclasses import dataclass
from pathlib import Path

import duckdb

from mediamon.corpus.timeline import FORMATS, Filters, copy_timeline, undated_stories
from mediamon.errors import ExportError
from mediamon.reports.charts import chart_panels, plural, timeline_svg
from mediamon.reports.png import render_png

CHART_FORMATS = ("svg", "png")


@dataclass
class TimelineExport:
    path: Path
    format: str
    rows: int  # rows written
    undated: int  # stories with a matching stance but no publication date: left out
    stories: int  # stories placed in the timeline


def export_timeline(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    fmt: str | None = None,
    filters: Filters | None = None,
) -> TimelineExport:
    """Write the timeline to path: every row, no cap."""
    filters = filters or Filters()
    fmt = fmt or _format_from_suffix(path, FORMATS, "csv")
    if fmt not in FORMATS:
        raise ExportError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    _check_writable(path)
    rows = copy_timeline(con, path, fmt, filters)
    undated, stories = undated_stories(con, filters)
    return TimelineExport(path, fmt, rows, undated, stories)


def _format_from_suffix(path: Path, choices: tuple[str, ...], default: str) -> str:
    suffix = path.suffix.lower().lstrip(".")
    return suffix if suffix in choices else default


def _check_writable(path: Path) -> None:
    if path.is_dir():
        raise ExportError(f"{path} is a directory; give a file name with -o")
    if not path.parent.exists():
        raise ExportError(f"folder {path.parent} does not exist; create it or choose another -o")


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
