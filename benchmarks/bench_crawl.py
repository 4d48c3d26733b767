"""Crawl throughput on loopback, beside bare trafilatura on the same pages in the same run.

    python benchmarks/bench_crawl.py [--pages 1000] [--runs 3] [--eval-dir ../shared/eval]

The site: the real pages of the trafilatura evaluation set (990 pages from many sites, as
published, served with their original bytes) topped up to PAGES with demo articles; without
the evaluation set, demo articles only (small pages: extraction is cheap there, so the ratio
mostly measures Scrapy's own overhead). Each run crawls the site from its sitemap into a fresh
corpus with `mediamon crawl` (a subprocess, as a user runs it), and times
`trafilatura.bare_extraction` over the very same HTML in this process. Reported: pages per
second for both (medians), their ratio (the target is >= 0.8) and the crawl's peak memory.
"""

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mediamon.demo.site import DemoSite  # noqa: E402

SOURCES = """[[sources]]
id = "bench"
name = "Benchmark site"
sitemaps = ["{base}/sitemaps/articles.xml", "{base}/sitemaps/eval.xml"]
allowed_domains = ["127.0.0.1"]
allow_private = true
topic_filter = false
delay = 0.0
concurrency = 16
"""


class EvalPages:
    """Real pages served beside the demo site: /eval/<id>.html with their original bytes."""

    def __init__(self, eval_dir: Path, limit: int) -> None:
        import gzip

        docs = sorted((eval_dir / "trafilatura-eval" / "docs").glob("*.html.gz"))[:limit]
        self.pages = {
            f"/eval/{p.name.removesuffix('.html.gz')}.html": gzip.decompress(p.read_bytes())
            for p in docs
        }

    def install(self, site: DemoSite) -> list[str]:
        from mediamon.demo.site.site import Response

        original = site.site.route
        pages = self.pages
        base = site.base_url
        sitemap = "".join(f"<url><loc>{base}{path}</loc></url>" for path in pages)
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns='
            f'"http://www.sitemaps.org/schemas/sitemap/0.9">{sitemap}</urlset>'
        ).encode()

        def route(path: str) -> Response:
            if path in pages:
                return Response(200, pages[path], "text/html")
            if path == "/sitemaps/eval.xml":
                return Response(200, xml, "application/xml")
            return original(path)

        site.site.route = route  # type: ignore[method-assign]
        return [base + path for path in pages]


def build_site(site: DemoSite, pages: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    paragraphs = [
        p for a in site.site.articles for p in a.body.split("\n\n") if len(p.split()) > 25
    ]
    urls = []
    for i in range(pages):
        body = rng.sample(paragraphs, k=min(len(paragraphs), rng.randint(5, 9)))
        # a unique opening keeps the pages from being near-duplicates of each other
        opening = f"Report {i} from the benchmark desk, filed on day {i % 365} of the series."
        urls.append(
            site.add_article(
                slug=f"bench-{i:04d}",
                title=f"Benchmark story {i}: " + body[0].split(".")[0][:80],
                body="\n\n".join([opening, *body]),
                date_markup=rng.choice(["jsonld", "meta", "time", "none"]),
            )
        )
    return urls


def bare_extraction_rate(htmls: list[bytes]) -> float:
    from trafilatura import bare_extraction

    start = time.perf_counter()
    for html in htmls:
        # bare_extraction decodes bytes itself, as our pipeline must
        bare_extraction(html, include_comments=False)
    return len(htmls) / (time.perf_counter() - start)


def crawl_rate(base: str, pages: int) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        sources = Path(tmp) / "sources.toml"
        sources.write_text(SOURCES.format(base=base))
        db = Path(tmp) / "bench.duckdb"
        mediamon = Path(sys.executable).parent / "mediamon"
        subprocess.run([str(mediamon), "--db", str(db), "init"], check=True, capture_output=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        out = subprocess.run(
            [str(mediamon), "--db", str(db), "crawl", "--sources", str(sources)],
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - start
        if out.returncode != 0:
            raise SystemExit(f"crawl failed: {out.stderr.strip()}")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        import duckdb

        with duckdb.connect(str(db), read_only=True) as con:
            stored = con.execute(
                "SELECT count(*) FROM documents WHERE source_id = 'bench'"
            ).fetchone()[0]
    return pages / elapsed, stored, max(peak, before)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--eval-dir", type=Path, default=REPO.parent / "shared" / "eval")
    args = parser.parse_args()

    with DemoSite(slow_seconds=0.0) as site:
        urls: list[str] = []
        if (args.eval_dir / "trafilatura-eval").is_dir():
            urls = EvalPages(args.eval_dir, args.pages).install(site)
        else:
            print(f"no evaluation set at {args.eval_dir}: demo pages only")
        urls += build_site(site, max(0, args.pages - len(urls)))
        urls += [site.base_url + a.path for a in site.site.articles if not a.runtime]
        htmls = []
        for url in urls:
            try:
                htmls.append(urllib.request.urlopen(url).read())
            except urllib.error.HTTPError:  # the demo's traps (a 500 that recovers, ...)
                continue
        site.reset_hits()
        crawl_rates, bare_rates, stored, peak = [], [], 0, 0
        for run in range(args.runs):
            rate, stored, peak_kb = crawl_rate(site.base_url, len(urls))
            crawl_rates.append(rate)
            bare_rates.append(bare_extraction_rate(htmls))
            peak = max(peak, peak_kb)
            print(
                f"run {run + 1}: crawl {rate:.1f} pages/s ({stored} stored), "
                f"bare extraction {bare_rates[-1]:.1f} pages/s"
            )
    crawl_median = statistics.median(crawl_rates)
    bare_median = statistics.median(bare_rates)
    print(f"pages in the sitemaps: {len(urls)}; runs: {args.runs}")
    print(f"crawl (fetch + extract + dates + topic + store): {crawl_median:.1f} pages/s (median)")
    print(f"bare trafilatura.bare_extraction: {bare_median:.1f} pages/s (median)")
    print(f"ratio crawl / bare: {crawl_median / bare_median:.2f} (target >= 0.80)")
    print(f"peak memory of the crawl process: {peak / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
