"""Stance timeline exports: data files (CSV, JSON, Parquet) and charts (SVG, PNG).

The rows are those of the `stance_timeline` named query (corpus.timeline); undated stories are
left out and counted, so an export can say how many it could not place in time.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from mediamon.corpus.connection import database_file
from mediamon.corpus.timeline import FORMATS, Filters, timeline_batches, undated_stories
from mediamon.reports.charts import chart_panels, plural, timeline_svg
from mediamon.reports.files import check_target, format_of, output, write_bytes
from mediamon.reports.png import render_png

CHART_FORMATS = ("svg", "png")
TEXT_FORMATS = ("csv", "json")


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
    stream: BinaryIO | None = None,
) -> TimelineExport:
    """Write the timeline to path (`-`: to stream): every row, no cap.

    The format is fmt, else the file name's suffix; a name that says neither is refused.
    """
    filters = filters or Filters()
    fmt = format_of(path, fmt, FORMATS, TEXT_FORMATS)
    filters.check()
    corpus = database_file(con)
    check_target(path, corpus)  # before the query: a bad -o costs nothing
    # the batches stream from the connection's open result: no other statement until read
    batches = timeline_batches(con, filters, as_json=fmt == "json")
    with output(path, corpus, stream) as fh:
        rows = _WRITERS[fmt](batches, fh)
    undated, stories = undated_stories(con, filters)
    return TimelineExport(path, fmt, rows, undated, stories)


def _write_csv(batches: pa.RecordBatchReader, fh: BinaryIO) -> int:
    rows = 0
    # the header is our fixed column names (no commas or quotes): unquoted, as before
    options = pa_csv.WriteOptions(quoting_style="needed", quoting_header="none")
    with pa_csv.CSVWriter(fh, batches.schema, write_options=options) as writer:
        for batch in batches:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


def _write_parquet(batches: pa.RecordBatchReader, fh: BinaryIO) -> int:
    rows = 0
    with pq.ParquetWriter(fh, batches.schema, compression="zstd") as writer:
        for batch in batches:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


def _write_json(batches: pa.RecordBatchReader, fh: BinaryIO) -> int:
    """An array of objects, one a line (DuckDB made each object: dates as ISO strings)."""
    rows = 0
    fh.write(b"[")
    for batch in batches:
        lines = batch.column(0).to_pylist()
        if lines:
            fh.write((b"\n" if rows == 0 else b",\n") + ",\n".join(lines).encode("utf-8"))
            rows += len(lines)
    fh.write(b"\n]\n")
    return rows


_WRITERS = {"csv": _write_csv, "json": _write_json, "parquet": _write_parquet}


def export_chart(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    fmt: str | None = None,
    filters: Filters | None = None,
    max_panels: int = 12,
    stream: BinaryIO | None = None,
) -> Path:
    """Draw stories for (up) and against (down) per period as SVG, or PNG through Chromium."""
    filters = filters or Filters(freq="month", by="all")
    fmt = format_of(path, fmt, CHART_FORMATS, ("svg",))
    filters.check()
    corpus = database_file(con)
    check_target(path, corpus)
    panels = chart_panels(con, filters)[:max_panels]
    undated, _ = undated_stories(con, filters)
    title = "Stance over time" + (f": {filters.target}" if filters.target else "")
    left_out = plural(undated, "undated story", "undated stories")
    note = f"stories per {filters.freq}; {left_out} left out"
    svg = timeline_svg(panels, filters.freq, title=title, note=note)
    data = svg.encode("utf-8") if fmt == "svg" else render_png(svg)
    write_bytes(path, data, corpus, stream)
    return path
