"""The sources file for crawling the bundled demo site (`mediamon demo`)."""

from pathlib import Path

from mediamon.demo.site import TRAPS


def demo_sources_toml(base_url: str) -> str:
    """Three sources over the demo site, one per discovery strategy, plus a URL list."""
    host = base_url.split("//", 1)[1].split(":", 1)[0]
    common = f'allowed_domains = ["{host}"]\nallow_private = true\ndelay = 0.0\nconcurrency = 4\n'
    return f"""# For the demo site at {base_url}: on 127.0.0.1, hence allow_private.
[[sources]]
id = "demo-feeds"
name = "Demo site (feeds)"
feeds = ["{base_url}/feeds/rss.xml", "{base_url}/feeds/atom.xml",
         "{base_url}{TRAPS["broken_feed"]}", "{base_url}{TRAPS["missing_feed"]}"]
{common}
[[sources]]
id = "demo-sitemaps"
name = "Demo site (sitemaps)"
sitemaps = ["{base_url}/robots.txt"]
{common}
[[sources]]
id = "demo-site"
name = "Demo site (links from the home page)"
start_urls = ["{base_url}/"]
max_depth = 2
article_pattern = "/(news|opinion|wire|explainers|story|blog|20\\\\d\\\\d)/[^/]+"
{common}"""


def write_demo_sources(base_url: str, path: Path) -> Path:
    path.write_text(demo_sources_toml(base_url), encoding="utf-8")
    return path
