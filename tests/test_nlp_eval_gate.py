"""`make eval`'s NLP gates in the test suite: the pipeline must not fall below its floors."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def _report(script: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, str(REPO / "evaluation" / script), "--json"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    report: dict[str, Any] = json.loads(out.stdout)
    return report


def test_nlp_eval_meets_its_floors() -> None:
    report = _report("eval_nlp.py")
    assert set(report["sets"]) == {"stance_eval.jsonl", "stance_dev2.jsonl", "stance_test.jsonl"}
    assert report["failures"] == []
    for name, result in report["sets"].items():
        assert result["items"] >= 30, name
        assert result["floors"], name


def test_real_text_eval_meets_its_floors_on_the_held_out_set() -> None:
    report = _report("eval_real.py")
    assert report["split"] == "heldout" and report["passages"] >= 180
    assert report["failures"] == []
    systems = report["systems"]
    # the learned model against today's rules and the baselines, on the same passages
    assert systems["ours"]["stances"]["f1"] > systems["rules (before)"]["stances"]["f1"]
    assert systems["ours"]["stances"]["f1"] > systems["sentiment baseline"]["stances"]["f1"]
