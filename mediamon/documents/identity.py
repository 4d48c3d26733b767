"""Which URL names a document: the same answer for a crawl and a re-extraction.

A doc_id is a hash of the canonical URL, so a page re-extracted from the archive must reach the
URL its crawl reached, or it would become a second document instead of a new version.
"""

from urllib.parse import urlsplit

from mediamon.corpus.urls import canonicalize_url


def same_site(a: str, b: str) -> bool:
    """rel=canonical is trusted only within the page's own site."""
    host_a, host_b = urlsplit(a).hostname or "", urlsplit(b).hostname or ""
    strip = lambda h: h[4:] if h.startswith("www.") else h  # noqa: E731
    return (
        strip(host_a) == strip(host_b)
        or host_a.endswith("." + strip(host_b))
        or (host_b.endswith("." + strip(host_a)))
    )


def document_url(requested: str, page_url: str, declared: str | None) -> str:
    """The canonical URL of a page's document.

    requested: the canonical URL the crawler asked for; page_url: where the page was found
    (after redirects); declared: the page's own rel=canonical (or og:url), if any.
    """
    if declared and same_site(declared, page_url):
        return canonicalize_url(declared)
    return requested
