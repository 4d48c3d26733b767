"""A small corpus with known contents, for the named-query, search, export and report tests.

Small enough to count by hand: a syndicated story in two copies, an undated document, an actor
changing sides, a source that went silent, and a document full of hostile markup.
"""

import datetime as dt
import hashlib
from pathlib import Path

from mediamon.corpus import cells, connect
from mediamon.corpus.seeding import init_corpus

HOSTILE_TITLE = 'Scanning <script>alert("x")</script> & <img src="http://example.com/x.png">'
HOSTILE_EVIDENCE = 'EFF: <iframe src="https://example.com/frame"></iframe> scanning is surveillance'

ACTORS = [
    ("apple", "Apple", "company", None),
    ("meta", "Meta", "company", None),
    ("mark_zuckerberg", "Mark Zuckerberg", "person", "meta"),
    ("ncmec", "NCMEC", "ngo_child_safety", None),
    ("eff", "Electronic Frontier Foundation", "ngo_privacy", None),
    ("home_office", "Home Office", "government", None),
]
SOURCES = [("alpha", "Alpha News"), ("beta", "Beta Wire"), ("gamma", "Gamma Daily")]

# key, source, date, title, text, syndicated copy of
DOCS: list[tuple[str, str, str | None, str, str, str | None]] = [
    ("d1", "alpha", "2021-08-02", "Apple announces client-side scanning",
     "Apple said it will scan photos on iPhones. Privacy groups warned that client-side "
     "scanning breaks end-to-end encryption.", None),
    ("d2", "beta", "2021-08-03", "Apple announces client-side scanning",
     "Beta Wire: Apple said it will scan photos on iPhones. Privacy groups warned that "
     "client-side scanning breaks end-to-end encryption.", "d1"),
    ("d3", "alpha", "2021-08-04", "EFF warns against scanning",
     "The Electronic Frontier Foundation warned against scanning. Zuckerberg said Meta is "
     "committed to privacy.", None),
    ("d4", "beta", "2021-08-20", "Meta delays encryption of Messenger",
     "Meta rolled out encryption tests while the Home Office demanded lawful access.", None),
    ("d5", "alpha", None, "Undated note on encryption",
     "Meta defended encrypted messaging in a note nobody dated.", None),
    ("d7", "alpha", "2021-08-05", HOSTILE_TITLE,
     'Hostile text <b>bold</b> <a href="javascript:alert(1)">link</a> about scanning.', None),
    ("d8", "beta", "2020-03-02", "Meta questions encryption",
     "Meta said encryption needs more study and opposed it for now.", None),
    ("d9", "beta", "2020-06-01", "Meta again cautious on encryption",
     "Meta said encryption would wait.", None),
] + [
    (f"g{i}", "gamma", f"2021-{2 + i // 3:02d}-{1 + 9 * (i % 3):02d}", f"Gamma weekly {i}",
     f"Gamma Daily local round-up number {i} about the weather.", None)
    for i in range(12)
]  # fmt: skip

# doc, actor, target, polarity, basis, evidence
STANCES = [
    ("d1", "apple", "scanning", "favor", "quote", "Apple said it will scan photos"),
    ("d1", "ncmec", "scanning", "favor", "reported", "NCMEC welcomed the scanning"),
    ("d1", "eff", "scanning", "against", "quote", "scanning breaks end-to-end encryption"),
    ("d2", "apple", "scanning", "favor", "quote", "Apple said it will scan photos"),
    ("d2", "ncmec", "scanning", "favor", "reported", "NCMEC welcomed the scanning"),
    ("d2", "eff", "scanning", "against", "quote", "scanning breaks end-to-end encryption"),
    ("d3", "eff", "scanning", "against", "quote", "The EFF warned against scanning"),
    ("d3", "mark_zuckerberg", "e2ee", "neutral", "quote", "Meta is committed to privacy"),
    ("d4", "meta", "e2ee", "favor", "action", "Meta rolled out encryption tests"),
    ("d4", "home_office", "e2ee", "against", "quote", "the Home Office demanded lawful access"),
    ("d4", "ncmec", "e2ee", "against", "reported", "NCMEC opposed the delay's end"),
    ("d5", "meta", "e2ee", "favor", "authored", "Meta defended encrypted messaging"),
    ("d7", "eff", "scanning", "against", "quote", HOSTILE_EVIDENCE),
    ("d8", "meta", "e2ee", "against", "reported", "Meta opposed it for now"),
    ("d9", "meta", "e2ee", "against", "reported", "Meta said encryption would wait"),
]
# doc, speaker, quote, kind (a quote overlaps its stance's evidence: both start at 0)
QUOTES = [
    ("d1", "apple", "it will scan photos", "direct"),
    ("d2", "apple", "it will scan photos", "direct"),
    ("d1", "eff", "scanning breaks end-to-end encryption", "indirect"),
    ("d3", "mark_zuckerberg", "Meta is committed to privacy", "indirect"),
    ("d4", "home_office", "lawful access", "direct"),
]


def doc_id(key: str) -> str:
    return hashlib.sha256(f"fixture:{key}".encode()).hexdigest()[:16]


def build_fixture(path: Path) -> Path:
    """A migrated, seeded corpus plus the documents and annotations above."""
    init_corpus(path)
    when = dt.datetime(2024, 1, 1, 12, 0)
    with connect(path) as con:
        for source_id, name in SOURCES:
            con.execute(
                "INSERT INTO sources (source_id, name, kind) VALUES (?, ?, 'feeds')",
                [source_id, name],
            )
        for actor_id, name, type_, speaks_for in ACTORS:
            con.execute(
                "INSERT INTO actors (actor_id, name, type, speaks_for) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (actor_id) DO NOTHING",
                [actor_id, name, type_, speaks_for],
            )
        for key, source, date, title, text, copy_of in DOCS:
            url = "javascript:alert(1)" if key == "d7" else f"https://{source}.example/{key}.html"
            con.execute(
                "INSERT INTO documents (doc_id, url, canonical_url, source_id, domain, title, "
                "published_at, date_source, date_precision, fetched_at, ingested_at, "
                "updated_at, text, word_count, text_hash, cluster_id, relevance, nlp_version) "
                "VALUES ($id, $url, $url, $source, $domain, $title, $date, "
                "CASE WHEN $date IS NULL THEN NULL ELSE 'meta' END, "
                "CASE WHEN $date IS NULL THEN NULL ELSE 'day' END, $when, $when, $when, "
                "$text, $words, $hash, $cluster, 0.9, 'fixture')",
                {
                    "id": doc_id(key),
                    "url": url,
                    "source": source,
                    "domain": f"{source}.example",
                    "title": title,
                    "date": dt.date.fromisoformat(date) if date else None,
                    "when": when,
                    "text": text,
                    "words": len(text.split()),
                    "hash": hashlib.sha256(text.encode()).hexdigest()[:32],
                    "cluster": doc_id(copy_of or key),
                },
            )
        for key, actor, target, polarity, basis, evidence in STANCES:
            con.execute(
                "INSERT INTO stances VALUES (?, ?, ?, ?, 0.8, ?, ?, 0, ?, 'fixture')",
                [doc_id(key), actor, target, polarity, evidence, basis, len(evidence)],
            )
            mentioned = "meta" if actor == "mark_zuckerberg" else actor
            for who in {actor, mentioned}:
                con.execute(
                    "INSERT INTO mentions VALUES (?, ?, 0, 5, ?, 'ORG', 'fixture')",
                    [doc_id(key), who, who],
                )
        for key, speaker, quote, kind in QUOTES:
            con.execute(
                "INSERT INTO quotes VALUES (?, ?, ?, 0, ?, ?, 'fixture')",
                [doc_id(key), speaker, quote, len(quote), kind],
            )
        # mentions are per document: drop the duplicates the loop above made
        con.execute("CREATE TEMP TABLE m AS SELECT DISTINCT * FROM mentions")
        con.execute("DELETE FROM mentions")
        con.execute("INSERT INTO mentions SELECT * FROM m")
        # written around mediamon's write path: derive the timeline's tables as it would
        cells.rebuild(con)
    return path
