"""The installed layout: one top-level import package, `mediamon`, and nothing else."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # a copy of what the build reads, so that setuptools' build/ folder stays out of the repo
    source = out / "source"
    shutil.copytree(
        REPO / "mediamon", source / "mediamon", ignore=shutil.ignore_patterns("__pycache__")
    )
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    # no build isolation: the build uses this venv's setuptools and needs no network
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(out), str(source)],
        check=True, capture_output=True, timeout=300, cwd=out,
    )  # fmt: skip
    (built,) = out.glob("mediamon-*.whl")
    return built


def test_the_wheel_has_one_top_level_package(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/", 1)[0] for n in names if not n.split("/", 1)[0].endswith(".dist-info")}
    assert top == {"mediamon"}
    # the data the package reads at run time ships inside it
    for data in (
        "mediamon/config/sources.toml",
        "mediamon/config/actors.toml",
        "mediamon/corpus/migrations/001_initial.sql",
        "mediamon/queries/stance_timeline.sql",
    ):
        assert data in names, data


def test_installed_common_names_are_not_ours(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         "--target", str(target), str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    def imports(module: str) -> bool:
        code = f"import sys; sys.path.insert(0, {str(target)!r}); import {module}"
        # -I: neither the working folder nor PYTHONPATH nor the editable install's finder
        done = subprocess.run(
            [sys.executable, "-I", "-c", code], cwd=elsewhere, capture_output=True, text=True
        )
        return done.returncode == 0

    for common in ("config", "nlp", "crawler", "corpus", "queries"):
        assert not imports(common), f"`import {common}` found a module of ours"
    assert imports("mediamon.queries")
    assert imports("mediamon.config")
