"""The data that passes into and through mediamon's components, as declared `doc._` extensions.

Each piece is set by one component (its factory lists it in `assigns`) and read by later ones
(their `requires`), so `nlp.analyze_pipes()` checks the contract the code actually keeps. No
component keeps anything under a `doc.user_data` key of its own: the only entries there are
spaCy's storage of these extensions.

Every extension's default is UNSET, which no component stores, so a component can tell "not
assigned yet" from an assigned None (a document without an author); `check` turns a missing
requirement into an error that says which component to add.
"""

import datetime as dt
import functools
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from mediamon.errors import MediamonError


class Unset:
    """The default of every mediamon extension: nothing has assigned it."""

    def __bool__(self) -> bool:
        return False  # `doc._.mm_stances or []` reads an unprocessed doc as empty

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset()


@dataclass(frozen=True)
class DocumentInput:
    """What the caller knows of a document; `make_doc` sets it, mediamon_document reads it."""

    published: dt.date | None = None
    author: str | None = None
    kind: str | None = None  # "news" or "opinion"; guessed from the text when None
    publisher: str | None = None  # the site's name: an organisation's own page is its voice


EXTENSIONS = {
    # from the caller, optional: no component assigns it, so none may list it in `requires`
    "mm_input": "DocumentInput: what the caller knows of the document",
    # mediamon_document
    "mm_published": "date | None: the publication date",
    "mm_author": "str | None: the byline",
    "mm_kind": "str: 'news' or 'opinion', as given or guessed",
    "mm_publisher": "str | None: the site's name",
    "mm_index": "DocIndex | None: the per-document memo (docindex.py); None once cleared",
    # mediamon_linker
    "mm_actors": "dict[str, Actor]: the actors mentioned, and the author",
    "mm_mentions": "list[Mention]: each mention of an actor",
    "mm_author_id": "str | None: the author's actor id",
    "mm_publisher_id": "str | None: the publisher's actor id, when the text is in its voice",
    # mediamon_quotes
    "mm_statements": "list[Statement]: what was said, done or written, and by whom",
    "mm_signatories": "list[str]: the actor ids that signed an open letter",
    # mediamon_stance (the rules)
    "mm_rule_stances": "list[StanceFact]: the rules' stance of each actor on each target",
    "mm_scored": "list[Scored]: each statement's rule score per target, for the classifier",
    # mediamon_stance_model (the learned decision; the rules' stances when there is no model)
    "mm_stances": "list[StanceFact]: each actor's stance on each target",
}

for _name in EXTENSIONS:
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=UNSET)

# our components, in pipeline order: the providers an error message points to
COMPONENTS = (
    "mediamon_document",
    "mediamon_linker",
    "mediamon_quotes",
    "mediamon_stance",
    "mediamon_stance_model",
)
# what the model's components annotate: (the Doc.has_annotation name, the component that sets it)
_MODEL = {
    "doc.ents": ("ENT_IOB", "the model's ner (or an entity ruler)"),
    "token.dep": ("DEP", "the model's parser"),
    "token.lemma": ("LEMMA", "the model's lemmatizer"),
}


class PipelineOrderError(MediamonError, ValueError):
    """A component ran before, or without, the component that sets what it needs."""


def assigned(doc: Doc, name: str) -> bool:
    return not isinstance(doc._.get(name), Unset)


def check(doc: Doc, name: str, factory: str) -> None:
    """Refuse to run component `name` (made by `factory`) on a doc that lacks what it requires.

    spaCy only checks `requires` in analyze_pipes; this checks them for every document, so a
    pipeline assembled by hand fails here, plainly, not deep inside a rule."""
    for attr in requirements(factory):
        if attr.startswith("doc._."):
            if assigned(doc, attr[6:]):
                continue
            provider = providers()[attr]
            raise PipelineOrderError(
                f"{name} needs {attr}, which {provider} sets: add {provider} before it"
            )
        annotation, provider = _MODEL[attr]
        if not doc.has_annotation(annotation):
            raise PipelineOrderError(
                f"{name} needs {attr}, which {provider} sets: add it before {name}"
            )


@functools.cache
def requirements(factory: str) -> tuple[str, ...]:
    """What `factory` declares in `requires`, each of which `check` knows how to check."""
    requires = tuple(Language.get_factory_meta(factory).requires)
    unknown = [a for a in requires if a not in _MODEL and a not in providers()]
    if unknown:  # a programming error: no component of ours or the model's sets these
        raise ValueError(f"{factory} requires {unknown}, which no known component sets")
    return requires


@functools.cache
def providers() -> dict[str, str]:
    """Extension attribute -> the mediamon component that assigns it."""
    found: dict[str, str] = {}
    for factory in COMPONENTS:
        for attr in Language.get_factory_meta(factory).assigns:
            found.setdefault(attr, factory)
    return found
