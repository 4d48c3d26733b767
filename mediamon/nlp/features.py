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

from mediamon.nlp.docindex import sentence_numbers, sentences, text_of
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


TokenRow = tuple[int, str, str, str, bool, str]  # i, lower_, dep_, pos_, is_alpha, lemma


def _token_rows(tokens: Span) -> list[TokenRow]:
    """A sentence's tokens as plain values, read once for every actor in it (a spaCy Token is
    made anew on every access)."""
    return [(t.i, t.lower_, t.dep_, t.pos_, t.is_alpha, t.lemma_.lower()) for t in tokens]


def _words(tokens: list[TokenRow], own: set[int]) -> list[str]:
    """Lower-case lemmas of content words; a word after a negation is marked."""
    found: list[str] = []
    negated = 0
    for i, lower, dep, pos, is_alpha, lemma in tokens:
        if dep == "neg" or lower in ("not", "never", "no", "n't", "nor"):
            negated = 3
            continue
        if i in own or (pos in _SKIP_POS and lower not in _KEEP):
            negated = max(0, negated - 1)
            continue
        if not is_alpha and lower not in _KEEP:
            continue
        found.append(f"NOT_{lemma}" if negated else lemma)
        negated = max(0, negated - 1)
    return found


# An opinion piece's author speaks in most of its sentences, so its candidates carry hundreds of
# words where a reporter's source carries a dozen; summed, their small weights outvote the cues.
# Past this many words the bag is scaled to the same length (L2), so size alone decides nothing.
WORD_CAP = 40


def _cap_words(f: dict[str, float], words: set[str]) -> None:
    """`words`: the names of f's word features ("w=...")."""
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
        sent_no = sentence_numbers(doc).__getitem__
        # each cue side's count up to every sentence: a run of sentences' count is a difference
        running = {
            key: list(itertools.accumulate((cues[key] for cues in sent_cues), initial=0))
            for key in (f"{side}:{t}" for t in self.targets for side in ("favor", "against"))
        }
        per_target = {}  # what depends on the target alone
        for target in self.targets:
            others = sum(v for t, v in doc_terms.items() if t != target)
            per_target[target] = (
                f"dom_terms={_bucket(doc_terms[target], (0, 2, 5, 10))}",
                doc_terms[target] > others,
            )
        token_rows: dict[int, list[TokenRow]] = {}

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
            roots = [doc[m.start : m.end].root for m in ms]
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
            elif any(_subject(root) for root in roots):
                role = "subject"
            elif actor_id in (publisher_id, author_id) or actor_id in signatories:
                role = "voice"
            else:
                role = "oblique"
            # what does not depend on the target, once per actor
            words_of: dict[int, list[str]] = {}
            governed: dict[str, float] = {}
            for first in roots:
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
            # the sentences of the paragraphs around the actor, as runs [a, b) of sentences
            around: list[tuple[int, int]] = []
            for start, end in _paragraphs_of(text, [doc[m.start].idx for m in ms]):
                span = doc.char_span(start, end, alignment_mode="contract")
                if span is None:
                    continue
                a = _first_at(starts, span.start)
                around.append((a, max(a, bisect.bisect_left(starts, span.end))))
            para = {
                key: sum(counts[b] - counts[a] for a, b in around)
                for key, counts in running.items()
            }
            has_para = any(b > a for a, b in around)
            talked = sorted(set(mention_sents) | set(said_sents))
            said_set = set(said_sents)
            ks = [sent_no(m.start) for m in ms]
            mine: list[Candidate] = []
            plain: list[dict[str, float]] = []
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
                dom_terms, main_target = per_target[target]
                f[dom_terms] = 1.0
                if main_target:
                    f["main_target"] = 1.0

                near: list[int] = []
                words: set[str] = set()
                sides = (("favor", f"favor:{target}"), ("against", f"against:{target}"))
                for k in talked:
                    here = sent_terms[k].get(target, [])
                    cues = sent_cues[k]
                    tag = "said" if k in said_set else "ment"
                    if here:
                        near.append(k)
                        f[f"{tag}_with_target"] += 1.0
                    for side, key in sides:
                        hits = cues[key]
                        if hits:
                            f[f"{tag}_cue_{side}"] += hits
                            if here:
                                f[f"{tag}_cue_{side}&target"] += hits
                    # the words of a sentence about the actor that names no target were
                    # measured (dev split) to add more noise than evidence
                    if here or tag == "said":
                        if k not in words_of:
                            if k not in token_rows:
                                token_rows[k] = _token_rows(sents[k])
                            words_of[k] = _words(token_rows[k], own)
                        for word in words_of[k]:
                            name = f"w={word}"
                            f[name] = 1.0
                            words.add(name)
                _cap_words(f, words)
                # the governing verb of each mention, and the path from it to the target
                best = 99
                f.update(governed)
                for root, k in zip(roots, ks, strict=True):
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
                if has_para:
                    for side, key in sides:
                        f[f"para_cue_{side}"] += para[key]
                candidate = Candidate(actor_id, target, statements=said)
                candidate.sentences = [(sents[k].start_char, sents[k].end_char) for k in near]
                for k in (mention_sents or said_sents)[:1]:
                    candidate.first = (sents[k].start_char, sents[k].end_char)
                features = candidate.features
                tagged = f"{target}|"
                for name, value in f.items():
                    if value:
                        features[name] = value
                        if name != "bias":
                            features[tagged + name] = value
                mine.append(candidate)
                plain.append(f)
            # what the actor says of one target bears on the other: a demand for access to
            # encrypted messages is against encryption and for detection alike
            # picked from each candidate's own features (f): those added below are never shared
            shared = [
                [(n, v) for n, v in f.items() if v and "|" not in n and n.startswith(_SHARED)]
                for f in plain
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
