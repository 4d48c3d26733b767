"""Who said what: direct quotes, indirect speech, "according to", actions and open letters.

Every statement gets its speakers (actor ids): the subject of the speech verb that introduces
it (a pronoun or "the group" resolved to the nearest fitting actor before it), the members of a
subject named together ("Parley, Hushline and Cipherpost warned"), the actor after "according
to", the name on a dash line under a quote, or, for a quote continued in the next sentence, the
previous quote's speaker. An open letter's statements go to the pseudo-speaker LETTER; the
stance stage hands them to the signatories.
"""

import re

from spacy.tokens import Doc, Span

from mediamon.nlp.docindex import sentence_of, sentences, span_text, text_of
from mediamon.nlp.lexicon import Lexicon
from mediamon.nlp.reported import Reported
from mediamon.nlp.statements import Attribution, Context, Statement
from mediamon.nlp.subjects import SUBJECT_DEPS, is_addressee, subjects_of

OPENERS = '\u201c"'
CLOSERS = '\u201d"'
MIN_QUOTE_WORDS = 3
_SIGNED_RE = re.compile(r"\bsign(ed|atories|atory|ing)?\b", re.I)


# the only characters that change find_quotes' state, outside a quote and inside one
_OUTSIDE = re.compile('[\u201c"]')
_INSIDE = re.compile('[\u201d"\n]')


def find_quotes(text: str) -> list[tuple[int, int]]:
    """Char spans of quoted material, joined across paragraph breaks where it continues."""
    spans = []
    i, n = 0, len(text)
    start: int | None = None
    while i < n:
        # straight to the next character that matters: the others only move i on
        found = (_OUTSIDE if start is None else _INSIDE).search(text, i)
        if found is None:
            break
        i = found.start()
        c = text[i]
        if start is None:
            if c == "\u201c" or (c == '"' and _opens(text, i)):
                start = i + 1
        elif c == "\u201d" or (c == '"' and not _opens(text, i)):
            spans.append((start, i))
            start = None
        elif c == "\n":
            j = i
            while j < n and text[j].isspace():
                j += 1
            if j < n and text[j] in OPENERS:
                i = j + 1  # the convention: each paragraph of a long quote opens again
                continue
            end = text.find("\n", j)
            if not _closes_first(text[j : end if end >= 0 else n]):
                spans.append((start, i))  # never closed: it ends with its paragraph
                start = None
            i = j
            continue
        i += 1
    if start is not None:
        spans.append((start, n))
    return [(s, e) for s, e in spans if len(text[s:e].split()) >= MIN_QUOTE_WORDS]


def _closes_first(paragraph: str) -> bool:
    """Does the paragraph close a quote before it opens one (an unmarked continuation)?"""
    for k, c in enumerate(paragraph):
        if c == "\u201d":
            return True
        if c == "\u201c":
            return False
        if c == '"':
            return not _opens(paragraph, k)
    return False


def _opens(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if before.isspace() or before in "([{\u2014-:":
        return not after.isspace()
    return False


class Attributor:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.reported = Reported(lexicon)

    def __call__(self, doc: Doc) -> Attribution:
        ctx = Context.of(doc)
        result = Attribution(self._direct(ctx))
        # in an opinion piece, "the company has come up with the wrong answer" is the author's
        # judgement, not the company's position
        opinion = doc._.mm_kind == "opinion"
        for sent in sentences(doc):
            known = self.reported.speech(ctx, sent) + self.reported.actions(ctx, sent)
            result.statements.extend(known)
            if not opinion:
                result.statements.extend(self.reported.positions(ctx, sent, known))
            text = span_text(sent)
            if _SIGNED_RE.search(text) and (
                "letter" in text.lower() or any(s.letter for s in result.statements)
            ):
                result.signatories.extend(
                    ctx.by_token[t.i].actor_id
                    for t in sent
                    if t.i in ctx.by_token
                    and (t.i == 0 or ctx.by_token.get(t.i - 1) is not ctx.by_token[t.i])
                    and not is_addressee(t)
                )
        author: str | None = doc._.mm_author_id
        if author and opinion:
            result.statements.extend(self.reported.authored(ctx, author, result.statements))
        return result

    def _direct(self, ctx: Context) -> list[Statement]:
        """Quotations, each with its speaker; marks ctx.inside."""
        doc = ctx.doc
        found: list[Statement] = []
        previous: Statement | None = None
        for q_start, q_end in find_quotes(text_of(doc)):
            span = doc.char_span(q_start, q_end, alignment_mode="expand")
            if span is None:
                continue
            ctx.inside.update(range(span.start, span.end))
            sent = _sentence_around(doc, span)
            speakers, letter = self._speakers_outside(ctx, span, sent)
            if not speakers and not letter:
                speakers, letter = self._dash_line(ctx, q_end)
            if (
                not speakers
                and not letter
                and previous is not None
                and q_start - previous.end < 400
                and previous.kind == "direct"
            ):
                speakers, letter = list(previous.speakers), previous.letter
            if not speakers and not letter and len(span) < 12:
                continue  # a title or scare quotes, not speech
            statement = Statement(
                speakers,
                q_start,
                q_end,
                "direct",
                (sent.start_char, sent.end_char),
                letter,
                text_of(doc)[q_start:q_end],
            )
            found.append(statement)
            previous = statement
        return found

    def _speakers_outside(self, ctx: Context, quote: Span, sent: Span) -> tuple[list[str], bool]:
        by_token = ctx.by_token
        for token in sent:
            if quote.start <= token.i < quote.end:
                continue
            if token.lemma_.lower() in self.lexicon.speech_verbs and token.pos_ in ("VERB", "AUX"):
                speakers, letter = subjects_of(ctx, token)
                if speakers or letter:
                    return speakers, letter
                # '"...," the company's co-founder, Anouk Dessaline, said': the parser lost the
                # subject inside the quote; the name just before the verb is the speaker
                before = [t for t in ctx.doc[max(sent.start, token.i - 4) : token.i]]
                named = [
                    t for t in before if t.i in by_token and not quote.start <= t.i < quote.end
                ]
                if named and all(t.is_punct for t in before if t.i > named[-1].i):
                    return [by_token[named[-1].i].actor_id], False
        # "NCMEC shares in a recent statement", "the open letter states": no parsed verb
        outside = [t for t in sent if not quote.start <= t.i < quote.end]
        # "Its chief executive, Helen Ashdown, put it bluntly: '...'": the one actor who is a
        # subject in the sentence that introduces the quote
        subjects = {
            by_token[t.i].actor_id
            for t in outside
            if t.i in by_token
            and t.i < quote.start
            and (
                t.dep_ in SUBJECT_DEPS
                or t.head.dep_ in SUBJECT_DEPS
                or (t.dep_ == "appos" and t.head.dep_ in SUBJECT_DEPS)
            )
        }
        if len(subjects) == 1 and any(t.text == ":" for t in outside if t.i < quote.start):
            return list(subjects), False
        for token in outside:
            nxt = ctx.doc[token.i + 1] if token.i + 1 < len(ctx.doc) else None
            if (
                token.i in by_token
                and nxt is not None
                and nxt.i not in by_token
                and nxt.lemma_.lower().rstrip("s") in self.lexicon.speech_verbs | {"share"}
            ):
                return [by_token[token.i].actor_id], False
        if any(t.lower_ == "letter" for t in outside):
            return [], True
        return [], False

    def _dash_line(self, ctx: Context, q_end: int) -> tuple[list[str], bool]:
        """'- Mark Zuckerberg in his announcement' on the line after a quote."""
        doc = ctx.doc
        rest = text_of(doc)[q_end : q_end + 200]
        match = re.match(r"[\"\u201d.\s]*\n\s*[-\u2013\u2014]\s*", rest)
        if not match:
            return [], False
        line_start = q_end + match.end()
        line = doc.char_span(line_start, line_start + 1, alignment_mode="expand")
        if line is None:
            return [], False
        for token in doc[line.start : line.start + 6]:
            if token.i in ctx.by_token:
                return [ctx.by_token[token.i].actor_id], False
        return [], False


def _sentence_around(doc: Doc, quote: Span) -> Span:
    """The sentence(s) a quote sits in, with the attribution that follows or precedes it."""
    first = sentence_of(doc[quote.start])
    last = sentence_of(doc[max(quote.start, quote.end - 1)])
    end = last.end
    if end < len(doc) and last.end - quote.end < 2 and len(sentence_of(doc[end])) <= 6:
        # '"...," Clark said.' -- a short attribution the parser split off as a sentence
        end = sentence_of(doc[end]).end
    return doc[first.start : end]
