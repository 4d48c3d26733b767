"""What a statement says of a target when none of its cue phrases fires (config/valence.toml).

Cue phrases are precise but journalism phrases a position a thousand ways. This reads the
sentence's structure instead: with the target as subject, the predicate's valence is the stance
("encryption keeps children safe"); elsewhere, the words between the target and the statement's
root turn it round or pass it on ("refuse to weaken encryption"). Harm words compose the way a
reader composes them: "catch offenders" is good, "a haven for offenders" bad.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from spacy.tokens import Token

from mediamon.config import valence as schema

PATIENT_WEIGHT = 0.5
# dependants that are another clause's business, not part of what is said of this subject
_SKIP_DEPS = {"punct", "cc", "mark", "nsubj", "nsubjpass", "csubj", "expl", "aux", "auxpass"}
_SUBJECT_DEPS = {"nsubj", "nsubjpass", "csubj"}
_NP_DEPS = {"compound", "amod", "nmod"}
_AGENT_NOUNS = {
    "advocate",
    "campaigner",
    "supporter",
    "critic",
    "opponent",
    "expert",
    "researcher",
    "group",
    "company",
    "firm",
    "provider",
    "developer",
    "lobby",
    "proponent",
    "activist",
}
_EVALUATIVE_POS = {"VERB", "NOUN", "ADJ", "ADV"}
_SELF = {"i", "we", "you", "me", "us"}
_PRESCRIPTIVE = {"should", "must", "need", "ought", "have"}
_OPEN_QUESTION = {"whether", "if"}


@dataclass(frozen=True)
class Valence:
    prior: dict[str, float]
    shifters: frozenset[str]
    carriers: frozenset[str]
    wrongdoers: frozenset[str]
    attitudes: frozenset[str]
    patients: frozenset[str]
    anaphors: frozenset[str]

    @classmethod
    def from_toml(cls, path: Path) -> "Valence":
        """Read a valence file; a bad one raises ConfigError (one line)."""
        return cls.from_file(schema.load(path))

    @classmethod
    def from_file(cls, file: schema.ValenceFile) -> "Valence":
        prior: dict[str, float] = {}
        for key, weight in (
            ("patients", PATIENT_WEIGHT),
            ("enactors", 1.0),
            ("positive", 1.0),
            ("negative", -1.0),
            ("wrongdoers", -1.0),
            ("strong_positive", 2.0),
            ("strong_negative", -2.0),
        ):
            for word in file.words(key):
                prior[word] = weight
        return cls(
            prior,
            frozenset(file.words("shifters")),
            frozenset(file.words("carriers")),
            frozenset(file.words("wrongdoers")),
            frozenset(file.words("attitudes")),
            frozenset(file.words("patients")),
            frozenset(file.words("anaphors")),
        )


@dataclass(frozen=True)
class Judgement:
    score: float  # its sign is the stance; 0: the sentence does not judge the target
    # read from a predicate on the target as subject: looser than its place in a clause
    as_subject: bool = False
    flips: frozenset[int] = frozenset()  # tokens that turned the target round (negation, ...)


@dataclass
class _Value:
    score: float = 0.0
    evaluative: bool = False


class Evaluator:
    def __init__(self, valence: Valence) -> None:
        self.valence = valence

    def harmful(self, tokens: Iterable[Token]) -> bool:
        """Does a term name the harm itself ("abuse material")? Then stopping it is the target."""
        return any(_lemma(t) in self.valence.wrongdoers for t in tokens)

    def of_term(self, term: Token, content: Collection[int], own: Collection[int] = ()) -> float:
        """The sign of what the statement (token indices `content`) says of the target `term`.

        `own` are the tokens that stand for the speaker ("we", or "it" for a company): what
        the speaker does to the target is their stance; what a third party does to it is not.
        """
        return self.judge(term, content, own).score

    def judge(self, term: Token, content: Collection[int], own: Collection[int] = ()) -> Judgement:
        """`of_term` with how it was reached (see Judgement)."""
        anchor = self.anchor(term, content)
        if _lemma(anchor) in _AGENT_NOUNS:
            return Judgement(0.0)  # "encryption advocates said": a holder, not the thing judged
        if anchor.dep_ in _SUBJECT_DEPS and anchor.head.i in content:
            return Judgement(self.of_subject(anchor, content), as_subject=True)
        return self._path(anchor, content, own)

    def anchor(self, term: Token, content: Collection[int]) -> Token:
        """The noun phrase a term heads or modifies ("its encryption rollout")."""
        anchor = term
        while (
            anchor.dep_ in _NP_DEPS
            and anchor.head.i in content
            and anchor.head.i != anchor.i
            and _lemma(anchor.head) not in _AGENT_NOUNS
        ):
            anchor = anchor.head
        return anchor

    def of_subject(self, subject: Token, content: Collection[int]) -> float:
        """What the predicate of `subject` says of it."""
        if _open_question(subject.head):
            return 0.0  # "whether scanning can be made safe"
        value = self._value(subject.head, content, exclude=subject.i)
        return _sign(value.score) if value.evaluative else 0.0

    def _path(self, anchor: Token, content: Collection[int], own: Collection[int]) -> Judgement:
        sign = 1.0
        evaluative = False
        flips: list[int] = []  # the words that turned the target round
        node = anchor
        while node.head.i != node.i and node.head.i in content:
            child, node = node, node.head
            if _open_question(child):
                return Judgement(0.0)  # "asked whether she would ban encryption"
            if child.dep_ == "conj":
                continue  # "reject scanning and keep encryption": the first verb is not ours
            if child.dep_ == "advcl":
                break  # "delay encryption until it can keep detecting": a condition, not a goal
            if child.dep_ == "acl" and child.tag_ == "VBN":
                break  # "chats protected by encryption": a description of the chats
            if child.dep_ in _SUBJECT_DEPS:
                # "implementing encryption could have devastating effects", "a plan to weaken
                # encryption is dangerous": the predicate judges the subject the target is in
                value = self._value(node, content, exclude=child.i)
                if value.evaluative and value.score:
                    evaluative = True
                    if value.score < 0:
                        sign = -sign
                        flips.append(node.i)
                break
            if _third_party(node, content, own):
                break  # "a design that breaks encryption": said of the design, not the target
            lemma = _lemma(node)
            prior = self.valence.prior.get(lemma, 0.0)
            if lemma in self.valence.shifters:
                sign = -sign
                flips.append(node.i)
                evaluative = evaluative or prior != 0 or node.pos_ in _EVALUATIVE_POS
            elif lemma in self.valence.carriers or prior > 0:
                evaluative = evaluative or prior > 0
            elif lemma in self.valence.attitudes:
                sign = -sign  # "concerned about scanning", "sceptical of encryption"
                flips.append(node.i)
                evaluative = True
            for other in node.children:
                # "keep encryption intact", "make scanning compulsory": the state it is left in
                if other is not child and other.dep_ in ("oprd", "acomp") and other.i in content:
                    value = self._value(other, content)
                    if value.evaluative and value.score:
                        evaluative = True
                        if value.score < 0:
                            sign = -sign
                            flips.append(other.i)
            if _negated(node, skip=child):
                sign = -sign
                flips.append(node.i)
        return Judgement(sign if evaluative else 0.0, False, frozenset(flips))

    def _value(self, token: Token, content: Collection[int], exclude: int = -1) -> _Value:
        kids = _Value()
        for child in token.children:
            if child.i == exclude or child.i not in content or child.dep_ in _SKIP_DEPS:
                continue
            if child.dep_ == "neg":
                continue
            if child.dep_ == "conj" and any(c.dep_ in _SUBJECT_DEPS for c in child.children):
                continue  # a coordinated clause says something of its own subject
            value = self._value(child, content)
            kids.score += value.score
            kids.evaluative = kids.evaluative or value.evaluative
        lemma = _lemma(token)
        prior = self.valence.prior.get(lemma, 0.0)
        own_evaluative = prior != 0 and lemma not in self.valence.patients
        if lemma in self.valence.shifters:
            score = -kids.score if kids.score else min(prior, 0.0)
        elif lemma in self.valence.carriers:
            score = kids.score if kids.score else prior
        else:
            score = prior + kids.score
        evaluative = kids.evaluative or own_evaluative
        if _negated(token):
            score = -score
        return _Value(score, evaluative)


def _open_question(verb: Token) -> bool:
    return any(c.dep_ == "mark" and c.lower_ in _OPEN_QUESTION for c in verb.children)


def _third_party(verb: Token, content: Collection[int], own: Collection[int]) -> bool:
    """Has `verb` a subject that is neither the speaker nor addressed by a prescription?"""
    subjects = [c for c in verb.children if c.dep_ in _SUBJECT_DEPS and c.i in content]
    if not subjects or _lemma(verb) == "be":
        return False  # "the answer is not to ban encryption": a copula judges, it does not act
    if verb.dep_ == "relcl" and all(s.tag_ in ("WDT", "WP") for s in subjects):
        return False  # "any text that undermines encryption": said of the text, read on up
    if any(c.dep_ == "aux" and c.lower_ in _PRESCRIPTIVE for c in verb.children):
        return False  # "lawmakers should protect encryption"
    return not any(s.lower_ in _SELF or s.i in own for s in subjects)


def _negated(token: Token, skip: Token | None = None) -> bool:
    for child in token.children:
        if child is skip:
            continue
        if child.dep_ == "neg" or (child.dep_ == "det" and child.lower_ == "no"):
            return True
    return False


def _lemma(token: Token) -> str:
    return token.lemma_.lower()


def _sign(score: float) -> float:
    return 1.0 if score > 0 else -1.0 if score < 0 else 0.0
