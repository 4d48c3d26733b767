"""The corpus at a glance (`mediamon stats`)."""

from typing import Any

import duckdb


def corpus_stats(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    def one(sql: str) -> Any:
        row = con.execute(sql).fetchone()
        return row[0] if row else None

    by_source = con.execute(
        "SELECT coalesce(d.source_id, '(none)') AS source, any_value(s.name) AS name, "
        "count(*) AS documents, count(d.published_at) AS dated, "
        "min(d.published_at) AS first, max(d.published_at) AS last "
        "FROM documents d LEFT JOIN sources s USING (source_id) "
        "GROUP BY ALL ORDER BY documents DESC, source"
    ).fetchall()
    last_run = con.execute(
        "SELECT run_id, command, started_at, finished_at, status, stats FROM crawl_runs "
        "ORDER BY started_at DESC LIMIT 1"
    ).fetchone()
    return {
        "documents": one("SELECT count(*) FROM documents"),
        "dated": one("SELECT count(*) FROM documents WHERE published_at IS NOT NULL"),
        "undated": one("SELECT count(*) FROM documents WHERE published_at IS NULL"),
        "first_published": one("SELECT min(published_at) FROM documents"),
        "last_published": one("SELECT max(published_at) FROM documents"),
        "clusters": one("SELECT count(DISTINCT coalesce(cluster_id, doc_id)) FROM documents"),
        "prior_versions": one("SELECT count(*) FROM document_versions"),
        "pages": one("SELECT count(*) FROM pages"),
        "actors": one("SELECT count(*) FROM actors"),
        "actors_discovered": one("SELECT count(*) FROM actors WHERE origin = 'discovered'"),
        "mentions": one("SELECT count(*) FROM mentions"),
        "quotes": one("SELECT count(*) FROM quotes"),
        "stances": one("SELECT count(*) FROM stances"),
        "tagged_documents": one(
            "SELECT count(*) FROM documents WHERE nlp_version IS NOT NULL AND nlp_skipped IS NULL"
        ),
        "by_language": by_language(con),
        "by_source": [
            dict(zip(("source", "name", "documents", "dated", "first", "last"), row, strict=True))
            for row in by_source
        ],
        "last_run": dict(
            zip(
                ("run_id", "command", "started_at", "finished_at", "status", "stats"),
                last_run,
                strict=True,
            )
        )
        if last_run
        else None,
        "schema_version": one("SELECT max(version) FROM schema_migrations"),
    }


def by_language(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Documents per language: how many are tagged, how many `tag` left untagged (no pipeline
    for the language, or a language it could not determine) and how many wait for `tag`."""
    rows = con.execute(
        "SELECT coalesce(language, CASE WHEN language_source IS NULL THEN '(not detected)' "
        "ELSE '(undetermined)' END) AS language, count(*) AS documents, "
        "count(*) FILTER (WHERE nlp_version IS NOT NULL AND nlp_skipped IS NULL) AS tagged, "
        "count(*) FILTER (WHERE nlp_skipped IS NOT NULL) AS not_tagged, "
        "count(*) FILTER (WHERE nlp_version IS NULL) AS waiting "
        "FROM documents GROUP BY 1 ORDER BY documents DESC, language"
    ).fetchall()
    keys = ("language", "documents", "tagged", "not_tagged", "waiting")
    return [dict(zip(keys, row, strict=True)) for row in rows]
