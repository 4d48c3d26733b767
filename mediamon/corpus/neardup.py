"""Near-duplicates: syndicated copies of one story with a few words changed.

MinHash over word 5-shingles estimates the Jaccard similarity of two texts; locality-sensitive
hashing (16 bands of 4 rows) finds candidate pairs without comparing every pair. A candidate whose
estimated similarity reaches THRESHOLD joins the other's cluster.
"""

import hashlib
import re

import numpy as np

PERMUTATIONS = 64
BANDS = 16
ROWS = PERMUTATIONS // BANDS
SHINGLE = 5
THRESHOLD = 0.7
MIN_WORDS = 30  # below this, shingles are too few for a stable estimate

_MERSENNE = np.uint64((1 << 61) - 1)
_rng = np.random.default_rng(20191004)  # fixed seed: signatures must be stable across runs
_A = _rng.integers(1, 1 << 32, size=PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, 1 << 32, size=PERMUTATIONS, dtype=np.uint64)
_WORD_RE = re.compile(r"\w+")


def signature(text: str) -> np.ndarray | None:
    """64 uint32 minimum hashes, or None for texts too short to compare."""
    words = _WORD_RE.findall(text.lower())
    if len(words) < MIN_WORDS:
        return None
    shingles = {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
    hashes = np.fromiter(
        (
            int.from_bytes(hashlib.blake2b(s.encode(), digest_size=4).digest(), "little")
            for s in shingles
        ),
        dtype=np.uint64,
        count=len(shingles),
    )
    # (a*h + b) mod p for every permutation and shingle; a, h < 2**32 keeps it in uint64
    mixed = (_A[:, None] * hashes[None, :] + _B[:, None]) % _MERSENNE
    return (mixed.min(axis=1) & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def band_keys(sig: np.ndarray) -> list[int]:
    """One 63-bit key per band (the band index is mixed in, so bands never collide)."""
    keys = []
    for band in range(BANDS):
        chunk = sig[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little") >> 1)
    return keys


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


def to_blob(sig: np.ndarray) -> bytes:
    return sig.astype("<u4").tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u4")
