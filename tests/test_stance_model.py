"""The learned stance decision: its model file, its candidates and the stances it gives.

Every sentence is written for this file; every person and organisation in it is fictional.
"""

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from spacy.language import Language

from mediamon.errors import ConfigError
from mediamon.nlp.classifier import CLASSES, MODEL_FILE, StanceModel, model_text
from mediamon.nlp.pipeline import build, make_doc, version
from tests.helpers import REPO

TEXT = (
    "Home Minister Dana Whitcombe told parliament on Tuesday that end-to-end encryption must "
    "not be allowed to hide child abuse from the police.\n\n"
    "Parley Messenger, which switched on end-to-end encryption for every chat last spring, "
    'rejected the criticism. "Encryption protects millions of ordinary people every day, and we '
    "will not weaken it,\" said Marta Lindqvist, Parley's chief executive.\n\n"
    "The Tallis Institute, a think tank in Ruritania, published a report on broadband prices."
)


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build()


def test_the_committed_model_is_small_and_well_formed() -> None:
    assert MODEL_FILE.stat().st_size < 2 * 1024 * 1024  # gzipped: 6.0 MB of JSON
    data = json.loads(model_text())
    assert data["classes"] == list(CLASSES)
    assert len(data["features"]) == len(data["weights"]) == len(set(data["features"]))
    assert "real" in data["trained_on"]["sources"]
    assert 0.2 < data["temperature"] < 5.0


def test_probabilities_sum_to_one_and_unknown_features_are_ignored() -> None:
    model = StanceModel.load()
    probs = model.probabilities({"no such feature": 5.0, "bias": 1.0})
    assert set(probs) == set(CLASSES)
    assert abs(sum(probs.values()) - 1.0) < 1e-9


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read the stance model"),
        (b"{not json", "not a stance model"),
        (b'{"classes": ["a"], "features": [], "weights": [], "intercept": []}', "not a stance"),
        (gzip.compress(b'{"classes": ["none"]}')[:12], "a broken gzip file"),
        (gzip.compress(b"{not json"), "not a stance model"),
    ],
)
def test_a_missing_or_broken_model_is_one_config_error(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "stance.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigError, match=message) as raised:
        StanceModel.load(path)
    assert "\n" not in str(raised.value)


def test_every_stance_has_evidence_from_the_text_a_basis_and_a_confidence(
    nlp: Language,
) -> None:
    doc = nlp(make_doc(nlp, TEXT))
    actors = doc._.mm_actors
    found = {(actors[f.actor_id].name, f.target): f for f in doc._.mm_stances}
    assert found, "no stance at all"
    flat = " ".join(TEXT.split())
    for fact in doc._.mm_stances:
        assert fact.evidence and fact.evidence in flat, fact
        assert fact.basis in ("quote", "reported", "authored", "action"), fact
        assert 0.0 < fact.confidence <= 1.0, fact
        assert TEXT[fact.start : fact.end].strip(), fact
    assert found[("Marta Lindqvist", "e2ee")].polarity == "favor"
    assert found[("Dana Whitcombe", "e2ee")].polarity == "against"
    assert not any(name == "Tallis Institute" for name, _ in found)


def test_the_rules_verdicts_are_kept_beside_the_models(nlp: Language) -> None:
    doc = nlp(make_doc(nlp, TEXT))
    rules = {(f.actor_id, f.target) for f in doc._.mm_rule_stances}
    assert rules, "the rules found nothing in a text they are written for"
    without = build(stance_model="")
    plain = without(make_doc(without, TEXT))
    assert [(f.actor_id, f.target, f.polarity) for f in plain._.mm_stances] == [
        (f.actor_id, f.target, f.polarity) for f in plain._.mm_rule_stances
    ]


def test_a_new_model_is_a_new_pipeline_version(tmp_path: Path) -> None:
    other = tmp_path / "stance.json"
    data = json.loads(model_text())
    data["intercept"][0] += 0.5
    other.write_text(json.dumps(data), encoding="utf-8")
    assert version(stance_model=str(other)) != version()
    assert version(stance_model="") != version()


@pytest.mark.slow
def test_make_train_rebuilds_the_committed_model_byte_for_byte(tmp_path: Path) -> None:
    out = tmp_path / "stance.json.gz"
    result = subprocess.run(
        [sys.executable, str(REPO / "evaluation" / "train_stance.py"), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    # the JSON, not the gzip bytes: another zlib may pack the same model differently
    assert model_text(out) == model_text(), (
        "the committed model is not what `make train` builds from the committed data: "
        "run `make train` and commit mediamon/nlp/models/stance.json.gz"
    )


OWN_PAGE = (
    "We have campaigned for private communication since 2015. Our position has not changed: "
    "end-to-end encryption keeps people safe, and we will oppose any law that forces apps to "
    "scan private messages."
)


@pytest.mark.parametrize(
    ("publisher", "voiced"),
    [
        ("Open Wires Collective", True),  # an organisation's own page, saying "we"
        ("BBC", False),  # a news organisation's report is not its stance
        (None, False),
    ],
)
def test_a_site_that_speaks_in_its_own_voice_is_a_candidate_holder(
    nlp: Language, publisher: str | None, voiced: bool
) -> None:
    doc = nlp(make_doc(nlp, OWN_PAGE, None, None, None, publisher))
    assert (doc._.mm_publisher_id is not None) == voiced
    if voiced:
        actor = doc._.mm_actors[doc._.mm_publisher_id]
        assert actor.name == publisher
        for fact in doc._.mm_stances:
            if fact.actor_id == actor.id:
                assert fact.basis == "authored" and fact.evidence in OWN_PAGE


def test_a_news_report_quoting_we_does_not_voice_its_site(nlp: Language) -> None:
    text = '"We will never weaken encryption," said Marta Lindqvist. "Our users trust us."'
    doc = nlp(make_doc(nlp, text, None, None, None, "Open Wires Collective"))
    assert doc._.mm_publisher_id is None


@pytest.mark.parametrize(
    ("publisher", "voiced"),
    [
        ("Electronic Frontier Foundation", True),  # a registered organisation's own site
        ("Electronic Frontier Foundation (EFF)", True),  # as sites name themselves
        ("Counter Terror Business", False),  # a site of unknown kind, not saying "we"
        ("The Guardian", False),  # a registered news organisation
    ],
)
def test_a_registered_organisations_site_speaks_for_it_without_saying_we(
    nlp: Language, publisher: str, voiced: bool
) -> None:
    text = (
        "Client-side scanning would turn every phone into a tool of surveillance. The proposal "
        "must be withdrawn, and end-to-end encryption must be protected for everyone."
    )
    doc = nlp(make_doc(nlp, text, None, None, None, publisher))
    assert (doc._.mm_publisher_id is not None) == voiced
    if voiced:
        assert doc._.mm_actors[doc._.mm_publisher_id].origin == "registry"


def test_the_eu_as_a_whole_is_mentioned_but_holds_no_stance(nlp: Language) -> None:
    text = (
        "The EU wants to force messaging apps to scan private messages for abuse material. "
        "The European Commission proposed the law in 2022 and says detection is necessary."
    )
    doc = nlp(make_doc(nlp, text, None, None, None, None))
    assert "european_union" in {m.actor_id for m in doc._.mm_mentions}
    assert "european_union" not in {f.actor_id for f in doc._.mm_stances}
    featurizer = nlp.get_pipe("mediamon_stance_model").featurizer  # type: ignore[attr-defined]
    holders = {c.actor_id for c in featurizer.candidates(doc, doc._.mm_scored)}
    assert "european_commission" in holders and "european_union" not in holders


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("LONDON—Ofcom announced new rules for messaging apps on Thursday.", "LONDON"),
        ("The measures, known as Chat Control, would have required scanning.", "Chat Control"),
    ],
)
def test_datelines_and_a_laws_nickname_are_no_actors(nlp: Language, text: str, name: str) -> None:
    doc = nlp(make_doc(nlp, text, None, None, None, None))
    assert name not in {doc[m.start : m.end].text for m in doc._.mm_mentions}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (
            "Ruritanian Border Control said on Monday that it wants access to encrypted chats.",
            "Ruritanian Border Control",
        ),
        (
            "A spokesperson for Aldmark Pest Control said the firm opposes the scanning law.",
            "Aldmark Pest Control",
        ),
    ],
)
def test_an_organisation_named_control_is_an_actor(nlp: Language, text: str, name: str) -> None:
    # only the regulation's nickname is barred, not every name that ends in "Control"
    doc = nlp(make_doc(nlp, text, None, None, None, None))
    assert name in {doc[m.start : m.end].text for m in doc._.mm_mentions}
