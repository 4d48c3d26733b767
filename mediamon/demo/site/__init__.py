"""The bundled offline demo site: fictional news outlets on the encryption and child-safety
debate, served on 127.0.0.1 with feeds, sitemaps, robots.txt and crawler traps.

Used by ``mediamon demo`` and by the test suite::

    from mediamon.demo.site import TRAPS, DemoSite

    with DemoSite() as site:
        site.url("/feeds/rss.xml")
"""

from .articles import DATE_MARKUPS, Article, load_articles, load_seed_articles
from .server import DemoSite, RequestRecord
from .traps import TRAPS

__all__ = [
    "DATE_MARKUPS",
    "TRAPS",
    "Article",
    "DemoSite",
    "RequestRecord",
    "load_articles",
    "load_seed_articles",
]
