"""A crawl's figures per source, from Scrapy's stats, and what makes a source's crawl failed."""

from typing import Any

# errors on our side (the extractor, a pipeline, a spider callback), not the site's
INTERNAL_ERRORS = ("extraction_", "pipeline_", "spider_")


def source_stats(raw: dict[str, Any]) -> dict[str, Any]:
    """The run figures of one source from Scrapy's stats.

    `requests` (URLs asked for) is the sum of the outcomes: `listings` read, pages stored
    (`documents`, by what became of the document), `not_modified`, `dropped` by reason, `errors`
    by kind, and `unfinished` (no outcome yet when the crawl stopped).
    """
    out: dict[str, Any] = {
        "pages_fetched": raw.get("response_received_count", 0),
        "requests": 0,
        "listings": {},
        "documents": {},
        "not_modified": raw.get("mediamon/not_modified", 0),
        "dropped": {},
        "errors": {},
        "unfinished": raw.get("mediamon/unfinished", 0),
        "discovered": {},
        "skipped": {},
    }
    for key, value in raw.items():
        if not isinstance(key, str) or not key.startswith("mediamon/"):
            continue
        parts = key.split("/")
        if len(parts) == 3 and parts[1] == "requested":
            out["requests"] += value
        elif len(parts) == 3 and parts[1] in (
            "listings",
            "documents",
            "dropped",
            "errors",
            "discovered",
            "skipped",
        ):
            if value:  # a listing re-counted as an error leaves a 0 behind
                out[parts[1]][parts[2]] = value
        elif len(parts) == 3 and parts[1] == "last_error":
            out.setdefault("last_errors", {})[parts[2]] = value
    if raw.get("mediamon/failure"):
        out["failure"] = raw["mediamon/failure"]
    finish = raw.get("finish_reason")
    if finish:
        out["finish_reason"] = finish
    return out


def outcomes(figures: dict[str, Any]) -> int:
    """How many requests of a source's figures ended in a counted outcome."""
    return (
        sum(figures.get("listings", {}).values())
        + sum(figures.get("documents", {}).values())
        + int(figures.get("not_modified", 0))
        + sum(figures.get("dropped", {}).values())
        + sum(figures.get("errors", {}).values())
        + int(figures.get("unfinished", 0))
    )


def systematic_failure(figures: dict[str, Any]) -> str | None:
    """Most of a source's pages failed on our side the same way: the crawl did not work.

    One hostile page that breaks the extractor is an error among the figures; the extractor
    failing on most pages (a broken installation, a bug) fails the source and the run.
    """
    pages = (
        sum(figures.get("documents", {}).values())
        + int(figures.get("not_modified", 0))
        + sum(figures.get("dropped", {}).values())
        + sum(figures.get("errors", {}).values())
    )
    errors = figures.get("errors", {})
    internal = {k: int(v) for k, v in errors.items() if k.startswith(INTERNAL_ERRORS)}
    if not internal:
        return None
    kind, count = max(internal.items(), key=lambda item: item[1])
    if count * 2 <= pages:
        return None
    example = figures.get("last_errors", {}).get(kind, "")
    return f"{kind} on {count} of {pages} pages" + (f" (last: {example})" if example else "")
