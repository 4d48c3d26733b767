"""The extraction/date quality gate (evaluation/eval_extraction.py) on the full shared eval sets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EVAL_DIR = REPO.parent / "shared" / "eval"
SCRIPT = REPO / "evaluation" / "eval_extraction.py"


@pytest.mark.slow
def test_quality_gate_on_full_eval_sets() -> None:
    if not (EVAL_DIR / "trafilatura-eval").is_dir() or not (EVAL_DIR / "htmldate-eval").is_dir():
        pytest.skip(f"evaluation data not found at {EVAL_DIR}")
    # About a minute on one core; the extract_metadata comparison is left out to save time.
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--eval-dir", str(EVAL_DIR), "--no-metadata-baseline"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Gate passed." in out.stdout


def test_gate_skips_cleanly_without_eval_data(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--eval-dir", str(tmp_path / "absent")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0
    assert "not found" in out.stdout
