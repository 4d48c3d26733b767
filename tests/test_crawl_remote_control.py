"""A crawl opens no remote-control server: Scrapy's HTTP endpoint that runs Python it is sent."""

from pathlib import Path

import pytest
from scrapy.settings import default_settings

from mediamon.crawler.run import scrapy_settings
from mediamon.demo.site import DemoSite
from tests.helpers import run_mediamon, sources_toml


def test_the_setting_is_off_in_the_crawlers_settings(tmp_path: Path) -> None:
    # the name is Scrapy's own: a rename in a later Scrapy would leave our line without effect
    assert hasattr(default_settings, "REMOTE_CONTROL_ENABLED")
    settings = scrapy_settings(tmp_path / "c.duckdb", tmp_path / "s.toml", "run-1")
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False


@pytest.mark.slow
def test_a_crawl_starts_no_remote_control_server(tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    state = tmp_path / "state"  # where Scrapy would write the server's port and token
    with DemoSite(slow_seconds=0.0) as site:
        sources = sources_toml(site, tmp_path / "s.toml", feeds={"feeds": ["/feeds/rss.xml"]})
        out = run_mediamon(
            "-v", "--db", str(db), "crawl", "--sources", str(sources), "--max-pages", "2",
            env={"XDG_STATE_HOME": str(state)}, timeout=300,
        )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    # at -v Scrapy logs its extensions at INFO; the server would announce its port
    assert "scrapy.extensions.telnet" not in out.stderr
    assert "Remote control" not in out.stderr and "remote_control" not in out.stderr
    assert not (state / "scrapy").exists()
