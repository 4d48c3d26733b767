"""Variant layouts of an article: a plain personal blog, the AMP page and the print page."""

from __future__ import annotations

from .articles import Article
from .pages import article_head_dates, byline, e, render_blocks


def blog_page(article: Article, canonical: str) -> str:
    """A plain personal-blog layout (used for the undated seed opinion piece)."""
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{e(article.title)} – {e(article.outlet)}</title>\n"
        f'<link rel="canonical" href="{e(canonical)}">\n'
        f'<meta property="og:site_name" content="{e(article.outlet)}">\n'
        f'<meta property="og:title" content="{e(article.title)}">\n'
        '<meta property="og:type" content="article">\n'
        '<link rel="alternate" type="application/rss+xml" href="/feeds/rss.xml">\n'
        '</head>\n<body class="single single-post">\n'
        f'<header id="masthead"><p class="site-title"><a href="/blog/">{e(article.outlet)}</a>'
        '</p><nav class="menu"><a href="/">Home</a> <a href="/about/">About</a></nav></header>\n'
        '<div id="content"><main id="main" class="site-main"><article class="post hentry">'
        f'<header class="entry-header"><h1 class="entry-title">{e(article.title)}</h1>'
        f'<span class="byline">Posted by {e(article.author)}</span></header>\n'
        f'<div class="entry-content">\n{render_blocks(article)}\n</div>'
        '<footer class="entry-footer">Posted in Child protection, Privacy | Leave a comment'
        "</footer></article>"
        '<div id="respond" class="comment-respond"><h3>Leave a Reply</h3><form action="#">'
        '<textarea name="comment"></textarea><button>Post Comment</button></form></div>'
        '</main><aside class="widget-area"><h2>Follow this blog</h2><p>Enter your email '
        "address to follow this blog and receive notifications of new posts.</p></aside></div>\n"
        '<footer id="colophon">Powered by a blogging platform.</footer>\n</body>\n</html>\n'
    )


def amp_page(article: Article, canonical: str) -> str:
    head = [
        f'<link rel="canonical" href="{e(canonical)}">',
        *article_head_dates(article, canonical),
    ]
    return (
        '<!doctype html>\n<html ⚡ lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<script async src="https://cdn.amp.example/v0.js"></script>\n'
        f"<title>{e(article.title)}</title>\n" + "\n".join(head) + "\n"
        '<meta name="viewport" content="width=device-width">\n'
        "<style amp-boilerplate>body{visibility:hidden}</style>\n</head>\n<body>\n"
        f'<header class="amp-header"><a href="/">{e(article.outlet)}</a></header>\n'
        f"<article><h1>{e(article.title)}</h1>{byline(article)}\n{render_blocks(article)}\n"
        f'</article>\n<footer><a href="{e(canonical)}">View the full site</a></footer>\n'
        "</body>\n</html>\n"
    )


def print_page(article: Article, canonical: str) -> str:
    head = [
        f'<link rel="canonical" href="{e(canonical)}">',
        '<meta name="robots" content="noindex, follow">',
        *article_head_dates(article, canonical),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{e(article.title)} (print version)</title>\n" + "\n".join(head) + "\n"
        '</head>\n<body class="print" onload="window.print()">\n'
        f'<p class="print-masthead">{e(article.outlet)}</p>\n<h1>{e(article.title)}</h1>\n'
        f"{byline(article)}\n{render_blocks(article)}\n"
        f'<p class="print-footer">Printed from {e(article.outlet)}: {e(canonical)}</p>\n'
        "</body>\n</html>\n"
    )
