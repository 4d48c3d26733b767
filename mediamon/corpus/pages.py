"""The page archive as the crawler's "seen" set: what was fetched before, with its validators."""

import datetime as dt
from pathlib import Path

from mediamon.corpus.connection import connect, corpus_exists

# etag, last_modified, stored as a document, when fetched
Known = tuple[str | None, str | None, bool, dt.datetime | None]


def known_pages(db: Path) -> dict[str, Known]:
    """Pages the corpus has fetched before (not feeds or sitemaps), keyed by canonical URL."""
    if not corpus_exists(db):
        return {}
    with connect(db, read_only=True) as con:
        rows = con.execute(
            "SELECT url, etag, last_modified, doc_id IS NOT NULL, fetched_at FROM pages "
            "WHERE (status IS NULL OR status < 400) AND outcome NOT IN ('feed', 'sitemap')"
        ).fetchall()
    return {
        url: (etag, modified, bool(stored), fetched)
        for url, etag, modified, stored, fetched in rows
    }
