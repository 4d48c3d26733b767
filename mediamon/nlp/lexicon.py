"""The stance lexicon (config/stance.toml): targets, their terms and cues, compiled for matching.

Cues are written in base form; a cue token matches a text token's lower-cased form or lemma.
"..." in a cue stands for a gap of up to `gap_words` tokens. Matching is over spaCy tokens, and
cues are tokenised with the same tokenizer, so "end-to-end" matches however spaCy splits it.
"""

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spacy.strings import get_string_id
from spacy.symbols import SCONJ, VERB
from spacy.tokens import Doc, Span, Token

from mediamon.config import stance as schema
from mediamon.nlp.docindex import memo
from mediamon.nlp.valence import Valence

# text -> its tokens as (lower-cased form, lemma) pairs
Tokenize = Callable[[str], list[tuple[str, str]]]


@dataclass(frozen=True)
class Cue:
    text: str
    parts: tuple[tuple[frozenset[str], ...], ...]  # each word: its form and its lemma
    weight: float = 1.0
    negatable: bool = True  # "!cue": a warning that keeps its side however it is phrased

    @property
    def size(self) -> int:
        return sum(len(p) for p in self.parts)


@dataclass(frozen=True)
class Match:
    start: int  # token index within the matched sequence
    end: int  # exclusive
    cue: Cue
    side: str  # favor / against / term / negation / ...


@dataclass
class Target:
    id: str
    description: str
    terms: list[Cue]
    favor: list[Cue]
    against: list[Cue]


@dataclass(frozen=True)
class Implication:
    source: str
    polarity: str
    because: frozenset[str]
    target: str
    implies: str
    weight: float


@dataclass
class Lexicon:
    targets: dict[str, Target]
    negation: list[Cue]
    reporting: list[Cue]
    speech_verbs: set[str]
    speech_phrases: list[Cue]
    action: list[Cue]
    neutral: list[Cue] = field(default_factory=list)
    stance_words: set[str] = field(default_factory=set)
    position_words: set[str] = field(default_factory=set)
    negation_window: int = 3
    gap_words: int = 6
    neutral_margin: float = 0.5
    reported_weight: float = 0.8
    implications: list[Implication] = field(default_factory=list)
    valence: Valence | None = None
    _index: dict[str, list[tuple[Cue, str]]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_toml(cls, path: Path, tokenize: Tokenize) -> "Lexicon":
        """Read a stance file and its valence file; a bad one raises ConfigError (one line)."""
        file, valence, _ = schema.load_with_valence(path)
        lexicon = cls.from_file(file, tokenize)
        if valence is not None:
            lexicon.valence = Valence.from_file(valence)
        return lexicon

    @classmethod
    def from_dict(
        cls, data: dict[str, Any], tokenize: Tokenize, where: str = "stance.toml"
    ) -> "Lexicon":
        """A lexicon from parsed TOML, without its valence file."""
        return cls.from_file(schema.parse(data, where), tokenize)

    @classmethod
    def from_file(cls, file: schema.StanceFile, tokenize: Tokenize) -> "Lexicon":
        def cues(items: list[str] | dict[str, float]) -> list[Cue]:
            pairs = items.items() if isinstance(items, dict) else [(item, 1.0) for item in items]
            return [_cue(text, float(weight), tokenize) for text, weight in pairs]

        options = file.options
        targets = {
            target_id: Target(
                id=target_id,
                description=raw.description,
                terms=cues(raw.terms),
                favor=cues(raw.favor),
                against=cues(raw.against),
            )
            for target_id, raw in file.targets.items()
        }
        verbs = file.speech_verbs
        lexicon = cls(
            targets=targets,
            negation=cues(file.negation),
            reporting=cues(file.reporting),
            speech_verbs={v for v in verbs if " " not in v},
            speech_phrases=[_cue(v, 1.0, tokenize) for v in verbs if " " in v],
            action=cues(file.action),
            neutral=cues(file.neutral),
            stance_words={w.lower() for w in file.stance_words},
            position_words={w.lower() for w in file.positions},
            negation_window=options.negation_window,
            gap_words=options.gap_words,
            neutral_margin=float(options.neutral_margin),
            reported_weight=float(options.reported_weight),
            implications=[
                Implication(
                    rule.source,
                    rule.polarity,
                    frozenset(w.lower() for w in rule.because),
                    rule.target,
                    rule.implies,
                    float(rule.weight),
                )
                for rule in file.implications
            ],
        )
        lexicon._build_index()
        return lexicon

    def negatable(self, cue: Cue) -> bool:
        """Only cues that state a stance are reversed by a negation (see stance_words)."""
        if not cue.negatable:
            return False
        if not self.stance_words:
            return True
        first = cue.parts[0][0]
        return not first.isdisjoint(self.stance_words)

    def _build_index(self) -> None:
        def add(cue: Cue, side: str) -> None:
            for key in cue.parts[0][0]:
                self._index.setdefault(key, []).append((cue, side))

        for target in self.targets.values():
            for cue in target.terms:
                add(cue, f"term:{target.id}")
            for cue in target.favor:
                add(cue, f"favor:{target.id}")
            for cue in target.against:
                add(cue, f"against:{target.id}")
        for cue in self.negation:
            add(cue, "negation")
        for cue in self.reporting:
            add(cue, "reporting")
        for cue in self.action:
            add(cue, "action")
        for cue in self.neutral:
            add(cue, "neutral")

    def scan(self, tokens: Sequence[Token] | Span) -> list[Match]:
        """Every cue occurrence in the tokens (overlaps included; callers choose).

        A span is answered from one scan of its whole document, kept in the document's memo
        (docindex.py): the stance stage asks about the same sentences many times over."""
        if isinstance(tokens, Span):
            return self._scan_span(tokens)
        return self._scan(tokens)

    def _scan_span(self, span: Span) -> list[Match]:
        def make() -> tuple[list[int], list[Match]]:
            found = sorted(self._scan(span.doc), key=lambda m: m.start)
            return [m.start for m in found], found

        starts, found = memo(span.doc, ("scan", id(self)), make)
        lo = bisect.bisect_left(starts, span.start)
        hi = bisect.bisect_left(starts, span.end)
        shift = span.start
        return [
            Match(m.start - shift, m.end - shift, m.cue, m.side)
            for m in found[lo:hi]
            if m.end <= span.end
        ]

    def _scan(self, tokens: Sequence[Token] | Doc) -> list[Match]:
        if isinstance(tokens, Doc):
            keys, walls = _doc_keys(tokens)
        else:
            keys = []
            walls = []
            for t in tokens:  # one pass: each Token spaCy makes for us is costly
                keys.append(_keys(t))
                walls.append(_wall(t))
        found: list[Match] = []
        for i, token_keys in enumerate(keys):
            seen: set[tuple[int, str]] = set()
            for key in token_keys:
                for cue, side in self._index.get(key, ()):
                    if (id(cue), side) in seen:
                        continue
                    seen.add((id(cue), side))
                    end = _match_at(keys, walls, i, cue, self.gap_words)
                    if end is not None:
                        found.append(Match(i, end, cue, side))
        return found


def _cue(text: str, weight: float, tokenize: Tokenize) -> Cue:
    negatable = not text.startswith("!")
    text = text.lstrip("!")
    parts = []
    for chunk in text.lower().split("..."):
        words = tuple(
            frozenset({form, lemma}) for form, lemma in tokenize(chunk.strip()) if form.strip()
        )
        if words:
            parts.append(words)
    if not parts:
        raise ValueError(f"empty cue {text!r}")
    return Cue(text, tuple(parts), weight, negatable)


def _keys(token: Token) -> set[str]:
    return {token.lower_, token.lemma_.lower()}


_WALL_TEXTS = (",", ";", ":", ".")


def _wall(token: Token) -> bool:
    """A gap ("keep ... private") stands for a noun phrase; it does not run past a verb or a
    clause ("keep detecting grooming inside encrypted chats" is not "keep ... encrypted")."""
    return token.pos_ in ("VERB", "SCONJ") or token.text in _WALL_TEXTS


# (lower, lemma) string ids -> _keys' set: a document's words are mostly words seen before
_KEYS: dict[tuple[int, int], set[str]] = {}
_KEYS_LIMIT = 500_000
_WALL_POS = (VERB, SCONJ)
_WALL_IDS = frozenset(get_string_id(text) for text in _WALL_TEXTS)


def _doc_keys(doc: Doc) -> tuple[list[set[str]], list[bool]]:
    """_keys and _wall of every token of `doc`, from string ids: no string is looked up or
    lower-cased twice."""
    strings = doc.vocab.strings
    keys: list[set[str]] = []
    walls: list[bool] = []
    if len(_KEYS) >= _KEYS_LIMIT:
        _KEYS.clear()
    for token in doc:
        pair = (token.lower, token.lemma)
        found = _KEYS.get(pair)
        if found is None:
            found = _KEYS[pair] = {strings[pair[0]], strings[pair[1]].lower()}
        keys.append(found)
        walls.append(token.pos in _WALL_POS or token.orth in _WALL_IDS)
    return keys, walls


def _match_at(
    keys: list[set[str]], walls: list[bool], start: int, cue: Cue, gap: int
) -> int | None:
    """End (exclusive) of the cue matched from `start`, allowing gaps between its parts."""
    pos = start
    for n, part in enumerate(cue.parts):
        if n == 0:
            if not _part_at(keys, pos, part):
                return None
            pos += len(part)
            continue
        for skip in range(gap + 1):
            if _part_at(keys, pos + skip, part):
                pos = pos + skip + len(part)
                break
            if pos + skip < len(walls) and walls[pos + skip]:
                return None
        else:
            return None
    return pos


def _part_at(keys: list[set[str]], pos: int, part: tuple[frozenset[str], ...]) -> bool:
    if pos + len(part) > len(keys):
        return False
    return all(not word.isdisjoint(keys[pos + k]) for k, word in enumerate(part))


def longest_first(matches: list[Match]) -> list[Match]:
    """Non-overlapping matches, longer cues winning over the cues they contain."""
    kept: list[Match] = []
    taken: set[int] = set()
    for match in sorted(matches, key=lambda m: (-(m.end - m.start), m.start)):
        span = set(range(match.start, match.end))
        if span & taken:
            continue
        kept.append(match)
        taken |= span
    return sorted(kept, key=lambda m: m.start)


def valence_path(stance_path: Path) -> Path | None:
    """The word-valence file a stance file uses (see config.stance.valence_path)."""
    return schema.valence_path(stance_path)


def head_of(span: Span) -> Token:
    """The token of a multi-word match that the rest of the sentence attaches to."""
    for token in span:
        if not span.start <= token.head.i < span.end or token.head.i == token.i:
            return token
    return span[-1]
