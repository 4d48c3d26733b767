"""Statements without quotation marks: reported speech, 'according to', what actors do, what
the text says they hold ('the Freedonian government opposes the regulation'), and an opinion
piece's own voice."""

from spacy.tokens import Span, Token

from mediamon.nlp.docindex import sentences, span_text
from mediamon.nlp.lexicon import Lexicon
from mediamon.nlp.references import resolve_reference
from mediamon.nlp.statements import Context, Statement, make_statement
from mediamon.nlp.subjects import (
    SUBJECT_DEPS,
    actors_at,
    agents_of,
    own_clause,
    possessed_org,
    refer,
    subjects_of,
)

_COMPLEMENTS = ("ccomp", "xcomp", "dobj", "prep", "advcl", "obj")
_SUBORDINATE = {
    "until",
    "if",
    "unless",
    "before",
    "after",
    "because",
    "when",
    "while",
    "although",
    "though",
    "as",
    "since",
    "once",
    "whether",
}
_PRONOUN_SUBJECT_DEPS = ("ROOT", "conj")
# "the change drew criticism from the police": the position is held by whoever it came from
_RECEIVING = {"draw", "attract", "receive", "win", "earn", "face", "meet", "prompt", "provoke"}
_REACTIONS = {
    "criticism",
    "praise",
    "support",
    "opposition",
    "backlash",
    "condemnation",
    "welcome",
    "applause",
    "objection",
    "protest",
    "fire",
    "anger",
    "outrage",
    "scorn",
    "ridicule",
    "endorsement",
    "approval",
    "complaint",
    "warning",
    "rebuke",
}
_MIN_PREDICATE_WORDS = 2


class Reported:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon

    def speech(self, ctx: Context, sent: Span) -> list[Statement]:
        """'X said that ...', '..., X warned', 'according to X, ...'."""
        found = []
        doc = ctx.doc
        lowered = span_text(sent).lower()
        letter_sentence = "open letter" in lowered or "the letter" in lowered
        for token in sent:
            if token.i in ctx.inside:
                continue
            lemma = token.lemma_.lower()
            if lemma == "accord" and token.i + 1 < len(doc) and doc[token.i + 1].lower_ == "to":
                statement = self._according_to(ctx, sent, token)
                if statement is not None:
                    found.append(statement)
                continue
            if lemma not in self.lexicon.speech_verbs or token.pos_ not in ("VERB", "AUX"):
                continue
            comps = [c for c in token.children if c.dep_ in _COMPLEMENTS]
            if not comps:
                continue
            content = _said(ctx, sent, token, comps)
            outside = [t for t in content if t.i not in ctx.inside]
            words = [t for t in outside if t.is_alpha and t.i not in ctx.by_token]
            if len(words) < 3:
                continue  # the quote is the content: already a direct statement
            speakers, letter = subjects_of(ctx, token)
            # "In an open letter, A and B asked ...": what they asked is the letter's content
            letter = letter or letter_sentence
            content = own_clause(content, speakers, ctx.by_token)
            speakers += [s for s in possessed_org(ctx, comps) if s not in speakers]
            if (speakers or letter) and content:
                statement = make_statement(doc, sent, speakers, content, "indirect", letter)
                statement.question = _question(token, comps)
                found.append(statement)
        return found

    def actions(self, ctx: Context, sent: Span) -> list[Statement]:
        """'Parley rolled out default encryption': what an actor does, by its subject."""
        found = []
        for match in self.lexicon.scan(sent):
            if match.side != "action":
                continue
            verb = sent[match.start]
            if verb.i in ctx.inside or verb.pos_ not in ("VERB", "AUX"):
                continue
            if verb.lemma_.lower() in self.lexicon.speech_verbs:
                continue  # said / urged: speech, handled as indirect statements
            speakers, _letter = subjects_of(ctx, verb)
            content = [t for t in verb.subtree if t.i not in ctx.inside]
            if speakers and len(content) >= 3:
                found.append(make_statement(ctx.doc, sent, speakers, content, "action"))
        return found

    def positions(self, ctx: Context, sent: Span, known: list[Statement]) -> list[Statement]:
        """'The Freedonian government opposes the regulation', 'the move was welcomed by X',
        'Lindqvist, who has long defended encryption': a clause whose subject is an actor says
        where the writer reports them to stand. Clauses already read as speech or action are
        left to those statements."""
        found: list[Statement] = []
        for verb in sent:
            if verb.i in ctx.inside or not self._states_position(verb) or _subordinate(verb):
                continue
            lemma = verb.lemma_.lower()
            if lemma in self.lexicon.speech_verbs or lemma == "accord":
                continue
            speakers, excluded = self._holders(ctx, verb)
            # "KAKE News has reached out to Facebook": the outlet tells the story
            speakers = [s for s in speakers if ctx.actors[s].type != "media"]
            if not speakers:
                continue
            if any(
                s.start <= verb.idx < s.end and set(speakers) <= set(s.speakers)
                for s in [*known, *found]
            ):
                continue
            content = [t for t in verb.subtree if t.i not in ctx.inside and t.i not in excluded]
            content = own_clause(content, speakers, ctx.by_token)
            if sum(t.is_alpha for t in content) >= _MIN_PREDICATE_WORDS:
                found.append(make_statement(ctx.doc, sent, speakers, content, "position"))
        return found

    def authored(self, ctx: Context, author: str, statements: list[Statement]) -> list[Statement]:
        """An opinion piece: what its author writes in their own voice."""
        # the writer's own "Facebook must change its mind" is the author's voice all the same
        taken = [
            (s.start, s.end)
            for s in statements
            if (s.speakers or s.letter) and s.kind != "position"
        ]
        found = []
        for sent in sentences(ctx.doc):
            own = [t for t in sent if not any(a <= t.idx < b for a, b in taken)]
            if len(own) < 4 or len(own) < len(sent) / 2:
                continue
            found.append(make_statement(ctx.doc, sent, [author], own, "authored"))
        return found

    def _according_to(self, ctx: Context, sent: Span, token: Token) -> Statement | None:
        doc = ctx.doc
        to = doc[token.i + 1]
        named = [ctx.by_token[t.i].actor_id for t in to.subtree if t.i in ctx.by_token]
        people = [a for a in named if ctx.actors[a].type == "person"]
        # "according to Parley's head of safety, Sunita Rao": the person speaks
        speakers = people[-1:] or named[:1]
        if not speakers:
            pobj = [c for c in to.children if c.dep_ == "pobj"]
            ref = resolve_reference(doc, pobj[0], ctx.mentions, ctx.actors) if pobj else None
            speakers = [ref] if ref else []
        if not speakers:
            return None
        # "X, according to Y, which found ...": what Y says is the clause on one side of the
        # phrase, not both sides run together
        before = [t for t in sent if t.i < token.i and not t.is_punct]
        after = [t for t in sent if t.i > to.right_edge.i]
        content = before if len(before) >= 3 else after
        if not content:
            return None
        return make_statement(doc, sent, speakers[:1], content, "indirect")

    def _states_position(self, verb: Token) -> bool:
        words = self.lexicon.position_words
        if verb.pos_ == "VERB":
            return verb.lemma_.lower() in words or bool(_reaction_sources(verb))
        # "X has been a vocal critic of ...", "Y is opposed to ...": what follows the copula
        return verb.lemma_ == "be" and any(
            c.dep_ in ("attr", "acomp") and c.lemma_.lower() in words for c in verb.children
        )

    def _holders(self, ctx: Context, verb: Token) -> tuple[list[str], set[int]]:
        """Who holds the position a clause states, and the tokens that name them."""
        sources = _reaction_sources(verb)
        if sources:
            holders: list[str] = []
            for source in sources:
                for actor_id in actors_at(source, ctx.by_token) or refer(ctx, source):
                    if actor_id not in holders:
                        holders.append(actor_id)
            phrases = {t.i for s in sources for t in s.head.subtree}
            return holders, phrases
        agents = [c for c in verb.children if c.dep_ == "agent"]
        if agents:
            return agents_of(ctx, verb), {t.i for a in agents for t in a.subtree}
        subjects = [c for c in verb.children if c.dep_ in SUBJECT_DEPS]
        if any(s.dep_ == "nsubjpass" for s in subjects):
            return [], set()  # "encryption was switched on": the subject is the thing done
        excluded = {t.i for s in subjects for t in s.subtree}
        if len(subjects) == 1 and subjects[0].lower_ == "who" and verb.dep_ == "relcl":
            return actors_at(verb.head, ctx.by_token), excluded
        if verb.dep_ not in _PRONOUN_SUBJECT_DEPS and not any(
            t.i in ctx.by_token for s in subjects for t in s.subtree
        ):
            return [], set()  # "... that it would keep detecting": whose "it" is unclear
        if not subjects and verb.dep_ != "conj":
            return [], set()  # "to delay encryption": the doer is found from the main verb
        speakers, _letter = subjects_of(ctx, verb)
        return speakers, excluded


def _reaction_sources(verb: Token) -> list[Token]:
    """The 'from' objects of 'drew criticism from X' (attached to the verb or the noun)."""
    if verb.lemma_.lower() not in _RECEIVING:
        return []
    objects = [c for c in verb.children if c.dep_ in ("dobj", "obj")]
    if not any(o.lemma_.lower() in _REACTIONS for o in objects):
        return []
    preps = [c for c in [*verb.children, *(c for o in objects for c in o.children)]]
    return [
        pobj
        for prep in preps
        if prep.dep_ == "prep" and prep.lower_ == "from"
        for pobj in prep.children
        if pobj.dep_ == "pobj"
    ]


def _question(verb: Token, comps: list[Token]) -> bool:
    """'Asked whether she would ban encryption, ...': a question put to them, not their words."""
    if verb.tag_ == "VBN" and verb.dep_ in ("advcl", "ROOT") and verb.lemma_ == "ask":
        return True
    return any(
        c.dep_ == "mark" and c.lower_ in ("whether", "if") for comp in comps for c in comp.children
    )


def _subordinate(verb: Token) -> bool:
    """'until it could show ...', 'if the law passes': a condition, not a position."""
    if verb.dep_ == "advcl":
        return True
    return any(c.dep_ == "mark" and c.lower_ in _SUBORDINATE for c in verb.children)


def _said(ctx: Context, sent: Span, verb: Token, comps: list[Token]) -> list[Token]:
    """What was said runs from the complement to the end of the sentence (or from the
    sentence's start, for '..., X said'), not just the complement's own subtree."""
    # "In an open letter, X asked Y to ...": a phrase before the verb is not what was said
    after = [c for c in comps if c.i > verb.i] or comps
    first = min(t.i for c in after for t in c.subtree)
    if first > verb.i:
        # a quoted fragment inside the clause is part of what was said: "that the measure
        # would 'hollow out the confidentiality of every conversation'"
        return list(ctx.doc[first : sent.end])
    subject = {s.i for left in verb.lefts for s in left.subtree if s.dep_ in SUBJECT_DEPS}
    return [t for t in ctx.doc[sent.start : verb.i] if t.i not in ctx.inside and t.i not in subject]
