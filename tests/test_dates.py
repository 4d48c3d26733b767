"""Publication dates with provenance (documents/dates.py), on small hand-written pages."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from mediamon.documents.dates import (
    DateFinding,
    date_from_url,
    find_publication_date,
    parse_date_string,
)

TODAY = dt.date(2024, 6, 1)

BODY = """
<p>Ministers met the heads of several messaging companies to discuss encrypted chats and the
detection of abuse material. No agreement was reached, and a further meeting is planned.</p>
"""


def page(head: str = "", body: str = BODY, html_attrs: str = 'lang="en"') -> str:
    return f"<html {html_attrs}><head><title>t</title>{head}</head><body>{body}</body></html>"


def jsonld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def find(html: str, url: str | None = None, hint: DateFinding | None = None) -> DateFinding | None:
    return find_publication_date(html, url, hint=hint, today=TODAY)


def day(html: str, url: str | None = None) -> dt.date:
    found = find(html, url)
    assert found is not None
    return found.value


# --- structured data ----------------------------------------------------------------------------


def test_jsonld_news_article() -> None:
    html = page(jsonld({"@type": "NewsArticle", "datePublished": "2021-03-04T10:00:00+01:00"}))
    assert find(html) == DateFinding(dt.date(2021, 3, 4), "jsonld", "day")


def test_jsonld_graph_prefers_the_article_over_other_nodes() -> None:
    data = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "ImageObject", "datePublished": "2015-01-01"},
            {"@type": "WebPage", "datePublished": "2020-12-31"},
            {"@type": ["BlogPosting"], "datePublished": "2021-01-02"},
        ],
    }
    assert find(page(jsonld(data))) == DateFinding(dt.date(2021, 1, 2), "jsonld", "day")


def test_jsonld_array_and_related_items_ignored() -> None:
    data = [
        {
            "@type": "Article",
            "datePublished": "2022-05-06",
            "hasPart": [{"@type": "Article", "datePublished": "2001-01-01"}],
        }
    ]
    assert find(page(jsonld(data))) == DateFinding(dt.date(2022, 5, 6), "jsonld", "day")


def test_jsonld_with_trailing_comma_is_repaired() -> None:
    raw = (
        '<script type="application/ld+json">'
        '{"@type": "Article", "datePublished": "2019-02-03",}</script>'
    )
    assert find(page(raw)) == DateFinding(dt.date(2019, 2, 3), "jsonld", "day")


@pytest.mark.parametrize(
    "tag",
    [
        '<meta property="article:published_time" content="2020-07-08T09:10:11+02:00">',
        '<meta name="pubdate" content="2020-07-08">',
        '<meta name="DC.date.issued" content="2020-07-08">',
        '<meta name="citation_publication_date" content="2020/07/08">',
        '<meta name="sailthru.date" content="2020-07-08 21:00:00">',
        '<meta name="parsely-pub-date" content="2020-07-08T10:00:00+02:00">',
        '<meta itemprop="datePublished" content="2020-07-08">',
    ],
)
def test_meta_tags(tag: str) -> None:
    assert find(page(tag)) == DateFinding(dt.date(2020, 7, 8), "meta", "day")


def test_published_preferred_over_modified() -> None:
    head = (
        '<meta property="article:modified_time" content="2023-01-09T08:00:00+01:00">'
        '<meta property="og:updated_time" content="2023-01-09T08:00:00+01:00">'
        '<meta property="article:published_time" content="2022-11-30T08:00:00+01:00">'
    )
    assert day(page(head)) == dt.date(2022, 11, 30)


def test_time_element_in_article_header() -> None:
    body = (
        '<article><header><h1>Talks on encryption</h1><time datetime="2018-09-10T12:00:00+02:00">'
        "10 September 2018</time></header>" + BODY + "</article>"
    )
    assert find(page(body=body)) == DateFinding(dt.date(2018, 9, 10), "meta", "day")


def test_visible_date_wins_over_machine_value_in_another_time_zone() -> None:
    body = (
        '<article><header><time datetime="2019-07-03T10:18:46Z">Published 29 June 2019</time>'
        "</header>" + BODY + "</article>"
    )
    assert day(page(body=body)) == dt.date(2019, 6, 29)


def test_time_pubdate_and_microdata() -> None:
    body = BODY + '<span itemprop="datePublished" content="2017-04-05">5 April</span>'
    assert find(page(body=body)) == DateFinding(dt.date(2017, 4, 5), "meta", "day")


# --- UTC time stamps ------------------------------------------------------------------------


def test_utc_stamp_of_an_american_evening_takes_the_local_day_from_the_url() -> None:
    html = page(jsonld({"@type": "NewsArticle", "datePublished": "2023-11-09T03:30:00Z"}))
    found = find(html, "https://news.example.com/2023/11/08/debate-night/")
    assert found == DateFinding(dt.date(2023, 11, 8), "url", "day")


def test_utc_stamp_corrected_by_a_local_meta_date() -> None:
    head = jsonld({"@type": "NewsArticle", "datePublished": "2023-11-09T06:35:29+00:00"})
    head += '<meta name="sailthru.date" content="2023-11-08 22:35:29">'
    assert day(page(head)) == dt.date(2023, 11, 8)


def test_utc_stamp_shifted_by_the_publishers_country() -> None:
    html = page(
        '<meta property="article:published_time" content="2022-05-04T00:25:56Z">',
        html_attrs='lang="es-AR"',
    )
    assert day(html) == dt.date(2022, 5, 3)
    # Without a country the literal UTC date stays.
    utc_only = page('<meta property="article:published_time" content="2022-05-04T00:25:56Z">')
    assert day(utc_only.replace('lang="en"', "")) == dt.date(2022, 5, 4)


# --- hint, URL, htmldate ----------------------------------------------------------------------


def test_hint_used_when_the_page_has_no_structured_date() -> None:
    hint = DateFinding(dt.date(2021, 8, 9), "feed", "day")
    assert find(page(), "https://example.org/2020/01/01/x", hint=hint) == hint


def test_structured_date_beats_the_hint() -> None:
    hint = DateFinding(dt.date(2021, 8, 9), "sitemap", "day")
    html = page('<meta property="article:published_time" content="2021-08-07">')
    assert find(html, hint=hint) == DateFinding(dt.date(2021, 8, 7), "meta", "day")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/2019/10/04/some-story/", (dt.date(2019, 10, 4), "day")),
        ("https://example.org/news/20191004/some-story", (dt.date(2019, 10, 4), "day")),
        ("https://example.org/2019-10-04-some-story.html", (dt.date(2019, 10, 4), "day")),
        ("https://example.org/blog/2019/10/some-story.html", (dt.date(2019, 10, 1), "month")),
        ("https://example.org/story?id=20191004", None),
        ("https://example.org/about-us", None),
    ],
)
def test_date_from_url(url: str, expected: tuple[dt.date, str] | None) -> None:
    assert date_from_url(url) == expected


def test_wayback_time_stamp_is_a_crawl_date_not_a_publication_date() -> None:
    url = "https://web.archive.org/web/20130217080612/http://example.de/2012/08/story/"
    assert date_from_url(url) == (dt.date(2012, 8, 1), "month")
    assert date_from_url("https://web.archive.org/web/20110106023242/http://example.de/x") is None


def test_url_date_source() -> None:
    found = find(page(), "https://example.org/2019/10/04/some-story/")
    assert found == DateFinding(dt.date(2019, 10, 4), "url", "day")


def test_htmldate_finds_a_date_in_the_text() -> None:
    body = '<div class="byline">Posted on 12 March 2021 by the editors</div>' + BODY
    found = find(page(body=body), "https://example.org/story")
    assert found == DateFinding(dt.date(2021, 3, 12), "htmldate", "day")


def test_no_evidence_gives_none_never_the_fetch_date() -> None:
    assert find(page(), "https://example.org/story") is None
    assert find_publication_date(page(), None) is None


# --- validation ---------------------------------------------------------------------------------


def test_future_date_rejected_and_next_source_used() -> None:
    html = page('<meta property="article:published_time" content="2030-01-01T00:00:00+00:00">')
    found = find(html, "https://example.org/2019/10/04/story")
    assert found == DateFinding(dt.date(2019, 10, 4), "url", "day")


def test_tomorrow_is_allowed_for_time_zones() -> None:
    html = page('<meta property="article:published_time" content="2024-06-02">')
    assert day(html) == dt.date(2024, 6, 2)


def test_dates_before_1990_rejected() -> None:
    html = page('<meta property="article:published_time" content="1985-01-01">')
    assert day(html, "https://example.org/2001/02/03/story") == dt.date(2001, 2, 3)
    hint = DateFinding(dt.date(1970, 1, 1), "feed", "day")
    assert find(page(), hint=hint) is None


def test_year_alone_is_a_last_resort() -> None:
    html = page('<meta name="citation_date" content="2006">')
    assert find(html) == DateFinding(dt.date(2006, 1, 1), "meta", "year")
    found = find(html, "https://example.org/2019/10/04/story")
    assert found == DateFinding(dt.date(2019, 10, 4), "url", "day")


@pytest.mark.parametrize("junk", ["", "   ", "<<<>>>", "\x00\x01binary", b"\x89PNG\r\n\x1a\n" * 10])
def test_junk_input(junk: str | bytes) -> None:
    assert find_publication_date(junk, None, today=TODAY) is None


def test_tree_input() -> None:
    import lxml.html

    tree = lxml.html.document_fromstring(page('<meta name="pubdate" content="2020-07-08">'))
    found = find_publication_date(tree, None, today=TODAY)
    assert found == DateFinding(dt.date(2020, 7, 8), "meta", "day")


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-10-04", (dt.date(2019, 10, 4), "day")),
        ("2019-10-04T23:59:00-05:00", (dt.date(2019, 10, 4), "day")),
        ("20191004T120000Z", (dt.date(2019, 10, 4), "day")),
        ("2019/10/04", (dt.date(2019, 10, 4), "day")),
        ("1570190400", (dt.date(2019, 10, 4), "day")),
        ("1570190400000", (dt.date(2019, 10, 4), "day")),
        ("04.10.2019", (dt.date(2019, 10, 4), "day")),
        ("10/04/2019", (dt.date(2019, 10, 4), "day")),
        ("25/12/2019", (dt.date(2019, 12, 25), "day")),
        ("4 October 2019", (dt.date(2019, 10, 4), "day")),
        ("October 4th, 2019", (dt.date(2019, 10, 4), "day")),
        ("Fri, 04 Oct 2019 10:00:00 GMT", (dt.date(2019, 10, 4), "day")),
        ("4. Oktober 2019", (dt.date(2019, 10, 4), "day")),
        ("3 de mayo de 2022", (dt.date(2022, 5, 3), "day")),
        ("2019-10", (dt.date(2019, 10, 1), "month")),
        ("2019", (dt.date(2019, 1, 1), "year")),
        ("2019-02-30", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_parse_date_string(text: str, expected: tuple[dt.date, str] | None) -> None:
    assert parse_date_string(text) == expected
