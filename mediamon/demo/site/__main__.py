"""``python -m crawler.demosite``: serve the demo site in the foreground."""

from __future__ import annotations

import argparse
import logging

from .server import DemoSite
from .traps import TRAPS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.demosite", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = an ephemeral port")
    parser.add_argument("--articles", default=None, help="directory of article .toml files")
    parser.add_argument("--seeds", default=None, help="directory of the seed .txt documents")
    parser.add_argument("--slow-seconds", type=float, default=2.0)
    parser.add_argument("--traps", action="store_true", help="also list the trap URLs")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    site = DemoSite(args.articles, args.host, args.port, args.seeds, slow_seconds=args.slow_seconds)
    site.start()
    print(site.base_url, flush=True)
    print(f"  RSS:     {site.url('/feeds/rss.xml')}", flush=True)
    print(f"  Atom:    {site.url('/feeds/atom.xml')}", flush=True)
    print(f"  Sitemap: {site.url('/sitemap.xml')}", flush=True)
    if args.traps:
        for name, path in TRAPS.items():
            print(f"  {name:28} {site.url(path)}", flush=True)
    try:
        site.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        site.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
