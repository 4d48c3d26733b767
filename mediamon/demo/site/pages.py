"""HTML templates of the demo site: article pages (with the messy boilerplate of a real news
site), AMP and print variants, the home and section pages, and a few small static pages.

Dates appear on an article page only where its ``date_markup`` says; boilerplate (footer, cookie
banner, comments) deliberately carries no dates, so an undated page is really undated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from html import escape

from .articles import Article, iso

SECTIONS: dict[str, str] = {
    "politics": "Politics",
    "world": "World",
    "technology": "Technology",
    "opinion": "Opinion",
    "explainers": "Explainers",
    "business": "Business",
    "sport": "Sport",
}

COMMENTS: tuple[tuple[str, str], ...] = (
    ("harbourwatcher", "Nobody needs this much privacy except criminals. Scan everything."),
    ("mathsnotmagic", "Encryption keeps my family safe from scammers. Hands off it."),
    ("Kez_77", "Same old story: think of the children, then surveillance for everyone."),
    ("A. Parent", "As a parent I would accept some scanning if it saves one child."),
    ("quietreader", "Has anyone commenting here actually read the proposal?"),
    ("north_by_northgate", "The real problem is underfunded police, not cryptography."),
    ("Tamsin R", "Why is every article on this site behind a cookie wall now?"),
)

CSS = (
    "body{font-family:Georgia,serif;margin:0}.site-header{background:#0b2545;color:#fff}"
    ".layout{display:flex;gap:2rem;max-width:70rem;margin:auto}.sidebar{width:18rem}"
    ".cookie-consent{position:fixed;bottom:0;background:#eee;padding:1rem}"
)


def e(text: object) -> str:
    return escape(str(text), quote=True)


def slugify(text: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "-" for c in text)
    return "-".join(p for p in out.split("-") if p)


def human_date(value: dt.datetime | dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


def render_blocks(article: Article) -> str:
    """The body's paragraphs, headings and lists as HTML."""
    out: list[str] = []
    for n, block in enumerate(article.paragraphs):
        if article.plain:
            out.append("<p>" + "<br>\n".join(e(line) for line in block.splitlines()) + "</p>")
        elif block.startswith("## "):
            out.append(f"<h2>{e(block[3:].strip())}</h2>")
        elif all(line.startswith("- ") for line in block.splitlines()):
            items = "".join(f"<li>{e(line[2:].strip())}</li>" for line in block.splitlines())
            out.append(f"<ul>{items}</ul>")
        else:
            out.append(f"<p>{e(' '.join(block.split()))}</p>")
        if n == 2 and not article.plain:
            out.append(
                '<div class="ad-slot ad-inline" data-ad-unit="mid-article">'
                "<span>Advertisement</span></div>"
            )
    return "\n".join(out)


def jsonld(data: dict[str, object]) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def article_head_dates(article: Article, canonical: str) -> list[str]:
    """<head> lines that carry the date (JSON-LD or meta), per the article's date_markup."""
    lines: list[str] = []
    pub = article.published
    if article.date_markup == "meta" and pub is not None:
        lines.append(f'<meta property="article:published_time" content="{e(iso(pub))}">')
    if article.date_markup == "jsonld" and pub is not None:
        doc: dict[str, object] = {
            "@context": "https://schema.org",
            "@type": "OpinionNewsArticle" if article.kind == "opinion" else "NewsArticle",
            "headline": article.title,
            "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
            "datePublished": iso(pub),
            "author": [{"@type": "Person", "name": article.author}],
            "publisher": {"@type": "Organization", "name": article.outlet},
            "articleSection": SECTIONS.get(article.section, article.section.title()),
            "keywords": ", ".join(article.tags),
        }
        if article.version and article.modified is not None:
            doc["dateModified"] = iso(article.modified)
        lines.append(jsonld(doc))
    return lines


def byline(article: Article) -> str:
    parts = [f'<span class="byline-author">By <a rel="author">{e(article.author)}</a></span>']
    if article.date_markup == "time" and article.published is not None:
        pub = article.published
        parts.append(f'<time class="published" datetime="{e(iso(pub))}">{human_date(pub)}</time>')
    parts.append(f'<span class="byline-outlet">{e(article.outlet)}</span>')
    return '<div class="byline">' + " | ".join(parts) + "</div>"


def link_list(items: Iterable[tuple[str, str]], tag: str = "ul", cls: str = "") -> str:
    lis = "".join(f'<li><a href="{e(href)}">{e(text)}</a></li>' for href, text in items)
    return f'<{tag} class="{cls}">{lis}</{tag}>'


def nav() -> str:
    items = [("/", "Home")] + [(f"/section/{k}/", v) for k, v in SECTIONS.items()]
    items += [("/search", "Search"), ("/subscribe/", "Subscribe")]
    return '<nav class="primary-nav" aria-label="Sections">' + link_list(items) + "</nav>"


def cookie_banner() -> str:
    return (
        '<div id="cookie-banner" class="cookie-consent" role="dialog" aria-live="polite">'
        "<p>We and our 143 partners use cookies and similar technologies to store and access "
        "information on your device, to personalise content and ads and to analyse our traffic. "
        "You can accept all cookies or manage your preferences at any time.</p>"
        '<button class="accept">Accept all</button> <button class="manage">Manage preferences'
        "</button></div>"
    )


def footer(outlet: str) -> str:
    links = [
        ("/about/", "About us"),
        ("/about/", "Contact the newsroom"),
        ("/about/", "Privacy policy"),
        ("/private/staff-briefing/", "Staff area"),
        ("/files/transparency-report.pdf", "Transparency report (PDF)"),
        ("/feeds/rss.xml", "RSS"),
        ("/sitemap.xml", "Sitemap"),
    ]
    return (
        '<footer class="site-footer">'
        + link_list(links, cls="footer-links")
        + f"<p>&copy; {e(outlet)}. All rights reserved. Part of the Demo News Network. "
        "Registered office: 1 Quay Street, Ardenport.</p></footer>"
    )


def page(
    *,
    title: str,
    outlet: str,
    body: str,
    head: Sequence[str] = (),
    body_class: str = "",
    meta_charset: bool = True,
    lang: str = "en-GB",
) -> str:
    site_ld = jsonld(
        {"@context": "https://schema.org", "@type": "WebSite", "name": outlet, "url": "/"}
    )
    charset = '<meta charset="utf-8">\n' if meta_charset else ""
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n{charset}'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)} | {e(outlet)}</title>\n"
        '<link rel="stylesheet" href="/static/site.css">\n'
        '<link rel="alternate" type="application/rss+xml" title="RSS" href="/feeds/rss.xml">\n'
        '<link rel="alternate" type="application/atom+xml" title="Atom" href="/feeds/atom.xml">\n'
        + "\n".join(head)
        + f"\n{site_ld}\n"
        "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push("
        "arguments)}gtag('js',new Date());gtag('config','G-DEMO0000');</script>\n"
        f'</head>\n<body class="{e(body_class)}">\n{cookie_banner()}\n'
        '<a class="skip-link" href="#main">Skip to content</a>\n'
        '<header class="site-header"><div class="masthead">'
        f'<a class="logo" href="/">{e(outlet)}</a>'
        '<span class="tagline">Independent journalism, every day</span></div>'
        f"{nav()}</header>\n{body}\n{footer(outlet)}\n"
        '<script src="/static/site.js" async></script>\n</body>\n</html>\n'
    )


def comments(article: Article) -> str:
    start = int(hashlib.sha1(article.slug.encode()).hexdigest(), 16) % len(COMMENTS)
    picked = [COMMENTS[(start + k) % len(COMMENTS)] for k in range(3)]
    items = "".join(
        f'<li class="comment"><span class="comment-author">{e(who)}</span>'
        f'<p class="comment-text">{e(text)}</p><span class="comment-actions">Reply · Report · '
        f"{(start + n) * 7 % 40} likes</span></li>"
        for n, (who, text) in enumerate(picked)
    )
    return (
        f'<section id="comments" class="comments"><h2>Comments ({len(picked)})</h2>'
        f'<ol class="comment-list">{items}</ol><p class="comment-policy">Comments are moderated. '
        "Please read our community guidelines before posting.</p></section>"
    )


def sidebar(related: Sequence[Article], most_read: Sequence[Article]) -> str:
    rel = link_list(((a.path, a.title) for a in related), cls="related-links")
    top = link_list(((a.path, a.title) for a in most_read), tag="ol", cls="most-read")
    return (
        '<aside class="sidebar"><section class="related"><h2>Related stories</h2>'
        f'{rel}</section><section class="most-read-box"><h2>Most read</h2>{top}</section>'
        '<div class="ad-slot ad-mpu" data-ad-unit="sidebar"><span>Advertisement</span></div>'
        '<section class="newsletter"><h2>The Morning Brief</h2><p>The day\'s top stories in '
        'your inbox.</p><form action="/subscribe/"><input type="email" name="email" '
        'placeholder="Your email address"><button>Sign up</button></form></section></aside>'
    )


def article_page(
    article: Article,
    canonical: str,
    related: Sequence[Article],
    most_read: Sequence[Article],
    meta_charset: bool = True,
) -> str:
    """The full article page."""
    section = SECTIONS.get(article.section, article.section.title())
    head = [
        f'<meta name="description" content="{e(article.summary[:155])}">',
        f'<meta name="author" content="{e(article.author)}">',
        f'<link rel="canonical" href="{e(canonical)}">',
        f'<meta property="og:site_name" content="{e(article.outlet)}">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{e(article.title)}">',
        f'<meta property="og:url" content="{e(canonical)}">',
        f'<meta property="og:description" content="{e(article.summary[:200])}">',
        '<meta name="twitter:card" content="summary_large_image">',
        f'<meta property="article:section" content="{e(section)}">',
        *(f'<meta property="article:tag" content="{e(t)}">' for t in article.tags),
        *article_head_dates(article, canonical),
    ]
    if article.amp:
        head.append(f'<link rel="amphtml" href="{e(canonical)}amp/">')
    share = "".join(
        f'<a class="share-{k}" href="https://{k}.example/share?u={e(canonical)}">{v}</a> '
        for k, v in (("social", "Share"), ("chat", "Send"), ("mail", "Email"))
    )
    tools = (
        f'<a class="print-link" href="{e(article.path)}print/">Print</a>' if article.print else ""
    )
    tags = " ".join(f'<span class="tag">{e(t)}</span>' for t in article.tags)
    ticker = most_read[0] if most_read else article
    body = (
        f'<div class="ticker"><strong>Trending:</strong> <a href="{e(ticker.path)}">'
        f"{e(ticker.title)}</a></div>\n"
        '<div class="layout"><main id="main"><article class="story">'
        f'<nav class="breadcrumbs"><a href="/">Home</a> › '
        f'<a href="/section/{e(article.section)}/">{e(section)}</a></nav>'
        f'<h1 class="headline">{e(article.title)}</h1>{byline(article)}'
        f'<div class="share-tools">{share}{tools}</div>'
        '<figure class="lead-image"><img src="/static/lead.svg" alt="" width="640" height="360">'
        "<figcaption>Illustration: Demo Picture Desk</figcaption></figure>"
        f'<div class="article-body" itemprop="articleBody">\n{render_blocks(article)}\n</div>'
        f'<div class="tags">Topics: {tags}</div>'
        '<p class="corrections">Spotted an error? Contact our corrections desk.</p>'
        f"{comments(article)}</article></main>{sidebar(related, most_read)}</div>"
    )
    return page(
        title=article.title,
        outlet=article.outlet,
        body=body,
        head=head,
        body_class=f"article-page section-{article.section}",
        meta_charset=meta_charset,
    )


def listing(articles: Sequence[Article]) -> str:
    items = "".join(
        f'<li class="teaser"><a class="teaser-link" href="{e(a.path)}"><h3>{e(a.title)}</h3></a>'
        f'<p class="teaser-summary">{e(a.summary[:180])}</p>'
        f'<span class="teaser-outlet">{e(a.outlet)}</span></li>'
        for a in articles
    )
    return f'<ul class="teasers">{items}</ul>'


def section_page(
    section: str, articles: Sequence[Article], page_no: int, has_next: bool, canonical: str
) -> str:
    name = SECTIONS.get(section, section.title())
    pager = ""
    if page_no > 1:
        prev = f"/section/{section}/" if page_no == 2 else f"/section/{section}/page/{page_no - 1}/"
        pager += f'<a rel="prev" href="{prev}">Newer stories</a> '
    if has_next:
        pager += f'<a rel="next" href="/section/{section}/page/{page_no + 1}/">Older stories</a>'
    body = (
        f'<main id="main" class="section-index"><h1>{e(name)}</h1>{listing(articles)}'
        f'<nav class="pager">{pager}</nav></main>'
    )
    head = [f'<link rel="canonical" href="{e(canonical)}">']
    return page(
        title=name,
        outlet="Demo News Network",
        body=body,
        head=head,
        body_class=f"section-page section-{section}",
    )


def home_page(
    latest: Sequence[Article], seeds: Sequence[Article], canonical: str, traps: dict[str, str]
) -> str:
    around = [
        (traps["tracking_params"], "Opinion: the backdoor debate, explained by a cryptographer"),
        (traps["redirect_chain"], "Editor's pick: the lawful access speech"),
        (traps["not_found"], "Tessellate executive quits over encryption row"),
        (traps["redirect_loop"], "Live: follow the Council debate"),
        (traps["binary_as_html"], "Watch: what is end-to-end encryption?"),
        (traps["oversized"], "The full archive on one page"),
        (traps["redirect_private_metadata"], "Partner offer"),
        (traps["redirect_private_localhost"], "Regional edition"),
        (traps["redirect_private_lan"], "Newsroom intranet"),
    ]
    body = (
        '<main id="main" class="home"><h1>Demo News Network</h1>'
        f'<section class="top-stories"><h2>Top stories</h2>{listing(latest)}</section>'
        '<section class="around"><h2>Around the network</h2>'
        f"{link_list(around, cls='around-links')}</section>"
        f'<section class="archive"><h2>From the archive</h2>{listing(seeds)}</section></main>'
    )
    head = [f'<link rel="canonical" href="{e(canonical)}">']
    return page(
        title="Home", outlet="Demo News Network", body=body, head=head, body_class="home-page"
    )


def simple_page(
    title: str, paragraphs: Sequence[str], *, status_note: str = "", noindex: bool = False
) -> str:
    head = ['<meta name="robots" content="noindex, nofollow">'] if noindex else []
    text = "".join(f"<p>{e(p)}</p>" for p in paragraphs)
    body = f'<main id="main" class="simple {e(status_note)}"><h1>{e(title)}</h1>{text}</main>'
    return page(title=title, outlet="Demo News Network", body=body, head=head)
