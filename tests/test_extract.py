"""Article text and metadata (documents/extract.py) and page decoding, on hand-written pages."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest

from mediamon.documents.dates import DateFinding
from mediamon.documents.encoding import detect_charset
from mediamon.documents.extract import (
    _drop_boilerplate,
    _recover_lead,
    decode_html,
    extract_article,
)

REPO = Path(__file__).resolve().parent.parent
TODAY = dt.date(2024, 6, 1)

PARAGRAPHS = [
    "The interior ministers of five countries published an open letter on Tuesday asking the "
    "company to delay its plan to encrypt private messages by default until it can show how "
    "abuse on its services will still be detected and reported.",
    "The company answered that end-to-end encryption protects billions of ordinary users from "
    "criminals and hostile governments, and that it would keep working with child-safety groups "
    "on other ways of finding abuse, such as analysing unencrypted account information.",
    "Child-protection charities welcomed the letter. One of them said that millions of reports a "
    "year come from the company's scanning of messages, and that most of them would disappear "
    "once the content of conversations can no longer be seen by anyone but the participants.",
    "Privacy researchers replied that weakening encryption for one purpose weakens it for every "
    "purpose, and that client-side scanning would turn every phone into a tool of surveillance "
    "that other governments would soon want to use for their own ends.",
]
LEAD = (
    "Governments ask a messaging company to hold back default encryption until it explains how "
    "it will keep finding child abuse material."
)


def article_page(
    head_extra: str = "",
    html_attrs: str = 'lang="en-GB"',
    lead_in_body: bool = False,
    meta_charset: str = "utf-8",
) -> str:
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Ministers press for a pause on encrypted messaging",
        "datePublished": "2019-10-04T09:30:00+01:00",
        "dateModified": "2019-10-05T12:00:00+01:00",
        "author": [
            {"@type": "Person", "name": "Ann Example"},
            {"@type": "Person", "name": "Bo Sample"},
        ],
        "publisher": {"@type": "Organization", "name": "Example Times"},
    }
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    lead = f'<div class="teaser-intro">{LEAD}</div>' if lead_in_body else ""
    return f"""<!DOCTYPE html>
<html {html_attrs}><head>
<meta charset="{meta_charset}">
<title>Ministers press for a pause on encrypted messaging | Example Times</title>
<meta name="description" content="{LEAD}">
<meta property="og:site_name" content="Example Times">
<link rel="canonical" href="/politics/2019/10/04/encryption-letter">
<script type="application/ld+json">{json.dumps(ld)}</script>
{head_extra}
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/politics">Politics</a></li>
<li><a href="/sport">Sport</a></li></ul></nav>
<main><article><h1>Ministers press for a pause on encrypted messaging</h1>{lead}
{paragraphs}
</article></main>
<footer><p>Copyright Example Times. All rights reserved.</p>
<p>Subscribe to our newsletter for the day's headlines.</p></footer>
</body></html>"""


def test_article_text_and_metadata() -> None:
    url = "https://www.example.com/politics/2019/10/04/encryption-letter?utm_source=feed"
    result = extract_article(article_page(), url=url, today=TODAY)
    assert result is not None
    for paragraph in PARAGRAPHS:
        assert " ".join(paragraph.split()) in " ".join(result.text.split())
    assert "Home" not in result.text.split("\n")
    assert "newsletter" not in result.text
    assert result.title == "Ministers press for a pause on encrypted messaging"
    assert result.author == "Ann Example; Bo Sample"
    assert result.sitename == "Example Times"
    assert result.language == "en"
    assert result.description == LEAD
    assert result.canonical_url == "https://www.example.com/politics/2019/10/04/encryption-letter"
    assert result.amp_of is None
    assert result.published == DateFinding(dt.date(2019, 10, 4), "jsonld", "day")


def test_bytes_with_declared_legacy_charset() -> None:
    html = article_page(meta_charset="windows-1252").replace("messaging", "messaging café")
    result = extract_article(html.encode("cp1252"), url="https://example.com/a", today=TODAY)
    assert result is not None
    assert "café" in result.title  # type: ignore[operator]


def test_content_type_header_charset_wins_over_missing_meta() -> None:
    html = (
        article_page(meta_charset="")
        .replace('<meta charset="">', "")
        .replace("Tuesday", "Dienstag für")
    )
    body = html.encode("iso-8859-1")
    result = extract_article(body, content_type="text/html; charset=ISO-8859-1", today=TODAY)
    assert result is not None and "Dienstag für" in result.text


def test_lead_paragraph_restored_from_description() -> None:
    html = article_page(lead_in_body=True)
    result = extract_article(html, url="https://example.com/a", today=TODAY)
    assert result is not None
    assert " ".join(LEAD.split()) in " ".join(result.text.split())
    assert result.text.count("Governments ask a messaging company") == 1


def test_recover_lead_directly() -> None:
    tree = lxml.html.document_fromstring(
        f'<html><body><div class="intro"><strong>{LEAD}</strong></div>'
        "<p>Body text.</p></body></html>"
    )
    assert _recover_lead(tree, "Body text.", LEAD).startswith(LEAD)
    # Already present: unchanged. Description not on the page: unchanged.
    assert _recover_lead(tree, f"{LEAD}\nBody text.", LEAD) == f"{LEAD}\nBody text."
    assert _recover_lead(tree, "Body text.", "A description that is nowhere in the page body") == (
        "Body text."
    )


def test_boilerplate_lines_dropped() -> None:
    text = "\n".join(
        [
            "First real paragraph of the article, long enough to be content.",
            "Read more: Another story about something else",
            "Lesen Sie auch: Ein anderer Artikel",
            "Photo: Jane Doe / Agency",
            "© 2020 Example Media",
            "Sign up for our newsletter and never miss a story",
            "Related articles",
            "Teaser headline one",
            "Teaser headline two",
        ]
    )
    assert (
        _drop_boilerplate(text) == "First real paragraph of the article, long enough to be content."
    )
    # A long line mentioning a newsletter is content.
    long_line = "The ministry said in its newsletter that " + "the talks went on for hours. " * 10
    assert _drop_boilerplate(long_line) == long_line


def test_amp_page_names_its_main_page() -> None:
    html = article_page(html_attrs='amp lang="en"')
    result = extract_article(
        html, url="https://example.com/amp/politics/encryption-letter", today=TODAY
    )
    assert result is not None
    assert result.amp_of == "https://example.com/politics/2019/10/04/encryption-letter"


def test_print_variant_by_url() -> None:
    result = extract_article(
        article_page(), url="https://example.com/politics/encryption-letter?print=1", today=TODAY
    )
    assert result is not None and result.amp_of == result.canonical_url


def test_no_canonical_gives_none() -> None:
    html = article_page().replace(
        '<link rel="canonical" href="/politics/2019/10/04/encryption-letter">', ""
    )
    result = extract_article(html, url="https://example.com/x", today=TODAY)
    assert result is not None and result.canonical_url is None and result.amp_of is None


def test_date_hint_used_without_structured_date() -> None:
    html = article_page().replace('"datePublished"', '"dateX"')
    hint = DateFinding(dt.date(2019, 10, 3), "feed", "day")
    result = extract_article(html, url="https://example.com/a", date_hint=hint, today=TODAY)
    assert result is not None and result.published == hint


def test_title_and_language_fallbacks() -> None:
    html = (
        '<html><head><meta http-equiv="content-language" content="de-AT">'
        "<title>Verschlüsselung: Ministerium lenkt ein – Beispielzeitung</title></head><body>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + "</body></html>"
    )
    result = extract_article(html, today=TODAY)
    assert result is not None
    assert result.language == "de"
    assert result.title == "Verschlüsselung: Ministerium lenkt ein"
    assert result.published is None  # no evidence: never the fetch date


@pytest.mark.parametrize(
    "junk",
    [
        b"",
        "",
        "   \n ",
        b"\x00\xff\xfe\x00" * 500,
        bytes(range(256)) * 40,
        "<html><head><title>x</title></head><body>" + "<div>" * 3000 + "deep" + "</body></html>",
        '{ "json": true }',
    ],
)
def test_junk_returns_none(junk: str | bytes) -> None:
    assert extract_article(junk, url="https://example.com/x", today=TODAY) is None


@pytest.mark.parametrize(
    "broken",
    [
        "<html><body><p>Too short.</p></body></html>",
        "<<<>>><html<body<p>",
        "<html><head><meta charset='nonsense'><script>var x = '</head>'</script><body><p>x",
        b"<html>\x00\x00<body>" + b"\xc3" * 300 + b"</body>",
    ],
)
def test_malformed_input_never_raises(broken: str | bytes) -> None:
    result = extract_article(broken, url="not a url", today=TODAY)
    assert result is None or isinstance(result.text, str)


def test_malformed_but_real_article_gives_text() -> None:
    html = article_page().replace("</p>", "").replace("</article>", "").replace("</body>", "")
    result = extract_article(html, url="https://example.com/a", today=TODAY)
    assert result is not None and PARAGRAPHS[0][:60] in result.text


# --- decoding --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "header", "text"),
    [
        (b'<meta charset="iso-8859-1"><p>caf\xe9 \x93quoted\x94</p>', None, "café “quoted”"),
        (b"\xef\xbb\xbf<p>caf\xc3\xa9</p>", "text/html; charset=iso-8859-1", "café"),
        ("<p>café</p>".encode("utf-16"), None, "café"),
        (b"<p>caf\xc3\xa9</p>", "text/html; charset=windows-1252", "café"),
        (b'<meta charset="utf-8"><p>caf\xe9 na\xefve</p>', None, "café naïve"),
        (b"<p>caf\xe9</p>", 'text/html; charset="no-such-charset"', "café"),
        ("<p>Привет, как дела? Всё хорошо.</p>".encode("cp1251") * 5, None, "Привет"),
        (
            b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
            + "<p>中文测试</p>".encode("gb18030"),
            None,
            "中文测试",
        ),
    ],
)
def test_decode_html(body: bytes, header: str | None, text: str) -> None:
    assert text in decode_html(body, header)


def test_header_charset_beats_meta() -> None:
    body = '<meta charset="utf-8"><p>Grüße</p>'.encode("cp1252")
    assert detect_charset(body, "text/html; charset=windows-1252") == ("cp1252", "header")


def test_importing_extract_does_not_import_scrapy() -> None:
    code = (
        "import sys, mediamon.documents.extract, mediamon.documents.dates; "
        "print('scrapy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
