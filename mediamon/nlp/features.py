"""Candidates for the learned stance decision, and what is known of each.

A candidate is an (actor, target) pair the document gives a chance for: every actor it mentions
(or whose open letter or opinion piece it carries), for every target of the lexicon, whether or
not a cue fired. Its features are what the rules saw (their verdict, each statement's score, cue
hits and negation) and what they could not weigh: the words of the sentences that hold the
actor and the target, the verb that governs the actor's mention, the dependency path from it to
the target, how far apart they are and what the story is about. The classifier
(classifier.py) learns from labelled text which of them matter.
"""

import bisect
import itertools
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from mediamon.nlp.docindex import sentence_number, sentences, text_of
from mediamon.nlp.lexicon import Lexicon, Match
from mediamon.nlp.linker import Mention
from mediamon.nlp.statements import Statement

# the spaCy model's stop words are too many (they include "against", "not", "never")
_SKIP_POS = {"PUNCT", "SPACE", "DET", "NUM", "SYM", "X", "CCONJ", "PART"}
_KEEP = {"not", "no", "never", "against", "without", "nor"}
_WE = {"we", "our", "us", "ourselves"}
# the features of one target's candidate that its actor's other candidates see
_SHARED = ("rule", "score_", "stmt_", "said_cue", "ment_cue", "para_cue", "main_target", "w=")


@dataclass
class Scored:
    """One statement's rule score for one target (stance.py), kept for the classifier."""

    statement: int  # index in doc._.mm_statements
    target: str
    score: float
    neutral: bool = False


@dataclass
class Candidate:
    actor_id: str
    target: str
    features: dict[str, float] = field(default_factory=dict)
    statements: list[int] = field(default_factory=list)  # the actor's, in document order
    sentences: list[tuple[int, int]] = field(default_factory=list)  # with the target, chars
    first: tuple[int, int] = (0, 0)  # the sentence of the actor's first mention, chars


def _bucket(value: float, edges: tuple[float, ...]) -> str:
    for edge in edges:
        if value <= edge:
            return f"<={edge:g}"
    return f">{edges[-1]:g}"


def _words(tokens: list[Token] | Span, own: set[int]) -> list[str]:
    """Lower-case lemmas of content words; a word after a negation is marked."""
    found: list[str] = []
    negated = 0
    for token in tokens:
        lower = token.lower_
        if token.dep_ == "neg" or lower in ("not", "never", "no", "n't", "nor"):
            negated = 3
            continue
        if token.i in own or (token.pos_ in _SKIP_POS and lower not in _KEEP):
            negated = max(0, negated - 1)
            continue
        if not token.is_alpha and lower not in _KEEP:
            continue
        lemma = token.lemma_.lower()
        found.append(f"NOT_{lemma}" if negated else lemma)
        negated = max(0, negated - 1)
    return found


# An opinion piece's author speaks in most of its sentences, so its candidates carry hundreds of
# words where a reporter's source carries a dozen; summed, their small weights outvote the cues.
# Past this many words the bag is scaled to the same length (L2), so size alone decides nothing.
WORD_CAP = 40


def _cap_words(f: dict[str, float]) -> None:
    words = [name for name in f if name.startswith("w=")]
    if len(words) > WORD_CAP:
        scale = math.sqrt(WORD_CAP / len(words))
        for name in words:
            f[name] *= scale


def _subject(token: Token) -> bool:
    """Whether a mention's head is the subject (or agent) of its clause, or a conjunct of one."""
    while token.dep_ in ("conj", "appos", "compound", "poss") and token.head.i != token.i:
        if token.dep_ == "poss":
            return True  # "Germany's intervention", "Apple's plan": the owner acts
        token = token.head
    return token.dep_ in ("nsubj", "nsubjpass", "agent", "csubj")


def _path(a: Token, b: Token) -> tuple[str, str | None, int]:
    """The dependency path from a up to the lowest common head and down to b: labels, the
    head's lemma when it is a verb, and the path's length."""
    up = [a, *a.ancestors]
    up_ids = {t.i: k for k, t in enumerate(up)}
    down: list[Token] = []
    for t in [b, *b.ancestors]:
        if t.i in up_ids:
            common = t
            rise = up[: up_ids[t.i]]
            break
        down.append(t)
    else:
        return "", None, 99
    labels = "^".join(t.dep_ for t in rise) + "|" + "v".join(t.dep_ for t in reversed(down))
    verb = common.lemma_.lower() if common.pos_ in ("VERB", "AUX") else None
    return labels, verb, len(rise) + len(down)


class Featurizer:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.targets = list(lexicon.targets)

    def candidates(self, doc: Doc, scored: list[Scored]) -> list[Candidate]:
        actors = doc._.mm_actors or {}
        mentions: list[Mention] = doc._.mm_mentions or []
        statements: list[Statement] = doc._.mm_statements or []
        signatories = set(doc._.mm_signatories or [])
        author_id = doc._.mm_author_id
        publisher_id = doc._.mm_publisher_id
        facts = {(f.actor_id, f.target): f for f in doc._.mm_rule_stances or []}

        by_actor: dict[str, list[Mention]] = {}
        for m in mentions:
            if m.actor_id in actors:
                by_actor.setdefault(m.actor_id, []).append(m)
        holders = set(by_actor) | (signatories & set(actors))
        if author_id in actors:
            holders.add(author_id)
        if publisher_id in actors:
            holders.add(publisher_id)

        text = text_of(doc)
        sents = sentences(doc)
        sent_terms: list[dict[str, list[Match]]] = []
        sent_cues: list[Counter[str]] = []
        for sent in sents:
            matches = self.lexicon.scan(sent)
            terms: dict[str, list[Match]] = {}
            cues: Counter[str] = Counter()
            negs = [m for m in matches if m.side == "negation"]
            for match in matches:
                if match.side.startswith("term:"):
                    terms.setdefault(match.side[5:], []).append(match)
                elif match.side.split(":")[0] in ("favor", "against"):
                    side, target = match.side.split(":")
                    flipped = any(n.start < match.start and n.end >= match.start - 3 for n in negs)
                    if flipped:
                        side = "against" if side == "favor" else "favor"
                    cues[f"{side}:{target}"] += 1
            sent_terms.append(terms)
            sent_cues.append(cues)
        doc_terms = Counter(t for terms in sent_terms for t, ms in terms.items() for _ in ms)
        starts = [s.start for s in sents]

        def sent_no(token_i: int) -> int:
            return sentence_number(doc, token_i)

        own_tokens = {
            actor_id: {i for m in ms for i in range(m.start, m.end)}
            for actor_id, ms in by_actor.items()
        }
        out: list[Candidate] = []
        for actor_id in sorted(holders):
            actor = actors[actor_id]
            if not actor.holds_stances:
                continue
            ms = by_actor.get(actor_id, [])
            own = own_tokens.get(actor_id, set())
            said = [
                k
                for k, s in enumerate(statements)
                if actor_id in s.speakers or (s.letter and actor_id in signatories)
            ]
            mention_sents = sorted({sent_no(m.start) for m in ms})
            if actor_id == publisher_id:
                # the site's own voice: its sentences are those that say "we" or "our"
                voiced = {sent_no(t.i) for t in doc if t.lower_ in _WE and t.text != "US"}
                mention_sents = sorted(set(mention_sents) | voiced)
            said_sents = sorted(
                {
                    sent_no(span.start)
                    for k in said
                    if (span := doc.char_span(*statements[k].sentence, alignment_mode="expand"))
                    is not None
                }
            )
            # an actor only ever named as an object or in passing seldom holds a position
            if said:
                role = "speaker"
            elif any(_subject(doc[m.start : m.end].root) for m in ms):
                role = "subject"
            elif actor_id in (publisher_id, author_id) or actor_id in signatories:
                role = "voice"
            else:
                role = "oblique"
            # what does not depend on the target, once per actor
            words_of: dict[int, list[str]] = {}
            governed: dict[str, float] = {}
            for m in ms:
                first = doc[m.start : m.end].root
                # "Australia, Canada and India signed": each conjunct governed by the verb
                while first.dep_ in ("conj", "appos") and first.head.i != first.i:
                    first = first.head
                governed[f"dep={first.dep_}"] = 1.0
                head = first.head
                if head.pos_ in ("VERB", "AUX") and head.i != first.i:
                    lemma = head.lemma_.lower()
                    governed[f"head={lemma}"] = 1.0
                    governed[f"head={lemma}&dep={first.dep_}"] = 1.0
                    for child in head.children:
                        if child.dep_ in ("dobj", "xcomp", "ccomp", "prep", "neg"):
                            governed[f"head={lemma}>{child.dep_}:{child.lemma_.lower()}"] = 1.0
            around: list[int] = []  # the sentences of the paragraphs around the actor
            for start, end in _paragraphs_of(text, [doc[m.start].idx for m in ms]):
                span = doc.char_span(start, end, alignment_mode="contract")
                if span is None:
                    continue
                for k2 in range(_first_at(starts, span.start), len(sents)):
                    if sents[k2].start >= span.end:
                        break
                    around.append(k2)
            mine: list[Candidate] = []
            for target in self.targets:
                f: defaultdict[str, float] = defaultdict(float)
                f["bias"] = 1.0
                f[f"type={actor.type}"] = 1.0
                # not whether the registry lists the actor: it lists those that took positions in
                # the training passages, so the model would learn the list, not the text
                f["n_mentions"] = math.log1p(len(ms))
                if actor_id == author_id:
                    f["author"] = 1.0
                if actor_id == publisher_id:
                    f["publisher"] = 1.0
                if actor_id in signatories:
                    f["signatory"] = 1.0
                if actor.speaks_for:
                    f["speaks_for"] = 1.0
                f[f"role={role}"] = 1.0
                rule = facts.get((actor_id, target))
                if rule is not None:
                    f[f"rule={rule.polarity}"] = 1.0
                    f[f"rule={rule.polarity}&basis={rule.basis}"] = 1.0
                    f[f"rule_conf_{rule.polarity}"] = rule.confidence
                pos = neg = 0.0
                for s in scored:
                    if s.target != target or s.statement not in said:
                        continue
                    kind = statements[s.statement].kind
                    if s.neutral:
                        f["stmt_neutral"] += 1.0
                    elif s.score > 0:
                        pos += s.score
                        f[f"stmt_favor&kind={kind}"] = 1.0
                    else:
                        neg -= s.score
                        f[f"stmt_against&kind={kind}"] = 1.0
                f["score_favor"] = math.log1p(pos)
                f["score_against"] = math.log1p(neg)
                for k in said:
                    f[f"kind={statements[k].kind}"] = 1.0
                f["n_said"] = math.log1p(len(said))
                f[f"dom_terms={_bucket(doc_terms[target], (0, 2, 5, 10))}"] = 1.0
                others = sum(v for t, v in doc_terms.items() if t != target)
                if doc_terms[target] > others:
                    f["main_target"] = 1.0

                near: list[int] = []
                for k in sorted(set(mention_sents) | set(said_sents)):
                    here = sent_terms[k].get(target, [])
                    cues = sent_cues[k]
                    tag = "said" if k in said_sents else "ment"
                    if here:
                        near.append(k)
                        f[f"{tag}_with_target"] += 1.0
                    for side in ("favor", "against"):
                        hits = cues[f"{side}:{target}"]
                        if hits:
                            f[f"{tag}_cue_{side}"] += hits
                            if here:
                                f[f"{tag}_cue_{side}&target"] += hits
                    # the words of a sentence about the actor that names no target were
                    # measured (dev split) to add more noise than evidence
                    if here or tag == "said":
                        if k not in words_of:
                            words_of[k] = _words(sents[k], own)
                        for word in words_of[k]:
                            f[f"w={word}"] = 1.0
                _cap_words(f)
                # the governing verb of each mention, and the path from it to the target
                best = 99
                f.update(governed)
                for m in ms:
                    root = doc[m.start : m.end].root
                    k = sent_no(m.start)
                    for term in sent_terms[k].get(target, []):
                        term_token = sents[k][term.start]
                        distance = abs(term_token.i - root.i)
                        if distance < best:
                            best = distance
                            labels, verb, length = _path(root, term_token)
                            path = (labels, verb, length)
                if best < 99:
                    labels, verb, length = path
                    f[f"dist{_bucket(best, (3, 8, 15, 30))}"] = 1.0
                    f[f"path_len{_bucket(length, (2, 4, 6))}"] = 1.0
                    if length <= 6:
                        f[f"path={labels}"] = 1.0
                    if verb:
                        f[f"path_verb={verb}"] = 1.0
                else:
                    f["no_target_near"] = 1.0
                # the paragraphs around the actor: what the story says there
                for k2 in around:
                    for side in ("favor", "against"):
                        f[f"para_cue_{side}"] += sent_cues[k2][f"{side}:{target}"]
                candidate = Candidate(actor_id, target, statements=said)
                candidate.sentences = [(sents[k].start_char, sents[k].end_char) for k in near]
                for k in (mention_sents or said_sents)[:1]:
                    candidate.first = (sents[k].start_char, sents[k].end_char)
                for name, value in f.items():
                    if value:
                        candidate.features[name] = value
                        if name != "bias":
                            candidate.features[f"{target}|{name}"] = value
                mine.append(candidate)
            # what the actor says of one target bears on the other: a demand for access to
            # encrypted messages is against encryption and for detection alike
            # picked once per candidate: what is added below has a "|", so is never shared
            shared = [
                [(n, v) for n, v in c.features.items() if "|" not in n and n.startswith(_SHARED)]
                for c in mine
            ]
            for candidate in mine:
                prefix = f"{candidate.target}|other:"
                for other, its in zip(mine, shared, strict=True):
                    if other is candidate:
                        continue
                    for name, value in its:
                        candidate.features[prefix + name] = value
            out += mine
        return out


_PARAGRAPH = re.compile(r"\n\s*\n")


def _paragraphs_of(text: str, chars: list[int]) -> list[tuple[int, int]]:
    bounds = [0, *(m.end() for m in _PARAGRAPH.finditer(text)), len(text) + 1]
    found = set()
    for char in chars:
        for a, b in itertools.pairwise(bounds):
            if a <= char < b:
                found.add((a, min(b, len(text))))
                break
    return sorted(found)


def _first_at(starts: list[int], token: int) -> int:
    """The index of the sentence that holds `token` (`starts` are the sentences' first tokens)."""
    return max(0, bisect.bisect_right(starts, token) - 1)
