import datetime as dt
import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest

from mediamon.corpus import connect
from mediamon.corpus.timeline import Filters
from mediamon.errors import ExportError
from mediamon.reports.export import export_chart, export_timeline
from mediamon.reports.png import chromium_binary
from tests.corpus_fixture import build_fixture
from tests.helpers import BIN, run_mediamon

# the timeline recomputed independently: stories per (week, actor, target, polarity)
TOTALS_SQL = """
SELECT polarity, sum(n) FROM (
    SELECT date_trunc('week', d.published_at), s.actor_id, s.target, s.polarity,
           count(DISTINCT coalesce(d.cluster_id, d.doc_id)) AS n
    FROM stances s JOIN documents d USING (doc_id)
    WHERE d.published_at IS NOT NULL GROUP BY ALL
) GROUP BY polarity
"""
DOCS_SQL = """
SELECT sum(n) FROM (
    SELECT count(DISTINCT coalesce(d.cluster_id, d.doc_id)) AS n
    FROM stances s JOIN documents d USING (doc_id)
    WHERE d.published_at IS NOT NULL GROUP BY date_trunc('week', d.published_at), s.actor_id,
          s.target
)
"""


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture(tmp_path_factory.mktemp("export") / "fixture.duckdb")


def _expected(db: Path) -> tuple[dict[str, int], int]:
    with connect(db, read_only=True) as con:
        totals = {k: int(v) for k, v in con.execute(TOTALS_SQL).fetchall()}
        row = con.execute(DOCS_SQL).fetchone()
    assert row is not None
    return totals, int(row[0])


def test_parquet_has_proper_types_and_the_totals(corpus_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "timeline.parquet"
    result = run_mediamon("--db", str(corpus_db), "export", "timeline", "-o", str(out))
    assert result.returncode == 0, result.stderr
    # the undated d5 (Meta, e2ee) is left out and said so
    assert "1 undated story left out" in result.stdout

    schema = pq.read_schema(out)
    assert str(schema.field("period").type) == "date32[day]"
    for column in ("n_favor", "n_against", "n_neutral", "n_docs"):
        assert str(schema.field(column).type) == "int64"

    frame = pl.read_parquet(out)
    assert frame.schema["period"] == pl.Date and frame.schema["n_docs"] == pl.Int64
    assert frame.columns == [
        "period", "actor_id", "actor_name", "target", "n_favor", "n_against", "n_neutral",
        "n_docs",
    ]  # fmt: skip
    totals, docs = _expected(corpus_db)
    assert int(frame["n_favor"].sum()) == totals["favor"]
    assert int(frame["n_against"].sum()) == totals["against"]
    assert int(frame["n_neutral"].sum()) == totals["neutral"]
    assert int(frame["n_docs"].sum()) == docs
    # d1 and its syndicated copy d2 are one story for Apple
    apple = frame.filter(
        (pl.col("actor_id") == "apple") & (pl.col("period") == dt.date(2021, 8, 2))
    )
    assert apple["n_favor"].to_list() == [1]
    assert frame.filter(pl.col("period").is_null()).height == 0

    pandas_frame = pd.read_parquet(out)
    assert int(pandas_frame["n_docs"].sum()) == docs
    assert pd.api.types.is_integer_dtype(pandas_frame["n_favor"])


def test_csv_and_json_read_cleanly(corpus_db: Path, tmp_path: Path) -> None:
    totals, docs = _expected(corpus_db)
    csv_path, json_path = tmp_path / "t.csv", tmp_path / "t.json"
    for path in (csv_path, json_path):
        result = run_mediamon("--db", str(corpus_db), "export", "timeline", "-o", str(path))
        assert result.returncode == 0, result.stderr

    frame = pl.read_csv(csv_path, try_parse_dates=True)
    assert frame.schema["period"] == pl.Date and frame.schema["n_against"] == pl.Int64
    assert int(frame["n_against"].sum()) == totals["against"]
    pandas_frame = pd.read_csv(csv_path, parse_dates=["period"])
    assert int(pandas_frame["n_docs"].sum()) == docs

    records = json.loads(json_path.read_text())
    assert sum(r["n_docs"] for r in records) == docs
    assert pd.read_json(json_path)["n_favor"].sum() == totals["favor"]


def test_the_duckdb_cli_reads_the_files(corpus_db: Path, tmp_path: Path) -> None:
    duckdb_cli = BIN / "duckdb"
    if not duckdb_cli.exists():
        pytest.skip("the duckdb CLI (duckdb-cli, a dev dependency) is not installed")
    _, docs = _expected(corpus_db)
    for fmt in ("parquet", "csv", "json"):
        path = tmp_path / f"t.{fmt}"
        assert (
            run_mediamon("--db", str(corpus_db), "export", "timeline", "-o", str(path)).returncode
            == 0
        )
        out = subprocess.run(
            [str(duckdb_cli), "-csv", "-noheader", "-c", f"SELECT sum(n_docs) FROM '{path}'"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert out.returncode == 0 and out.stdout.strip() == str(docs), (fmt, out.stderr)


def test_filters_by_actor_type_and_target(corpus_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "types.parquet"
    with connect(corpus_db, read_only=True) as con:
        result = export_timeline(
            con, path, filters=Filters(freq="month", by="actor_type", target="e2ee")
        )
        one = export_timeline(con, tmp_path / "meta.csv", filters=Filters(actor="meta"))
    frame = pl.read_parquet(path)
    assert frame.columns[:3] == ["period", "actor_type", "target"]
    assert set(frame["target"]) == {"e2ee"} and result.rows == frame.height
    assert result.undated == 1
    meta = pl.read_csv(tmp_path / "meta.csv")
    assert set(meta["actor_id"]) == {"meta"} and one.rows == 3 and one.undated == 1


def test_min_confidence_leaves_out_less_sure_stances(corpus_db: Path, tmp_path: Path) -> None:
    with connect(corpus_db, read_only=True) as con:
        every = export_timeline(con, tmp_path / "all.csv", filters=Filters(by="all"))
        none = export_timeline(
            con, tmp_path / "sure.csv", filters=Filters(by="all", min_confidence=1.0)
        )
    assert every.rows > 0 and none.rows == 0


def test_user_errors_are_one_line(corpus_db: Path, tmp_path: Path) -> None:
    cases = [
        (
            ["--actor", "meta", "--by", "actor_type", "-o", str(tmp_path / "x.csv")],
            "--actor picks one actor",
        ),
        (["-o", str(tmp_path / "missing" / "x.csv")], "does not exist"),
        (["--freq", "hourly", "-o", str(tmp_path / "x.csv")], "hourly"),
        (["--min-confidence", "2", "-o", str(tmp_path / "x.csv")], "--min-confidence"),
    ]
    for args, expected in cases:
        out = run_mediamon("--db", str(corpus_db), "export", "timeline", *args)
        assert out.returncode != 0 and expected in out.stderr, out.stderr
        assert "Traceback" not in out.stderr


def test_chart_svg_is_well_formed_and_escaped(corpus_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "types.svg"
    with connect(corpus_db, read_only=True) as con:
        export_chart(con, path, filters=Filters(freq="week", by="actor_type"))
    root = ET.parse(path).getroot()  # well-formed XML
    assert root.tag.endswith("svg")
    text = path.read_text()
    assert "ngo_privacy · scanning" in text and "<script" not in text
    assert "1 undated stories left out" in text or "undated" in text


def test_chart_png(corpus_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "stance.png"
    if chromium_binary() is None:
        with connect(corpus_db, read_only=True) as con, pytest.raises(ExportError, match="SVG"):
            export_chart(con, path)
        return
    out = run_mediamon(
        "--db", str(corpus_db), "export", "chart", "--target", "scanning", "-o", str(path)
    )
    assert out.returncode == 0, out.stderr
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 2000
