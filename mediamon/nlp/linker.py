"""Actor linking: entity spans -> actors, within one document.

Registered actors come from the entity ruler (their id is the span's ent_id). For the rest the
linker decides what the NER found: a registered actor under another surface form; a short form
of an actor named in full elsewhere in the document ("Zuckerberg", "Parley"); a role title that
the text or the registry ties to a person ("the Home Secretary"); a group of governments ("the
Ruritanian, Freedonian and Elbonian governments"); a discovered actor; or noise the NER
mislabels ("Hmm", "Apps"), which is dropped.
"""

import datetime as dt
from dataclasses import dataclass

from spacy.strings import get_string_id
from spacy.tokens import Doc, Span, Token

from mediamon.nlp.actors import Actor, ActorRegistry, discovered_id, normalise_name
from mediamon.nlp.docindex import positions, sentence_numbers, sentences, span_text, text_of
from mediamon.nlp.unlabelled import kind_from_apposition, other_uses, unlabelled_names

ACTOR_LABELS = {"PERSON", "ORG", "GPE", "NORP"}
# Interjections and common words the small model sometimes tags as names.
NOT_NAMES = {
    "hmm",
    "um",
    "uh",
    "ah",
    "oh",
    "wow",
    "yes",
    "no",
    "ok",
    "okay",
    "apps",
    "app",
    "dear",
    "thanks",
    "hi",
    "hello",
    "internet",
    "online",
    "web",
    "email",
    "covid",
    "ceo",
    "cto",
    # the debate's own abbreviations, which the small model reads as organisations
    "csam",
    "csa",
    "e2ee",
    "ai",
    "vpn",
    "tcn",
    "csar",
    "ipa",
    "chat control",  # the EU regulation's nickname, which the small model reads as a person
    "chatcontrol",
}
# the last word of a law's or a document's name: "the Investigatory Powers Act" is no actor
LAW_HEADS = {
    "act",
    "bill",
    "regulation",
    "directive",
    "code",
    "codes",
    "law",
    "amendment",
    "proposal",
}
ROLE_WORDS = {
    "minister",
    "secretary",
    "director",
    "chief",
    "president",
    "commissioner",
    "head",
    "ceo",
    "founder",
    "spokesperson",
    "spokeswoman",
    "spokesman",
    "chair",
    "chairman",
    "chairwoman",
    "executive",
    "officer",
    "superintendent",
    "inspector",
    "attorney",
    "senator",
    "mp",
    "mep",
    "professor",
    "researcher",
    "lawyer",
    "detective",
    "commander",
    "chancellor",
    "governor",
    "mayor",
    "leader",
    "manager",
    "editor",
    "adviser",
    "advisor",
    "campaigner",
    "coordinator",
}
GROUP_HEADS = {"government", "governments", "ministers", "authorities", "officials"}
_THE = get_string_id("the")


@dataclass
class Mention:
    actor_id: str
    start: int  # token offsets in the doc
    end: int
    label: str

    def span(self, doc: Doc) -> Span:
        return doc[self.start : self.end]


def _strip(span: Span) -> Span:
    """Drop a leading article and a trailing possessive."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and doc[start].lower_ in ("the", "a", "an"):
        start += 1
    while end > start and doc[end - 1].lower_ in ("'s", "’s", "'", "’"):
        end -= 1
    return doc[start:end]


def _is_noise(span: Span) -> bool:
    text = span.text.strip()
    if not text or not any(c.isalpha() for c in text):
        return True
    if normalise_name(text) in NOT_NAMES or not text[0].isupper():
        return True
    if len(span) == 1:
        token = span[0]
        after = token.nbor(1).text if token.i + 1 < len(token.doc) else ""
        if token.is_upper and after in ("—", "–", "-", "(") and token.is_sent_start:
            return True  # a dateline: "LONDON— Ofcom announced", "BRUSSELS (dpa-AFX)"
        # a capitalised common noun at the start of a sentence, not a name
        if token.is_sent_start and token.pos_ in ("NOUN", "ADJ", "VERB", "INTJ", "ADV"):
            return True
        if token.tag_ in ("NNS", "UH") or (token.is_stop and not token.is_upper):
            return True  # "US" is a state, "Us" is not
    return any(t.like_num or t.like_url or t.like_email for t in span)


class Linker:
    def __init__(self, registry: ActorRegistry) -> None:
        self.registry = registry
        self.titles = {normalise_name(t): t for t in registry.title_phrases()}

    def __call__(self, doc: Doc, day: dt.date | None) -> tuple[dict[str, Actor], list[Mention]]:
        """The document's actors and their mentions; `day` dates role titles to their holders."""
        actors: dict[str, Actor] = {}
        mentions: list[Mention] = []
        pending: list[Span] = []

        for ent in doc.ents:
            if ent.ent_id_ and self.registry.get(ent.ent_id_):
                longer = _longer_name(doc, ent)
                if longer is not None and self.registry.lookup(longer.text) is None:
                    # "Parley Messenger" is not Facebook's "Messenger"
                    pending = [p for p in pending if p.end <= longer.start]
                    pending.append(longer)
                    continue
                self._add(actors, mentions, self.registry.actors[ent.ent_id_], ent)
            elif ent.label_ in ACTOR_LABELS:
                pending.append(ent)

        full_names = {}  # normalised full name -> actor id, for short forms
        titles = set(self.registry.person_titles) | {w.title() for w in ROLE_WORDS}
        for span in pending:
            core = _strip(span)
            if span.label_ == "PERSON":
                # "Chief Constable Rhona Maddox": the person is the name, the rest is a role
                start = core.start
                while start < core.end - 1 and doc[start].text in titles:
                    start += 1
                core = doc[start : core.end]
            if not len(core) or _is_noise(core):
                continue
            actor = self._resolve(core, span, actors)
            if actor is None:
                continue
            self._add(actors, mentions, actor, core)
            if len(core) > 1:
                full_names[normalise_name(core.text)] = actor.id
        taken = {i for m in mentions for i in range(m.start, m.end)}
        for span, actor in unlabelled_names(doc, taken, self.registry, NOT_NAMES):
            if actor.origin == "discovered" and span[-1].lower_ in LAW_HEADS:
                continue  # "Chat Control would have required": a law's nickname
            self._add(actors, mentions, actor, span)
            taken.update(range(span.start, span.end))
        for actor in actors.values():
            full_names.setdefault(normalise_name(actor.name), actor.id)
        mentions = self._short_forms(doc, mentions, actors, full_names)
        mentions += self._titles(doc, mentions, actors, day)
        taken = {i for m in mentions for i in range(m.start, m.end)}
        for span, actor_id in other_uses(doc, taken, actors):
            mentions.append(Mention(actor_id, span.start, span.end, "ORG"))
        mentions.sort(key=lambda m: m.start)
        mentions += _the_government(doc, mentions, actors)
        mentions.sort(key=lambda m: m.start)
        return actors, _dedupe(mentions)

    def _add(
        self, actors: dict[str, Actor], mentions: list[Mention], actor: Actor, span: Span
    ) -> None:
        actors.setdefault(actor.id, actor)
        mentions.append(Mention(actor.id, span.start, span.end, span.label_ or "ORG"))

    def _resolve(self, core: Span, ent: Span, actors: dict[str, Actor]) -> Actor | None:
        registered = self.registry.lookup(core.text)
        if registered is not None:
            return registered
        if _in_role_phrase(ent):
            return None  # "Secretary of State for the Home Department": a title, not an actor
        label = ent.label_
        first = ent.root
        while first.dep_ == "conj" and first.head is not first:
            first = first.head  # "Ruritanian, Genovian and Elbonian governments"
        head = first.head
        if label in ("NORP", "GPE") and head.lower_ in GROUP_HEADS | {"minister"}:
            # "the Ruritanian, Freedonian and Elbonian governments": each member its own actor
            name = f"{core.text} government"
            return self.registry.lookup(name) or Actor(
                discovered_id(name), name, "government", origin="discovered"
            )
        if label == "NORP":
            return None  # "Victorians", "Kansans": people described, not actors
        if label != "PERSON" and core[-1].lower_ in LAW_HEADS:
            return None  # a law or a code, not who made it
        if label == "GPE" and not _acts(ent):
            return None  # places are settings unless they act ("Ruritania will require ...")
        if label == "GPE":
            # a state that acts is its government: "Australia signed" -> Australian Government
            for form in (f"{core.text} government", f"government of {core.text}"):
                registered = self.registry.lookup(form)
                if registered is not None:
                    return registered
        kind = {"PERSON": "person", "GPE": "government"}.get(label, "organisation")
        if kind == "organisation":
            kind = kind_from_apposition(ent) or kind
        return Actor(discovered_id(core.text), core.text, kind, origin="discovered")

    def _short_forms(
        self,
        doc: Doc,
        mentions: list[Mention],
        actors: dict[str, Actor],
        full_names: dict[str, str],
    ) -> list[Mention]:
        """'Whitcombe' -> Dana Whitcombe and 'Parley' -> Parley Messenger, within the doc."""
        # the full names of more than one word, by their first and by their last word
        by_end: dict[str, set[str]] = {}
        for name, actor_id in full_names.items():
            words = name.split()
            if len(words) > 1:
                by_end.setdefault(words[0], set()).add(actor_id)
                by_end.setdefault(words[-1], set()).add(actor_id)
        out = []
        for mention in mentions:
            actor = actors[mention.actor_id]
            if actor.origin != "discovered" or mention.end - mention.start != 1:
                out.append(mention)
                continue
            word = normalise_name(doc[mention.start].text)
            # "Ruritanian" as in "the Ruritanian government" already names its actor
            if normalise_name(actor.name) == word:
                owners = by_end.get(word, set()) - {actor.id}
                if len(owners) == 1:
                    mention = Mention(owners.pop(), mention.start, mention.end, mention.label)
            out.append(mention)
        used = {m.actor_id for m in out}
        for actor_id in list(actors):
            if actor_id not in used:
                del actors[actor_id]
        return out

    def _titles(
        self, doc: Doc, mentions: list[Mention], actors: dict[str, Actor], day: dt.date | None
    ) -> list[Mention]:
        """'the Home Secretary' / 'the Home Minister': the person the text or registry names."""
        by_token = {i: m for m in mentions for i in range(m.start, m.end)}
        learned: dict[str, str] = {}
        for mention in mentions:
            if actors[mention.actor_id].type != "person":
                continue
            for role in _roles_of(doc, mention):
                learned.setdefault(normalise_name(role), mention.actor_id)
        found = []
        sents = sentences(doc)
        owner = sentence_numbers(doc)
        for the in positions(doc, "LOWER", _THE):
            if the + 1 in by_token:
                continue
            sent_end = sents[owner[the]].end
            for size in (4, 3, 2, 1):
                end = the + 1 + size
                if end > sent_end or any(i in by_token for i in range(the + 1, end)):
                    continue
                words = doc[the + 1 : end]
                key = normalise_name(span_text(words))
                if not any(w in ROLE_WORDS for w in key.split()):
                    continue
                actor_id = learned.get(key)
                if actor_id is None and key not in self.titles:
                    # "The detective chief superintendent": the one person named before
                    people = {
                        m.actor_id
                        for m in mentions
                        if m.start < words.start and actors[m.actor_id].type == "person"
                    }
                    actor_id = people.pop() if len(people) == 1 else None
                if actor_id is None and key in self.titles:
                    holder = self.registry.title_holder(self.titles[key], day)
                    if holder is not None:
                        actor_id = holder.id
                        actors.setdefault(holder.id, holder)
                if actor_id is not None:
                    found.append(Mention(actor_id, words.start, words.end, "PERSON"))
                    for t in words:
                        by_token[t.i] = found[-1]
                    break
        return found


def _roles_of(doc: Doc, mention: Mention) -> list[str]:
    """Role phrases the text gives a person: 'Home Minister Dana Whitcombe', 'X, head of Y,'."""
    roles = []
    start = mention.start
    i = start
    while (
        i > 0
        and doc[i - 1].text[:1].isupper()
        and doc[i - 1].lower_ not in ("the", "a", "an")
        and doc[i - 1].ent_type_ in ("", "ORG", "NORP", "GPE")
        and start - i < 4
    ):
        i -= 1
    if i < start:
        phrase = doc[i:start].text
        if any(w in ROLE_WORDS for w in normalise_name(phrase).split()):
            roles.append(phrase)
            roles.append(doc[start - 1].text)  # "Minister" alone
    after = doc[mention.end : mention.end + 12]
    if len(after) > 1 and after[0].text == ",":
        end = next((t.i for t in after[1:] if t.text in (",", ";", ".")), None)
        if end is not None:
            role = doc[mention.end + 1 : end]
            words = [t for t in role if t.lower_ not in ("the", "a", "an")]
            # "head of the Online Harms Unit" -> "head of the Online Harms Unit", "head"
            if words and words[0].lower_ in ROLE_WORDS:
                roles.append(role.text)
                cut = [t.text for t in role]
                for stop in ("of", "for", "at"):
                    if stop in cut:
                        roles.append(" ".join(cut[: cut.index(stop)]))
    return [r for r in roles if r.strip()]


def _in_role_phrase(ent: Span) -> bool:
    head = ent.root
    for _ in range(4):
        if head.head is head:
            return False
        head = head.head
        # a capitalised office ("Secretary of State for the Home Department") names a post;
        # "director of the Open Wires Collective" names an organisation
        if head.lower_ in ROLE_WORDS and head.text[:1].isupper():
            return True
        if head.pos_ == "VERB":
            return False
    return False


def _longer_name(doc: Doc, ent: Span) -> Span | None:
    """A one-word alias inside a longer proper name: the longer name, as an ORG span."""
    if len(ent) != 1 or ent.start == 0:
        return None
    before = doc[ent.start - 1]
    if (
        before.pos_ == "PROPN"
        and before.text[:1].isupper()
        and before.ent_type_ in ("", "ORG", "PERSON")
        and (not before.ent_type_ or before.ent_iob_ == "B")
    ):
        return Span(doc, ent.start - 1, ent.end, label="ORG")
    return None


STATE_GROUPS = GROUP_HEADS | {"countries", "states", "nations", "members", "partners", "grouping"}


def _acts(ent: Span) -> bool:
    """Whether a place name stands for a state that does something: the subject (or one of
    several subjects) of a clause, the agent of a passive, the owner of something, or a member
    named in "the governments of X, Y and Z"."""
    root = ent.root
    while root.dep_ in ("conj", "appos", "nmod") and root.head is not root:
        root = root.head  # "Australia, Canada and New Zealand said": the first conjunct
    if root.dep_ in ("nsubj", "nsubjpass", "agent", "poss"):
        return True
    if root is not ent.root and root.ent_type_ in ("ORG", "PERSON"):
        return True  # "pressure from Apple, researchers and Washington": one of the parties
    # "the U.S., U.K., Australia, New Zealand and Canada": a list of states is a list of actors
    # in this debate (signatories, members of an alliance), not of settings
    listed = [t for t in root.subtree if t.ent_type_ == "GPE" and t.ent_iob_ == "B"]
    if len(listed) >= 3:
        return True
    if root.dep_ == "pobj":
        prep = root.head
        if prep.lower_ == "by" and prep.dep_ == "agent":
            return True
        heads = {prep.head.lower_, prep.head.head.lower_}
        linking = ("of", "from", "including", "among", "like", "such")
        return prep.lower_ in linking and bool(heads & STATE_GROUPS)
    return False


def _dedupe(mentions: list[Mention]) -> list[Mention]:
    seen: set[tuple[int, int]] = set()
    out = []
    for m in mentions:
        if (m.start, m.end) not in seen:
            seen.add((m.start, m.end))
            out.append(m)
    return out


def _the_government(doc: Doc, mentions: list[Mention], actors: dict[str, Actor]) -> list[Mention]:
    """'the government' after a government is named is that government: "The UK Government
    ... the government said" (only when one government is named before it)."""
    if "government" not in text_of(doc).lower():
        return []
    taken = {i for m in mentions for i in range(m.start, m.end)}
    governments = [
        m
        for m in mentions
        if actors[m.actor_id].type == "government"
        and "government" in actors[m.actor_id].name.lower()
    ]
    found = []
    for token in doc:
        if token.lower_ != "government" or token.i in taken or token.i == 0:
            continue
        if doc[token.i - 1].lower_ != "the":
            continue
        if token.i + 1 < len(doc) and doc[token.i + 1].lower_ in ("of", "'s", "’s"):
            continue  # "the government of Sweden", "the government's plan" named elsewhere
        before = {m.actor_id for m in governments if m.start < token.i}
        if len(before) == 1:
            found.append(Mention(before.pop(), token.i, token.i + 1, "ORG"))
        elif not governments and _acts_itself(token):
            # "The government is funding a campaign", and no government is named anywhere: the
            # one the text speaks of is still an actor, known by no other name
            actors.setdefault(_UNNAMED.id, _UNNAMED)
            found.append(Mention(_UNNAMED.id, token.i, token.i + 1, "ORG"))
    return found


_UNNAMED = Actor(
    discovered_id("the government"), "the government", "government", origin="discovered"
)


def _acts_itself(token: Token) -> bool:
    """The subject or agent of its clause (a possessive "the government's" is skipped above)."""
    if token.dep_ in ("nsubj", "nsubjpass", "poss"):
        return True
    return token.dep_ == "pobj" and token.head.lower_ == "by"
