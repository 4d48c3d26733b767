"""Nothing lost, nothing escapes: what a crawl stores, counts and reports when things go wrong.

Real `mediamon crawl` subprocesses over the demo site served on 127.0.0.1: sources that share
articles crawled side by side, a batch the corpus refuses, an extractor that cannot run, and
every trap of the demo site with each requested URL accounted for.
"""

import gzip
import json
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from mediamon.corpus.urls import canonicalize_url
from mediamon.crawler.figures import outcomes
from mediamon.demo.site import TRAPS, DemoSite
from mediamon.demo.site.site import Response
from tests.helpers import broken_extractor_env, mediamon_cmd, run_mediamon, sources_toml

pytestmark = pytest.mark.slow

RUNS = 12  # crawls of the same sources, each into a fresh corpus
AT_ONCE = 2  # crawls running side by side: a busy machine makes the writers overlap more


@pytest.fixture
def site() -> Iterator[DemoSite]:
    with DemoSite(slow_seconds=0.3) as demo:
        yield demo


def rows(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def last_run(db: Path) -> tuple[str, dict[str, Any]]:
    status, stats = rows(
        db,
        "select status, stats from crawl_runs where command = 'crawl' "
        "order by started_at desc limit 1",
    )[0]
    return status, json.loads(stats)


def crawl(db: Path, sources: Path, env: dict[str, str] | None = None) -> Any:
    out = run_mediamon("--db", str(db), "crawl", "--sources", str(sources), env=env, timeout=300)
    assert "Traceback" not in out.stderr, out.stderr
    return out


def test_sources_sharing_articles_store_each_once_every_time(
    tmp_path: Path, site: DemoSite
) -> None:
    # the feeds, the news sitemap and the sections of one site list the same articles; one
    # crawl runs the four sources side by side (before the fix, every run of this lost a batch)
    sources = sources_toml(
        site,
        tmp_path / "s.toml",
        **{
            "by-rss": {"feeds": ["/feeds/rss.xml"]},
            "by-atom": {"feeds": ["/feeds/atom.xml"]},
            "by-sitemap": {"sitemaps": ["/sitemaps/news.xml"]},
            "by-links": {
                "start_urls": ["/"],
                "max_depth": 1,
                "article_pattern": "/(news|opinion|wire)/[^/]+/$",
            },
        },
    )
    dbs = [tmp_path / f"run{i}.duckdb" for i in range(RUNS)]
    results: dict[Path, tuple[int, str, str]] = {}
    for start in range(0, RUNS, AT_ONCE):
        running = [
            (
                db,
                subprocess.Popen(
                    mediamon_cmd("--db", str(db), "crawl", "--sources", str(sources)),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
            )
            for db in dbs[start : start + AT_ONCE]
        ]
        for db, proc in running:
            stdout, stderr = proc.communicate(timeout=600)
            results[db] = (proc.returncode, stdout, stderr)

    reference: list[tuple[Any, ...]] | None = None
    for db in dbs:
        code, stdout, stderr = results[db]
        assert code == 0 and "Traceback" not in stderr, f"{db.name}: {stdout}\n{stderr}"
        status, stats = last_run(db)
        assert status == "ok", f"{db.name}: {stats}"
        # every article once, whichever source wrote it first
        assert rows(
            db, "select count(canonical_url) - count(distinct canonical_url) from documents"
        ) == [(0,)]
        stored = rows(
            db,
            "select canonical_url, text_hash, published_at, date_source from documents "
            "where source_id like 'by-%' order by 1",
        )
        assert len(stored) >= 20
        # the same documents with the same dates every time: a copy with a better date
        # (the feed's) enriches the one stored first
        if reference is None:
            reference = stored
        assert stored == reference, db.name
        figures = stats["sources"]
        new = sum(f["documents"].get("new", 0) for f in figures.values())
        assert new == len(stored), figures
        for source_id, f in figures.items():
            assert f["requests"] == outcomes(f) and f["unfinished"] == 0, (source_id, f)
            assert "store_failed" not in f["errors"] and "failure" not in f, (source_id, f)


def test_a_batch_the_corpus_refuses_fails_the_run(tmp_path: Path, db: Path, site: DemoSite) -> None:
    sources = sources_toml(site, tmp_path / "s.toml", news={"feeds": ["/feeds/rss.xml"]})
    assert run_mediamon("--db", str(db), "init").returncode == 0
    # a damaged corpus: the near-duplicate signatures no longer fit their table, so every
    # batch with a new document fails inside its transaction
    with duckdb.connect(str(db)) as con:
        con.execute("DROP TABLE doc_minhash")
        con.execute("CREATE TABLE doc_minhash (doc_id VARCHAR PRIMARY KEY, signature INTEGER)")
    seeds = rows(db, "select doc_id, text_hash from documents order by 1")

    out = crawl(db, sources)
    assert out.returncode == 1, out.stdout
    assert "Crawl " in out.stdout and ": failed" in out.stdout.splitlines()[0]
    assert "failed: could not write to the corpus" in out.stdout
    status, stats = last_run(db)
    figures = stats["sources"]["news"]
    assert status == "failed" and "could not write" in figures["failure"]
    # the lost pages are counted, and nothing already stored was lost
    assert figures["errors"]["store_failed"] >= 1
    assert figures["requests"] == outcomes(figures)
    assert rows(db, "select doc_id, text_hash from documents order by 1") == seeds
    # the pages of failed batches are not in the archive: the next crawl fetches them again
    assert rows(db, "select count(*) from pages where outcome = 'stored'") == [(0,)]


def test_an_extractor_that_cannot_run_fails_the_run(
    tmp_path: Path, db: Path, site: DemoSite
) -> None:
    sources = sources_toml(site, tmp_path / "s.toml", news={"feeds": ["/feeds/rss.xml"]})
    out = crawl(db, sources, env=broken_extractor_env(tmp_path))
    assert out.returncode == 1, out.stdout
    status, stats = last_run(db)
    figures = stats["sources"]["news"]
    errors = figures["errors"]
    # errors by kind, not pages without text
    assert errors.get("extraction_importerror", 0) >= 20, figures
    assert "no_text" not in figures["dropped"]
    assert status == "failed"
    assert figures["failure"].startswith("extraction_importerror on ")
    assert "trafilatura is broken" in figures["failure"]
    assert "failed: extraction_importerror" in out.stdout
    assert figures["requests"] == outcomes(figures)


META_REFRESH = (
    '<html><head><meta http-equiv="refresh" content="0; url={}"></head><body></body></html>'
)


def _with_more_traps(site: DemoSite) -> list[str]:
    """Add meta refreshes (to an article, to a private address, to itself) and a gzip bomb
    (40 MB of spaces in 40 kB) to the demo site; returns their paths."""
    private = f"http://127.0.0.2:{site.port}/admin/"
    pages = {
        "/refresh/article/": META_REFRESH.format(TRAPS["redirect_chain_target"]),
        "/refresh/private/": META_REFRESH.format(private),
        "/refresh/loop/": META_REFRESH.format("/refresh/loop/"),
    }
    bomb = gzip.compress(b" " * (40 * 1024 * 1024), compresslevel=9)
    route = site.site.route

    def more(path: str) -> Response:
        if path == "/bomb/":
            return Response(body=bomb, headers=[("Content-Encoding", "gzip")], compressible=False)
        if path in pages:
            return Response(body=pages[path].encode())
        return route(path)

    site.site.route = more  # type: ignore[method-assign]
    return [*pages, "/bomb/"]


def test_every_requested_url_ends_in_one_counted_outcome(
    tmp_path: Path, db: Path, site: DemoSite
) -> None:
    listed = sorted({path for name, path in TRAPS.items() if not name.startswith("seed")})
    listed += _with_more_traps(site)
    private = [TRAPS[k] for k in TRAPS if k.startswith("redirect_private")]
    sources = sources_toml(
        site,
        tmp_path / "s.toml",
        # other loopback hosts allowed, so redirects there meet the private-address check
        traps={
            "urls": listed,
            "allowed_domains": ["127.0.0.1", "127.0.0.2", "127.0.0.3", "localhost"],
        },
        # here they are another site: refused as offsite, and counted so
        offsite={"urls": private},
    )
    out = crawl(db, sources)
    assert out.returncode == 0, out.stdout + out.stderr
    _, stats = last_run(db)
    figures = stats["sources"]["traps"]

    distinct = {canonicalize_url(site.url(path)) for path in listed}
    assert figures["requests"] == len(distinct)
    assert outcomes(figures) == figures["requests"] and figures["unfinished"] == 0, figures
    # on the server: every URL was asked for, except the one robots.txt forbids
    paths = {path.split("?")[0] for path in listed}
    asked = {path for path in paths if site.hits[path] > 0}
    assert site.hits[TRAPS["robots_disallowed"]] == 0
    assert len(asked) + figures["dropped"]["robots"] == figures["requests"]

    dropped, errors = figures["dropped"], figures["errors"]
    assert errors["too_large"] == 3  # Content-Length, chunked, and the gzip bomb
    assert dropped["private_address"] == 4  # three redirects and a meta refresh
    assert errors["redirect_loop"] == 2  # the 302 loop and the meta refresh to itself
    # the redirect chain, the slash redirect and the meta refresh all end at an article that
    # was asked for directly: one stored page, three already fetched
    assert dropped["already_fetched"] == 3
    assert (
        sum(figures["documents"].values())
        == rows(db, "select count(*) from pages where source_id = 'traps' and doc_id is not null")[
            0
        ][0]
    )

    other = stats["sources"]["offsite"]
    assert other["dropped"] == {"offsite": 3}
    assert outcomes(other) == other["requests"] == 3


def test_a_page_that_could_not_be_reached_is_asked_for_again(tmp_path: Path, db: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on: the connection is refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sources = tmp_path / "s.toml"
    sources.write_text(
        f'[[sources]]\nid = "down"\nurls = ["http://127.0.0.1:{port}/news/story/"]\n'
        "allow_private = true\ndelay = 0.0\n",
        encoding="utf-8",
    )
    for _ in range(2):
        out = crawl(db, sources)
        assert out.returncode == 0, out.stdout + out.stderr
        _, stats = last_run(db)
        figures = stats["sources"]["down"]
        # asked for again, not skipped as a page already seen
        assert figures["errors"] == {"connection": 1} and figures["skipped"] == {}, figures
