"""Stance: per actor and target, from what the actor said, did or wrote.

Each statement is scored with the target's cues (negation reverses a cue). A cue counts for a
target named in the statement or its sentence, or, at a lower weight, in its paragraph or a
story plainly about it. The sentence's structure (valence.py) decides where no cue does and
overrules a cue it contradicts. The scores of an actor's statements add up per target; the
strongest statement in the winning direction is the evidence. Open letters' statements go to
their signatories (basis action); a person's stance also counts for the organisation they
speak for.
"""

import re
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from mediamon.nlp.actors import Actor
from mediamon.nlp.anaphora import PRONOUNS, Antecedents
from mediamon.nlp.docindex import sentence_of, text_of
from mediamon.nlp.features import Scored
from mediamon.nlp.lexicon import Lexicon, Match, head_of, longest_first
from mediamon.nlp.linker import Mention
from mediamon.nlp.statements import LETTER, Attribution, Statement
from mediamon.nlp.valence import Evaluator

BASIS = {
    "direct": "quote",
    "indirect": "reported",
    "position": "reported",
    "action": "action",
    "authored": "authored",
}
INHERITED_WEIGHT = 0.7  # a statement that names no target, read as about the document's target
MIN_DOMINANT_TERMS = 3
ACTION_WEIGHT = 1.5  # deploying or signing is less ambiguous than words
OPINION_REPORTED_WEIGHT = 0.5  # in an opinion piece, "X says ..." carries the author's framing
VALENCE_WEIGHT = 0.8  # read from the sentence's structure when no cue fires: less sure than a cue


@dataclass
class StanceFact:
    actor_id: str
    target: str
    polarity: str
    confidence: float
    evidence: str
    basis: str
    start: int
    end: int


@dataclass
class _Topics:
    dominant: str | None
    paragraphs: list[tuple[int, int, set[str]]]

    def around(self, char: int) -> set[str]:
        local = {t for a, b, targets in self.paragraphs if a <= char < b for t in targets}
        return local | ({self.dominant} if self.dominant else set())


@dataclass
class _Scored:
    statement: Statement
    target: str
    score: float
    neutral: bool = False


class StanceScorer:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.evaluator = Evaluator(lexicon.valence) if lexicon.valence is not None else None
        self.antecedents = Antecedents(lexicon, self.evaluator) if self.evaluator else None

    def __call__(self, doc: Doc, attribution: Attribution) -> list[StanceFact]:
        return self.score_all(doc, attribution)[0]

    def score_all(
        self, doc: Doc, attribution: Attribution
    ) -> tuple[list[StanceFact], list[Scored]]:
        """The rules' stances, and each statement's score per target (for the classifier)."""
        actors: dict[str, Actor] = doc._.mm_actors
        topics = _Topics(self._dominant_target(doc), self._paragraph_targets(doc))
        per_actor: dict[tuple[str, str], list[_Scored]] = {}
        letter: list[_Scored] = []
        kept: list[Scored] = []
        for number, statement in enumerate(attribution.statements):
            if statement.question:
                continue
            for scored in self._score(doc, statement, topics):
                kept.append(Scored(number, scored.target, scored.score, scored.neutral))
                if statement.letter:
                    letter.append(scored)
                for speaker in statement.speakers:
                    per_actor.setdefault((speaker, scored.target), []).append(scored)
        facts = [
            fact
            for (actor_id, target), scored in per_actor.items()
            if (fact := self._aggregate(actor_id, target, scored)) is not None
        ]
        if letter:
            by_target: dict[str, list[_Scored]] = {}
            for scored in letter:
                by_target.setdefault(scored.target, []).append(scored)
            for signatory in dict.fromkeys(attribution.signatories):
                for target, scored_list in by_target.items():
                    fact = self._aggregate(signatory, target, scored_list, basis="action")
                    if fact is not None and not _has(facts, signatory, target):
                        facts.append(fact)
        facts.extend(self._speaks_for(facts, actors))
        return facts, kept

    def _dominant_target(self, doc: Doc) -> str | None:
        counts = {t: 0 for t in self.lexicon.targets}
        for match in self.lexicon.scan(doc[:]):
            if match.side.startswith("term:"):
                counts[match.side[5:]] += 1
        ranked = sorted(counts.items(), key=lambda kv: -kv[1])
        if not ranked or ranked[0][1] < MIN_DOMINANT_TERMS:
            return None
        if len(ranked) > 1 and ranked[1][1] * 2 > ranked[0][1]:
            return None
        return ranked[0][0]

    def _paragraph_targets(self, doc: Doc) -> list[tuple[int, int, set[str]]]:
        """(start, end, targets named) per paragraph: the local topic of what is said in it."""
        found = []
        start = 0
        for piece in re.split(r"(\n\s*\n)", text_of(doc)):
            end = start + len(piece)
            span = doc.char_span(start, end, alignment_mode="contract")
            if span is not None and len(span):
                terms = {m.side[5:] for m in self.lexicon.scan(span) if m.side.startswith("term:")}
                found.append((start, end, terms))
            start = end
        return found

    def _score(self, doc: Doc, statement: Statement, topics: "_Topics") -> list[_Scored]:
        content = doc.char_span(statement.start, statement.end, alignment_mode="expand")
        sentence = doc.char_span(*statement.sentence, alignment_mode="expand")
        if content is None or not len(content):
            return []
        matches = self.lexicon.scan(content)
        context = self.lexicon.scan(sentence) if sentence is not None else matches
        named = {m.side[5:] for m in [*matches, *context] if m.side.startswith("term:")}
        # a cue speaks of a target the statement, its paragraph or the whole story is about:
        # "nobody but the sender can read a message", in a paragraph on encryption
        present = named | topics.around(statement.start)
        if statement.kind == "position":
            # the writer's "X backed it" is about what the clause names, not the whole story
            named = present = {m.side[5:] for m in matches if m.side.startswith("term:")}
        weight = {"action": ACTION_WEIGHT}.get(statement.kind, 1.0)
        if statement.kind in ("indirect", "position"):
            weight *= self.lexicon.reported_weight
            if doc._.mm_kind == "opinion":
                weight *= OPINION_REPORTED_WEIGHT
        cues = longest_first(
            [
                m
                for m in matches
                if m.side.split(":")[0] in ("favor", "against")
                and (m.side.split(":")[1] in present)
            ]
        )
        negations = [m for m in matches if m.side == "negation"]
        terms = [m for m in matches if m.side.startswith("term:")]
        totals: dict[str, float] = {}
        for cue in cues:
            side, target = cue.side.split(":")
            if len(present) > 1 and not _nearest_target(cue, terms, target):
                continue
            sign = 1.0 if side == "favor" else -1.0
            if self.lexicon.negatable(cue.cue) and self._negated(cue, negations):
                sign = -sign
            factor = 1.0 if target in named else INHERITED_WEIGHT
            totals[target] = totals.get(target, 0.0) + sign * cue.cue.weight * weight * factor
        if self.evaluator is not None:
            own = _own_tokens(doc, content, statement.speakers)
            self._evaluate(doc, content, terms, cues, totals, weight, own)
        previous = sentence_of(doc[content.start - 1]) if content.start > 0 else None
        reason = [*content, *(previous or [])]
        self._imply(reason, totals)
        statement.evidence = _evidence(doc, statement, sentence)
        scored = [_Scored(statement, t, s) for t, s in totals.items() if s != 0.0]
        if any(m.side == "neutral" for m in matches):
            # "has not yet decided whether to require scanning": explicitly non-committal
            scored += [_Scored(statement, t, 0.0, neutral=True) for t in named if t not in totals]
        return scored

    def _evaluate(
        self,
        doc: Doc,
        content: Span,
        terms: list[Match],
        cues: list[Match],
        totals: dict[str, float],
        weight: float,
        own: set[int],
    ) -> None:
        """What the sentence's structure says of the targets (valence.py): it decides those no
        cue decided, and overrules a cue that the target's place in a clause contradicts."""
        assert self.evaluator is not None and self.antecedents is not None
        inside = range(content.start, content.end)
        cued = {
            t: {
                content[m.start].i + k
                for m in cues
                if m.side.endswith(f":{t}")
                for k in range(m.end - m.start)
            }
            for t in {term.side[5:] for term in terms}
        }
        judged: dict[str, float] = {}
        overrules: set[str] = set()  # targets judged from their place in the clause, not as subject
        harms = {id(t) for t in terms if self.evaluator.harmful(content[t.start : t.end])}
        plain = {t.side for t in terms if id(t) not in harms}
        for term in terms:
            target = term.side[5:]
            head = head_of(content[term.start : term.end])
            if id(term) in harms:
                # "detect abuse material" is the target done: the harm turns the path round;
                # beside "check photos for abuse images" it is only the check's object
                if head.dep_ not in ("nsubj", "nsubjpass") and term.side not in plain:
                    judged[target] = judged.get(target, 0.0) - self.evaluator.of_term(
                        head, inside, own
                    )
                continue
            judgement = self.evaluator.judge(head, inside, own)
            judged[target] = judged.get(target, 0.0) + judgement.score
            # the structure overrules a cue only with a word the cue did not see: the "not" of
            # "could not support any text that undermines encryption", not the "erode" of
            # "erode ... ability to detect"
            if judgement.score and not judgement.as_subject and judgement.flips - cued[target]:
                overrules.add(target)
        named = {term.side[5:] for term in terms}
        for token in content:
            if token.i in own or token.head.i not in inside:
                continue
            if not self.antecedents.refers(token) or (terms and token.lower_ in PRONOUNS):
                continue
            found = self.antecedents.resolve(doc, token)
            if found is None or found[0] in totals or found[0] in named:
                continue
            referent, sign = found
            score = self.evaluator.of_term(token, inside, own) * sign
            judged[referent] = judged.get(referent, 0.0) + score
        for target, score in judged.items():
            if not score:
                continue
            # a cue that the structure around the target contradicts ("could not support any
            # text that undermines encryption") gives way to it; what a predicate says of a
            # subject ("apps must give the police lawful access") is too loose to overrule
            if target in totals and (
                (totals[target] > 0) == (score > 0) or target not in overrules
            ):
                continue
            totals[target] = (1.0 if score > 0 else -1.0) * VALENCE_WEIGHT * weight

    def _imply(self, content: list[Token], totals: dict[str, float]) -> None:
        """'Against E2EE because detection would stop' is also 'for detection' (stance.toml).

        The reason may be in the sentence before ("...getting the images removed. Facebook will
        not be able to do that if it blinds itself.").
        """
        words = {t.lower_ for t in content} | {t.lemma_.lower() for t in content}
        for rule in self.lexicon.implications:
            score = totals.get(rule.source, 0.0)
            took = score > 0 if rule.polarity == "favor" else score < 0
            if took and rule.because & words and rule.target not in totals:
                sign = 1.0 if rule.implies == "favor" else -1.0
                totals[rule.target] = sign * abs(score) * rule.weight

    def _negated(self, cue: Match, negations: list[Match]) -> bool:
        window = self.lexicon.negation_window
        for neg in negations:
            inside = cue.start <= neg.start and neg.end <= cue.end
            if inside and neg.end - neg.start < cue.end - cue.start:
                continue  # "must not" is a cue of its own; its "not" does not negate it
            if neg.start < cue.start and neg.end >= cue.start - window:
                return True
        return False

    def _aggregate(
        self, actor_id: str, target: str, scored: list[_Scored], basis: str | None = None
    ) -> StanceFact | None:
        total = sum(s.score for s in scored)
        margin = self.lexicon.neutral_margin
        if abs(total) < margin:
            if not any(s.neutral for s in scored):
                return None  # too weak, or pulling both ways: no call rather than "neutral"
            polarity = "neutral"  # said outright: "has not decided", "neither for nor against"
        else:
            polarity = "favor" if total > 0 else "against"
        agreeing = [s for s in scored if (s.score > 0) == (total > 0)] or scored
        best = max(agreeing, key=lambda s: abs(s.score))
        magnitude = sum(abs(s.score) for s in scored)
        confidence = round(min(0.99, abs(total) / (magnitude + 1.0) + 0.25), 3)
        statement = best.statement
        return StanceFact(
            actor_id=actor_id,
            target=target,
            polarity=polarity,
            confidence=confidence if polarity != "neutral" else 0.5,
            evidence=statement.evidence,
            basis=basis or BASIS[statement.kind],
            start=statement.sentence[0],
            end=statement.sentence[1],
        )

    def _speaks_for(self, facts: list[StanceFact], actors: dict[str, Actor]) -> list[StanceFact]:
        extra: list[StanceFact] = []
        for fact in facts:
            actor = actors.get(fact.actor_id)
            org = actor.speaks_for if actor is not None else None
            if org and org != LETTER and not _has(facts + extra, org, fact.target):
                extra.append(
                    StanceFact(
                        org,
                        fact.target,
                        fact.polarity,
                        round(fact.confidence * 0.9, 3),
                        fact.evidence,
                        fact.basis,
                        fact.start,
                        fact.end,
                    )
                )
        return extra


_NOUNS = {"NOUN", "PROPN"}
_PERSONAL = {"he", "she", "him", "her", "i", "we", "me", "us"}
_IMPERSONAL = {"it", "they", "we", "us", "its", "their"}


def _own_tokens(doc: Doc, content: Span, speakers: list[str]) -> set[int]:
    """Tokens of the statement that stand for its speaker: their names and fitting pronouns."""
    actors: dict[str, Actor] = doc._.mm_actors
    kinds = {actors[s].type == "person" for s in speakers if s in actors}
    pronouns = (_PERSONAL if True in kinds else set()) | (_IMPERSONAL if False in kinds else set())
    mentions: list[Mention] = doc._.mm_mentions
    own = {i for m in mentions if m.actor_id in speakers for i in range(m.start, m.end)}
    own.update(t.i for t in content if t.lower_ in pronouns)
    return own


def _has(facts: list[StanceFact], actor_id: str, target: str) -> bool:
    return any(f.actor_id == actor_id and f.target == target for f in facts)


def _nearest_target(cue: Match, terms: list[Match], target: str) -> bool:
    """With both targets in a sentence, a cue belongs to the target named nearest to it."""
    if not terms:
        return True
    nearest = min(terms, key=lambda t: min(abs(t.start - cue.end), abs(cue.start - t.end)))
    return nearest.side == f"term:{target}"


def _evidence(doc: Doc, statement: Statement, sentence: Span | None) -> str:
    if sentence is not None and statement.kind != "direct":
        return " ".join(sentence.text.split())
    text = text_of(doc)[statement.sentence[0] : statement.sentence[1]]
    return " ".join(text.split())[:1000]
