"""What spiders hand to the pipelines: a fetched page and what it became."""

import datetime as dt
from dataclasses import dataclass, field

from mediamon.corpus.store import DocumentRecord
from mediamon.documents.dates import DateFinding


@dataclass
class PageItem:
    url: str  # the URL the body came from (after redirects)
    requested_url: str  # the canonical URL we asked for
    source_id: str
    status: int
    fetched_at: dt.datetime
    body: bytes = field(default=b"", repr=False)
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    date_hint: DateFinding | None = None
    ticket: int | None = None  # the request's ticket in the spider's ledger
    # filled in by the pipelines
    doc: DocumentRecord | None = field(default=None, repr=False)
    html_gz: bytes | None = field(default=None, repr=False)
    outcome: str | None = None
