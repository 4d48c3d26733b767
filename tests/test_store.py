import datetime as dt
from pathlib import Path

import pytest

from mediamon.corpus import connect
from mediamon.corpus.batch import BatchWriter
from mediamon.corpus.store import (
    DocumentRecord,
    PageRecord,
    read_html,
    write_documents,
    write_pages,
)
from mediamon.corpus.urls import canonicalize_url, doc_id_for


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("HTTPS://Example.ORG:443/a/b/?utm_source=x&id=3#frag", "https://example.org/a/b/?id=3"),
        ("http://example.org:80", "http://example.org/"),
        ("http://example.org:8080/x", "http://example.org:8080/x"),
        ("https://example.org/x?b=2&a=1&fbclid=zz&gclid=q", "https://example.org/x?a=1&b=2"),
        ("https://example.org/a/./b/../c", "https://example.org/a/c"),
        ("https://example.org/caf%c3%a9", "https://example.org/caf%C3%A9"),
        ("https://user:pw@example.org/x", "https://example.org/x"),
        ("https://www.example.org/x?mc_cid=1&mc_eid=2&page=2", "https://www.example.org/x?page=2"),
    ],
)
def test_canonicalize(raw: str, canonical: str) -> None:
    assert canonicalize_url(raw) == canonical


def test_doc_id_is_stable_and_content_based_without_url() -> None:
    a = doc_id_for("https://example.org/x", "text")
    assert a == doc_id_for("https://example.org/x", "other text") and len(a) == 16
    assert doc_id_for(None, "same  words\n") == doc_id_for(None, "same words")
    assert doc_id_for(None, "same words") != doc_id_for(None, "other words")


def test_outcomes(db: Path) -> None:
    day = dt.date(2020, 1, 2)
    with connect(db, create=True) as con:
        first = write_documents(
            con,
            [
                DocumentRecord(
                    text="alpha text",
                    url="https://e.org/a",
                    published_at=day,
                    date_source="meta",
                    date_precision="day",
                ),
                DocumentRecord(text="beta text", url="https://e.org/b"),
            ],
        )
        assert dict(first.counts) == {"new": 2}
        # no date this time: a NULL never erases the date we have
        again = write_documents(con, [DocumentRecord(text="alpha text", url="https://e.org/a")])
        assert dict(again.counts) == {"unchanged": 1}
        enriched = write_documents(
            con, [DocumentRecord(text="beta text", url="https://e.org/b", author="A. Writer")]
        )
        assert dict(enriched.counts) == {"enriched": 1}
        dup = write_documents(con, [DocumentRecord(text="alpha  text", url="https://e.org/c")])
        assert dict(dup.counts) == {"duplicate": 1}
        changed = write_documents(
            con, [DocumentRecord(text="alpha revised", url="https://e.org/a")]
        )
        assert dict(changed.counts) == {"updated": 1}
        rows = con.execute(
            "select url, published_at, author, version from documents order by url"
        ).fetchall()
        assert rows == [
            ("https://e.org/a", day, None, 2),
            ("https://e.org/b", None, "A. Writer", 1),
        ]


def test_pages_are_compressed_and_readable(db: Path) -> None:
    html = "<html><body>" + "<p>Encryption.</p>" * 2000 + "</body></html>"
    with connect(db, create=True) as con:
        write_pages(con, [PageRecord(url="https://e.org/p", status=200, html=html.encode())])
        size, stored = con.execute("select html_bytes, octet_length(html) from pages").fetchone()
        assert size == len(html) and stored < size / 10
        assert read_html(con, "https://e.org/p") == html


def test_batch_writer_flushes_by_size_and_on_exit(db: Path) -> None:
    with BatchWriter(db, batch_size=3, max_wait=60) as writer:
        for i in range(7):
            writer.add(DocumentRecord(text=f"text {i}", url=f"https://e.org/{i}", source_id="s"))
        assert writer.result.new == 6 and writer.pending == 1
    assert writer.result.new == 7
    with connect(db, read_only=True) as con:
        assert con.execute("select count(*) from documents").fetchone()[0] == 7
        assert con.execute("select source_id from sources").fetchall() == [("s",)]


def _wire_story(changes: dict[int, str] | None = None) -> str:
    words = []
    for i in range(300):
        words.append(f"w{i % 97}x{i // 97}")
    for position, word in (changes or {}).items():
        words[position] = word
    return " ".join(words)


def test_near_duplicates_share_a_cluster_across_batches(db: Path) -> None:
    original = _wire_story()
    copy = _wire_story({10: "Harbour", 50: "Ledger", 120: "reported", 200: "Tuesday", 290: "said"})
    other = " ".join(f"other{i}" for i in range(300))
    with connect(db, create=True) as con:
        write_documents(con, [DocumentRecord(text=original, url="https://a.org/wire")])
        write_documents(
            con,
            [
                DocumentRecord(text=copy, url="https://b.org/wire-copy"),
                DocumentRecord(text=other, url="https://c.org/unrelated"),
            ],
        )
        rows = dict(con.execute("select url, cluster_id from documents").fetchall())
        ids = dict(con.execute("select url, doc_id from documents").fetchall())
    assert rows["https://b.org/wire-copy"] == ids["https://a.org/wire"]
    assert rows["https://c.org/unrelated"] == ids["https://c.org/unrelated"]


def test_near_duplicates_within_one_batch(db: Path) -> None:
    with connect(db, create=True) as con:
        write_documents(
            con,
            [
                DocumentRecord(text=_wire_story(), url="https://a.org/1"),
                DocumentRecord(text=_wire_story({5: "changed", 6: "words"}), url="https://b.org/2"),
            ],
        )
        clusters = {r[0] for r in con.execute("select cluster_id from documents").fetchall()}
    assert len(clusters) == 1


def test_every_record_of_a_batch_has_its_own_outcome(db: Path) -> None:
    # the same article from two sources, and an AMP copy with another text, in one batch
    text = "Ministers met the platforms about encryption and child safety. " * 5
    with connect(db, create=True) as con:
        result = write_documents(
            con,
            [
                DocumentRecord(text=text, url="https://e.org/story", source_id="feed"),
                DocumentRecord(text=text, url="https://e.org/story", source_id="sitemap"),
                DocumentRecord(text=text + " More.", url="https://e.org/story", source_id="amp"),
            ],
        )
        assert dict(result.counts) == {"new": 1, "unchanged": 1, "updated": 1}
        assert con.execute("select count(*) from documents").fetchone() == (1,)
        assert con.execute("select count(*) from document_versions").fetchone() == (1,)


@pytest.mark.parametrize("feed_first", [True, False])
def test_the_best_date_evidence_wins_whichever_copy_comes_first(db: Path, feed_first: bool) -> None:
    text = "The regulator published its guidance on scanning encrypted messages. " * 5
    from_feed = DocumentRecord(
        text=text,
        url="https://e.org/guidance",
        published_at=dt.date(2023, 5, 2),
        date_source="feed",
        date_precision="day",
    )
    # the sitemap's copy: no date of its own, then a guess from the page
    guessed = DocumentRecord(
        text=text,
        url="https://e.org/guidance",
        published_at=dt.date(2023, 5, 9),
        date_source="htmldate",
        date_precision="day",
    )
    undated = DocumentRecord(text=text, url="https://e.org/guidance")
    order = [from_feed, guessed, undated] if feed_first else [undated, guessed, from_feed]
    with connect(db, create=True) as con:
        outcomes = [next(iter(write_documents(con, [rec]).counts)) for rec in order]
        stored = con.execute(
            "select published_at, date_source, date_precision from documents"
        ).fetchall()
    assert stored == [(dt.date(2023, 5, 2), "feed", "day")]
    expected = ["new", "unchanged", "unchanged"] if feed_first else ["new", "enriched", "enriched"]
    assert outcomes == expected


def test_background_writers_share_one_thread_and_never_collide(db: Path) -> None:
    # two sources of one crawl, each with its own writer, holding the same articles
    with connect(db, create=True):
        pass
    writers = [BatchWriter(db, batch_size=5, max_wait=60, background=True) for _ in range(2)]
    for i in range(40):
        for n, writer in enumerate(writers):
            writer.add(
                DocumentRecord(
                    text=f"story {i} about encryption", url=f"https://e.org/{i}", source_id=f"s{n}"
                ),
                PageRecord(url=f"https://e.org/{i}", status=200, outcome="stored"),
            )
    for writer in writers:
        writer.close()
        assert writer.failure is None
    totals = writers[0].result.counts + writers[1].result.counts
    assert totals == {"new": 40, "unchanged": 40}
    with connect(db, read_only=True) as con:
        assert con.execute("select count(*) from documents").fetchone() == (40,)
