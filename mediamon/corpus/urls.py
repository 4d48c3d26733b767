"""Canonical URLs and stable document ids.

Two URLs that name the same article must give the same doc_id, so canonicalisation drops what
does not change the page: tracking parameters, fragments, default ports, host case, and the
order of query parameters.

Hand-written on purpose: doc_ids key every corpus, so no URL's canonical form may change, and
w3lib.url.canonicalize_url answers differently for about 1 in 20 real URLs (it keeps default
ports, credentials, a host's final dot, '//', %2F and %25 in paths, non-UTF-8 escapes as bytes;
tests/test_urls.py shows each case). The README says more under "What is hand-written, and why".
"""

import contextlib
import hashlib
import posixpath
import re
import unicodedata
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

# Parameters that only say where a click came from. Matched case-insensitively.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "igsh",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "hsctatracking",
        "mkt_tok",
        "ocid",
        "cmpid",
        "cmp",
        "ito",
        "spm",
        "share",
        "smid",
        "sr_share",
        "utm",
        "at_medium",
        "at_campaign",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "wt.mc_id",
        "ns_mchannel",
        "ns_source",
        "ns_campaign",
        "ns_linkname",
        "ns_fee",
        "rss",
        "rssfeed",
        "feature",
        "xtor",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hmb_", "vero_", "oly_", "__s")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_WS_RE = re.compile(r"\s+")


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def _clean_path(path: str) -> str:
    # Unlike w3lib this collapses '//', decodes %2F and %25, and gives U+FFFD for a non-UTF-8
    # escape; it is not idempotent ('%252F' -> '%2F' -> '//'). Kept: doc_ids depend on it.
    if not path:
        return "/"
    trailing = path.endswith("/")
    normalised = posixpath.normpath(path)
    if normalised == ".":
        normalised = "/"
    if normalised.startswith("//"):
        normalised = "/" + normalised.lstrip("/")
    if trailing and not normalised.endswith("/"):
        normalised += "/"
    # one spelling of percent-escapes: decode what needs no escaping, escape the rest
    return quote(unquote(normalised), safe="/:@!$&'()*+,;=-._~%")


def canonicalize_url(url: str) -> str:
    """The canonical form of an http(s) URL; other strings are returned stripped."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return url
    # an IPv6 host loses its brackets here ('http://::1:8080/x'): wrong, but doc_ids depend on it
    host = parts.hostname.lower().rstrip(".")
    with contextlib.suppress(UnicodeError):
        host = host.encode("idna").decode("ascii")
    port = parts.port if parts.port and parts.port != _DEFAULT_PORTS[scheme] else None
    # credentials are dropped: they never identify an article
    netloc = f"{host}:{port}" if port else host
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    ]
    query.sort()
    return urlunsplit((scheme, netloc, _clean_path(parts.path), urlencode(query), ""))


def domain_of(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname
    if not host:
        return None
    host = host.lower()
    return host[4:] if host.startswith("www.") else host


def normalise_text(text: str) -> str:
    """NFC, whitespace folded: the form whose hash identifies a text."""
    return _WS_RE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def text_hash(text: str) -> str:
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()[:32]


def doc_id_for(canonical_url: str | None, text: str) -> str:
    """16 hex digits: from the canonical URL, or from the text when there is no URL."""
    key = f"url:{canonical_url}" if canonical_url else f"text:{text_hash(text)}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
