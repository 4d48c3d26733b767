"""PNG from SVG, drawn by headless Chromium (Debian's chromium package), offline."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from mediamon.errors import ExportError
from mediamon.reports.charts import svg_size

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def chromium_binary() -> str | None:
    for name in (os.environ.get("MEDIAMON_CHROMIUM"), "chromium", "chromium-browser"):
        if name and (found := shutil.which(name)):
            return found
    return None


def render_png(svg: str) -> bytes:
    """Screenshot the SVG with headless Chromium (offline, throwaway profile): the PNG's bytes.

    Chromium writes into a private temporary folder; the caller puts the bytes in place.
    """
    browser = chromium_binary()
    if browser is None:
        raise ExportError(
            "PNG charts are drawn by Chromium, which is not installed (apt-get install "
            "chromium); write SVG instead: -o chart.svg"
        )
    width, height = svg_size(svg)
    with tempfile.TemporaryDirectory(prefix="mediamon-png-") as tmp:
        page = Path(tmp) / "chart.html"
        page.write_text(
            "<!doctype html><meta charset='utf-8'><style>html,body{margin:0;background:#fff}"
            f"</style>{svg}",
            encoding="utf-8",
        )
        shot = Path(tmp) / "chart.png"
        command = [
            browser, *headless_flags(Path(tmp) / "profile"),
            f"--window-size={width},{height}", f"--screenshot={shot}",
            "--hide-scrollbars", page.as_uri(),
        ]  # fmt: skip
        try:
            subprocess.run(command, capture_output=True, timeout=60, check=True)
        except (subprocess.SubprocessError, OSError) as exc:
            raise ExportError(
                f"Chromium could not draw the PNG ({exc}); write SVG instead"
            ) from None
        data = shot.read_bytes() if shot.exists() else b""
    if not data.startswith(PNG_MAGIC):
        raise ExportError("Chromium wrote no PNG; write SVG instead: -o chart.svg")
    return data


def headless_flags(profile: Path) -> list[str]:
    """Chromium without network chatter, GPU or first-run work, in a throwaway profile."""
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        f"--user-data-dir={profile}",
    ]
