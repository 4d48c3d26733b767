"""Every configuration file is checked by its schema; every mistake is one line, no traceback.

For each kind (sources, topic, actors, stance, valence, evaluation sets) a malformed copy of the
bundled file is read through the library and through the command that reads it; the message is
``FILE: ENTRY: KEY: problem`` (``FILE: problem`` when the file itself is unreadable), and the
command prints it as ``Error: ...`` on one line with a non-zero exit.
"""

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from evaluation import eval_nlp
from evaluation.evalset import load_items
from mediamon import config
from mediamon.cli import cli
from mediamon.config import seeds, stance
from mediamon.crawler.sources import load_sources
from mediamon.documents.topic import TopicModel
from mediamon.errors import ConfigError
from mediamon.nlp.actors import ActorRegistry
from mediamon.nlp.lexicon import Lexicon
from mediamon.nlp.pipeline import version
from mediamon.nlp.valence import Valence
from tests.helpers import REPO, run_mediamon, write_jsonl

KINDS = ("sources", "topic", "actors", "stance", "valence")
EVALSET = REPO / "evaluation" / "sets" / "stance_eval.jsonl"


def _words(text: str) -> list[tuple[str, str]]:
    """A plain tokenizer for the lexicon (the pipeline uses spaCy's; the schema is the same)."""
    return [(w.lower(), w.lower()) for w in text.split()]


LOADERS: dict[str, Callable[[Path], Any]] = {
    "sources": load_sources,
    "topic": TopicModel.from_toml,
    "actors": ActorRegistry.from_toml,
    "stance": lambda path: Lexicon.from_toml(path, _words),
    "valence": Valence.from_toml,
}


def _bundled(kind: str) -> str:
    return config.path(f"{kind}.toml").read_text(encoding="utf-8")


def _edit(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return edit


def _edit_line(start: str, new: str) -> Callable[[str], str]:
    """Replace the first line that starts with ``start``."""

    def edit(text: str) -> str:
        found = re.search(rf"^{re.escape(start)}.*$", text, re.M)
        assert found, start
        return text[: found.start()] + new + text[found.end() :]

    return edit


# (kind, what, edit of the bundled text, the message after "FILE: ", or its start)
SCHEMA_CASES: list[tuple[str, str, Callable[[str], str], str]] = [
    (
        "sources",
        "unknown key",
        _edit("concurrency = 2\n", 'concurrency = 2\ncolour = "red"\n'),
        "source 'bbc-technology': colour: unknown key; known keys: id, name, feeds,",
    ),
    (
        "sources",
        "wrong type",
        _edit("delay = 1.0", 'delay = "slow"'),
        "source 'bbc-technology': delay: must be a number of seconds, not 'slow'",
    ),
    (
        "sources",
        "true is not a number",
        _edit("concurrency = 2", "concurrency = true"),
        "source 'bbc-technology': concurrency: must be a whole number of requests, not true",
    ),
    (
        "sources",
        "bad URL",
        _edit('"https://feeds.bbci.co.uk/', '"ftp://feeds.bbci.co.uk/'),
        "source 'bbc-technology': feeds[0]: must be an http(s) URL",
    ),
    (
        "sources",
        "duplicate id",
        _edit('id = "guardian-technology"', 'id = "bbc-technology"'),
        "source 'bbc-technology': id: 'bbc-technology' is the id of sources[0] and sources[1]",
    ),
    (
        "topic",
        "unknown key",
        _edit("threshold = 0.5\n", "threshold = 0.5\ncolour = 1\n"),
        "[topic]: colour: unknown key",
    ),
    (
        "topic",
        "wrong type",
        _edit('"E2EE" = 3.0', '"E2EE" = "high"'),
        "group 'encryption': terms.E2EE: must be a number, not 'high'",
    ),
    (
        "topic",
        "bad value",
        _edit("threshold = 0.5", "threshold = 1.5"),
        "[topic]: threshold: must be > 0 and <= 1, not 1.5",
    ),
    (
        "actors",
        "unknown key",
        _edit(
            'role = "Government of the United Kingdom"\n',
            'role = "Government of the United Kingdom"\ncolour = "red"\n',
        ),
        "actor 'uk_government': colour: unknown key",
    ),
    (
        "actors",
        "wrong type",
        _edit_line('aliases = ["Meta", "Meta Platforms",', 'aliases = "Meta"'),
        "actor 'meta': aliases: must be a list of strings, not 'Meta'",
    ),
    (
        "actors",
        "bad value",
        _edit('type = "government"', 'type = "ministry"'),
        "actor 'uk_government': type: must be one of 'government', 'law_enforcement',",
    ),
    (
        "actors",
        "no id: named by its index",
        _edit('id = "uk_government"\n', ""),
        "actors[0]: id: is required but missing",
    ),
    (
        "stance",
        "unknown key",
        _edit("gap_words = 6\n", "gap_words = 6\ncolour = 1\n"),
        "[options]: colour: unknown key",
    ),
    (
        "stance",
        "wrong type",
        _edit("neutral_margin = 0.5", 'neutral_margin = "wide"'),
        "[options]: neutral_margin: must be a number, not 'wide'",
    ),
    (
        "stance",
        "bad value",
        _edit("weight = 0.6", "weight = 2.0"),
        "implications[0]: weight: must be > 0 and <= 1, not 2.0",
    ),
    (
        "stance",
        "bad cue weight",
        _edit('"not a trade-off" = 1.5', '"not a trade-off" = 5'),
        "target 'e2ee': favor.\"not a trade-off\": must be > 0 and <= 3, not 5",
    ),
    (
        "valence",
        "unknown key",
        lambda text: 'colour = ["red"]\n' + text,
        "colour: unknown key; known keys: positive, enactors,",
    ),
    (
        "valence",
        "wrong type",
        _edit("positive = [", "positive = [1, "),
        "positive[0]: must be a string, not 1",
    ),
]

# (what, bytes of the file from the bundled bytes, the message after "FILE: ", or its start)
FILE_CASES: list[tuple[str, Callable[[bytes], bytes], str]] = [
    ("invalid TOML", lambda raw: raw + b"\n[[broken\n", "invalid TOML: "),
    ("empty", lambda raw: b"  \n", "the {kind} file is empty"),
    ("binary", lambda raw: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is a binary file"),
    ("non-UTF-8", lambda raw: b"# caf\xe9\n" + raw, "is not UTF-8 text (byte 5"),
]


def _write(folder: Path, kind: str, content: bytes) -> Path:
    """The malformed file; a valence file goes beside a good copy of stance.toml."""
    name = "valence.toml" if kind == "valence" else f"my-{kind}.toml"
    path = folder / name
    path.write_bytes(content)
    if kind == "valence":
        (folder / "stance.toml").write_text(_bundled("stance"), encoding="utf-8")
    return path


def _command(kind: str, path: Path, folder: Path) -> list[str]:
    """The command that reads a file of this kind."""
    if kind == "sources":
        return ["crawl", "--sources", str(path)]
    if kind == "topic":
        records = write_jsonl(folder / "records.jsonl", [{"title": "t", "text": "some text"}])
        return ["ingest", "--topic", str(path), str(records)]
    if kind == "actors":
        return ["tag", "--actors", str(path)]
    if kind == "stance":
        return ["tag", "--stance", str(path)]
    return ["tag", "--stance", str(folder / "stance.toml")]  # reads the valence file beside


def _check_everywhere(kind: str, path: Path, expected: str, folder: Path) -> None:
    """The library, the command that reads the file and `config check` give the same line."""
    with pytest.raises(ConfigError) as info:
        LOADERS[kind](path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {expected}"), message
    if kind == "valence":  # also through the stance file that names it
        with pytest.raises(ConfigError, match=re.escape(message)):
            LOADERS["stance"](folder / "stance.toml")
    runner = CliRunner()
    for args in (_command(kind, path, folder), ["config", "check", str(path)]):
        result = runner.invoke(cli, ["--db", str(folder / "c.duckdb"), *args])
        assert result.exception is None or isinstance(result.exception, SystemExit), args
        assert result.exit_code == 2, (args, result.output)
        assert result.stderr == f"Error: {message}\n", args
        assert result.stdout == ""
    assert not (folder / "c.duckdb").exists()  # nothing ran before the check


@pytest.mark.parametrize(
    ("kind", "what", "edit", "expected"), SCHEMA_CASES, ids=[f"{c[0]}-{c[1]}" for c in SCHEMA_CASES]
)
def test_schema_errors_are_one_line(
    tmp_path: Path, kind: str, what: str, edit: Callable[[str], str], expected: str
) -> None:
    path = _write(tmp_path, kind, edit(_bundled(kind)).encode("utf-8"))
    _check_everywhere(kind, path, expected, tmp_path)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("what", "make", "expected"), FILE_CASES, ids=[c[0] for c in FILE_CASES])
def test_unreadable_files_are_one_line(
    tmp_path: Path, kind: str, what: str, make: Callable[[bytes], bytes], expected: str
) -> None:
    path = _write(tmp_path, kind, make(config.path(f"{kind}.toml").read_bytes()))
    _check_everywhere(kind, path, expected.format(kind=kind), tmp_path)


@pytest.mark.parametrize("kind", ["sources", "topic", "actors", "stance"])
def test_missing_file_and_folder(tmp_path: Path, kind: str) -> None:
    missing = tmp_path / f"no-{kind}.toml"
    _check_everywhere(kind, missing, f"no such {kind} file; check the path", tmp_path)
    folder = tmp_path / f"{kind}-folder"
    folder.mkdir()
    with pytest.raises(ConfigError, match=f"^{re.escape(str(folder))}: is a folder, not a"):
        LOADERS[kind](folder)


# ------------------------------------------------------------------ the evaluation sets
def _first_item_with_stances() -> tuple[int, dict[str, Any], list[str]]:
    lines = EVALSET.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        obj = json.loads(line)
        if obj["stances"]:
            return index, obj, lines
    raise AssertionError("no item with stances")


def _evalset_case(change: Callable[[dict[str, Any]], Any]) -> Callable[[bytes], bytes]:
    def make(raw: bytes) -> bytes:
        index, obj, lines = _first_item_with_stances()
        change(obj)
        lines[index] = json.dumps(obj)
        return ("\n".join(lines) + "\n").encode("utf-8")

    return make


EVAL_CASES: list[tuple[str, Callable[[bytes], bytes], str]] = [
    (
        "unknown key",
        _evalset_case(lambda o: o.update(colour="red")),
        "line 1 (item 'q001'): colour: unknown key",
    ),
    (
        "wrong type",
        _evalset_case(lambda o: o.update(kind=3)),
        "line 1 (item 'q001'): kind: must be a string, not 3",
    ),
    (
        "bad value",
        _evalset_case(lambda o: o["stances"][0].update(polarity="pro")),
        "line 1 (item 'q001'): stances[0].polarity: must be one of favor, against, neutral, "
        "not 'pro'",
    ),
    ("invalid JSON", lambda raw: b"{not json\n" + raw, "line 1: invalid JSON: "),
    *[(what, make, expected.format(kind="evaluation set")) for what, make, expected in FILE_CASES
      if what != "invalid TOML"],
]  # fmt: skip


@pytest.mark.parametrize(("what", "make", "expected"), EVAL_CASES, ids=[c[0] for c in EVAL_CASES])
def test_evaluation_set_errors_are_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    what: str,
    make: Callable[[bytes], bytes],
    expected: str,
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(make(EVALSET.read_bytes()))
    with pytest.raises(ConfigError) as info:
        load_items(path)
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"{path}: {expected}"), message
    assert eval_nlp.main(["--items", str(path), "--baselines-only"]) == 2
    assert capsys.readouterr().err == f"eval_nlp: {message}\n"


@pytest.mark.slow
def test_eval_harness_exits_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(EVAL_CASES[0][1](EVALSET.read_bytes()))
    out = subprocess.run(
        [sys.executable, str(REPO / "evaluation" / "eval_nlp.py"), "--items", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2
    assert out.stderr == f"eval_nlp: {path}: {EVAL_CASES[0][2]}; known keys: id, kind, " + (
        "title, author, text, actors, mentions, quotes, stances, phenomena\n"
    )


# ------------------------------------------------------------------ the installed command
@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_commands_print_one_line_without_a_traceback(tmp_path: Path, kind: str) -> None:
    path = _write(tmp_path, kind, FILE_CASES[0][1](config.path(f"{kind}.toml").read_bytes()))
    for args in (_command(kind, path, tmp_path), ["config", "check", str(path)]):
        out = run_mediamon("--db", str(tmp_path / "c.duckdb"), *args)
        assert out.returncode == 2, out.stderr
        assert re.fullmatch(rf"Error: {re.escape(str(path))}: invalid TOML: [^\n]+\n", out.stderr)


# ------------------------------------------------------------------ the bundled files
@pytest.mark.parametrize("kind", KINDS)
def test_bundled_files_pass(kind: str) -> None:
    path = config.path(f"{kind}.toml")
    assert LOADERS[kind](path)
    result = CliRunner().invoke(cli, ["config", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(rf"{re.escape(str(path))}: ok \([^)]+\)\n", result.stdout)


def test_bundled_seeds_and_evaluation_sets_pass() -> None:
    bundled_seeds = seeds.load(REPO / "mediamon" / "corpus" / "seeds" / "seeds.toml").seeds
    assert [s.source_id for s in bundled_seeds] == ["johncarr-blog", "kake"]
    assert bundled_seeds[0].published is None
    for name in ("stance_eval.jsonl", "stance_dev2.jsonl", "stance_test.jsonl"):
        assert load_items(REPO / "evaluation" / "sets" / name)


def test_config_check_output_and_kinds(tmp_path: Path) -> None:
    runner = CliRunner()
    edited = tmp_path / "edited.toml"  # the name says nothing: the keys do
    edited.write_text(_bundled("sources"), encoding="utf-8")
    result = runner.invoke(cli, ["config", "check", str(edited)])
    assert result.stdout == f"{edited}: ok (20 sources)\n"
    result = runner.invoke(cli, ["config", "check", str(edited), "--kind", "actors"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {edited}: actors: is required but missing")
    unknown = tmp_path / "notes.toml"
    unknown.write_text('title = "x"\n', encoding="utf-8")
    result = runner.invoke(cli, ["config", "check", str(unknown)])
    assert result.exit_code == 2 and "pass --kind" in result.stderr
    assert result.stderr.count("\n") == 1


def test_config_path_and_show() -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["config", "path"]).stdout == f"{config.DIR}\n"
    assert runner.invoke(cli, ["config", "path", "stance"]).stdout == f"{config.DIR}/stance.toml\n"
    for kind in KINDS:
        assert runner.invoke(cli, ["config", "show", kind]).stdout == _bundled(kind)


# ------------------------------------------------------------------ a copy of stance.toml
def test_stance_copy_falls_back_to_the_bundled_valence_file(tmp_path: Path) -> None:
    copy = tmp_path / "anywhere" / "my-stance.toml"
    copy.parent.mkdir()
    copy.write_text(_bundled("stance"), encoding="utf-8")
    assert stance.valence_path(copy) == config.path("valence.toml")
    assert version(stance=str(copy)) == version()  # the same bytes are read
    # a copy with its own valence.toml beside it uses that one, and the version says so
    (copy.parent / "valence.toml").write_text('positive = ["zzgood"]\n', encoding="utf-8")
    assert stance.valence_path(copy) == copy.parent / "valence.toml"
    lexicon = Lexicon.from_toml(copy, _words)
    assert lexicon.valence is not None and lexicon.valence.prior == {"zzgood": 1.0}
    assert version(stance=str(copy)) != version()
    # a valence file found nowhere is one line naming the option
    named = tmp_path / "named.toml"
    named.write_text(
        _bundled("stance").replace('valence_file = "valence.toml"', 'valence_file = "nope.toml"')
    )
    with pytest.raises(ConfigError, match=r"named\.toml: \[options\]: valence_file: no file "):
        stance.load_with_valence(named)


@pytest.mark.slow
def test_tag_with_a_stance_copy(tmp_path: Path) -> None:
    db = tmp_path / "corpus.duckdb"
    copy = tmp_path / "elsewhere" / "copy.toml"
    copy.parent.mkdir()
    copy.write_text(_bundled("stance"), encoding="utf-8")
    assert run_mediamon("--db", str(db), "init").returncode == 0
    out = run_mediamon("--db", str(db), "tag", "--stance", str(copy), timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Tagged 2 documents with pipeline "), out.stdout
    assert " 0 stances" not in out.stdout
