"""Source health: is each source still delivering? (`mediamon sources`)

Built on the per-source figures every crawl run records. A source gets a warning when its
feed or sitemap broke in the last run, when it went silent against its own recent volume, or
when most of the pages it led to were dropped.
"""

import json
from dataclasses import dataclass, field
from typing import Any

import duckdb

from mediamon import queries
from mediamon.corpus.reading import bind_named, run

LISTING_ERRORS = ("feed_", "sitemap_")
RECENT_RUNS = 10
SILENT_AFTER = 2  # runs in a row without new documents, for a source that usually has some
MOSTLY_DROPPED = 0.5


@dataclass
class SourceHealth:
    source_id: str
    runs: int = 0
    last_run: Any = None
    last_success: Any = None
    new_per_run: float = 0.0
    last_errors: dict[str, int] = field(default_factory=dict)
    documents: int = 0
    warnings: list[str] = field(default_factory=list)


def _json(value: Any) -> dict[str, int]:
    if value is None:
        return {}
    data = json.loads(value) if isinstance(value, str) else value
    return {str(k): int(v) for k, v in (data or {}).items()}


def source_health(con: duckdb.DuckDBPyConnection) -> list[SourceHealth]:
    named = queries.get("source_runs")
    assert named is not None
    result = run(con, named.sql, bind_named(named, {"limit": "100000"}))
    rows = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
    documents = dict(
        con.execute("SELECT source_id, count(*) FROM documents GROUP BY source_id").fetchall()
    )
    by_source: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_source.setdefault(row["source_id"], []).append(row)
    report = []
    for source_id, runs in sorted(by_source.items()):
        runs.sort(key=lambda r: r["started_at"], reverse=True)
        recent = runs[:RECENT_RUNS]
        last = recent[0]
        health = SourceHealth(
            source_id=source_id,
            runs=len(runs),
            last_run=last["started_at"],
            last_success=next(
                (
                    r["started_at"]
                    for r in runs
                    if r["status"] == "ok" and r["pages_fetched"] > 0 and not r["failure"]
                ),
                None,
            ),
            new_per_run=round(sum(r["documents_new"] for r in recent) / len(recent), 2),
            last_errors=_json(last["errors"]),
            documents=int(documents.get(source_id, 0)),
        )
        health.warnings = _warnings(last, recent)
        report.append(health)
    return report


def _warnings(last: dict[str, Any], recent: list[dict[str, Any]]) -> list[str]:
    warnings = []
    errors = _json(last["errors"])
    broken = sorted(k for k in errors if k.startswith(LISTING_ERRORS))
    if last["failure"]:
        warnings.append(f"last crawl failed: {last['failure']}")
    if broken:
        warnings.append("feed or sitemap broke: " + ", ".join(broken))
    older = recent[SILENT_AFTER:]
    quiet = recent[:SILENT_AFTER]
    usual = sum(r["documents_new"] for r in older) / len(older) if older else 0.0
    if len(quiet) == SILENT_AFTER and usual >= 1 and all(r["documents_new"] == 0 for r in quiet):
        warnings.append(
            f"went silent: no new documents in {SILENT_AFTER} runs (usually {usual:.1f} a run)"
        )
    dropped = sum(_json(last["dropped"]).values())
    kept = (
        last["documents_new"]
        + last["documents_updated"]
        + last["documents_known"]
        + last["not_modified"]
    )
    if dropped >= 3 and dropped > MOSTLY_DROPPED * (dropped + kept):
        warnings.append(f"most pages dropped: {dropped} of {dropped + kept} in the last run")
    return warnings
