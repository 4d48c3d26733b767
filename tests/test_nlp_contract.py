"""The spaCy contract: what mediamon's components declare in `assigns`/`requires` is what they
pass each other, spaCy's analyze_pipes finds no problem with it, and a component that runs
without what it requires refuses plainly.

Every person and organisation in the texts is fictional.
"""

import datetime as dt
import pickle
from collections.abc import Iterable
from typing import Any

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from mediamon.errors import MediamonError
from mediamon.nlp import pipeline
from mediamon.nlp.docindex import DocIndex
from mediamon.nlp.extensions import COMPONENTS, EXTENSIONS, UNSET, PipelineOrderError
from mediamon.nlp.pipeline import DEFAULT_MODEL, build, make_doc

# an opinion piece with a byline, a date, a publisher that speaks in it, an open letter and its
# signatories, a quote and a reported claim: every extension a component assigns gets a value
TEXT = (
    "I have read the open letter, and I think it is right. The letter was signed by the "
    'Digital Liberty League and Hushline. "Client-side scanning would undermine end-to-end '
    'encryption for everyone," the letter says.\n\n'
    "Home Secretary Dana Whitcombe said encrypted apps must give the police lawful access. "
    "In my view she is wrong: I will keep using encrypted messengers.\n\n"
    "We publish guest pieces like this one because our readers asked for them."
)
PUBLISHED = dt.date(2022, 3, 1)
AUTHOR = "Jane Roe"
PUBLISHER = "Open Wires Collective"
INPUT = "mm_input"  # the caller's, read by mediamon_document, assigned by no component


def _doc(nlp: Language) -> Doc:
    return make_doc(nlp, TEXT, PUBLISHED, AUTHOR, None, PUBLISHER)


def _extensions(attrs: Iterable[str]) -> set[str]:
    return {a[len("doc._.") :] for a in attrs if a.startswith("doc._.")}


def _meta(nlp: Language, name: str) -> tuple[set[str], set[str]]:
    meta = nlp.get_pipe_meta(name)
    return _extensions(meta.assigns), _extensions(meta.requires)


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build()


def _analysis(nlp: Language) -> dict[str, Any]:
    report = nlp.analyze_pipes(pretty=False)
    assert report is not None
    return report


def test_analyze_pipes_finds_no_problem(nlp: Language) -> None:
    report = _analysis(nlp)
    assert set(report["problems"]) == set(nlp.pipe_names)
    assert all(problems == [] for problems in report["problems"].values()), report["problems"]
    assert [n for n in nlp.pipe_names if n.startswith("mediamon_")] == [
        "mediamon_actor_ruler",
        *COMPONENTS,
    ]


def test_every_extension_but_the_input_is_assigned_by_exactly_one_component(
    nlp: Language,
) -> None:
    report = _analysis(nlp)
    for name in EXTENSIONS:
        attr = f"doc._.{name}"
        assigned_by = [c for c in nlp.pipe_names if attr in nlp.get_pipe_meta(c).assigns]
        required_by = [c for c in nlp.pipe_names if attr in nlp.get_pipe_meta(c).requires]
        if name == INPUT:
            assert assigned_by == [] and required_by == []
        else:
            assert len(assigned_by) == 1, (attr, assigned_by)
            assert report["attrs"][attr]["assigns"] == assigned_by


def test_every_declared_assignment_holds_a_value_after_its_component(nlp: Language) -> None:
    doc = _doc(nlp)
    for name, component in nlp.pipeline:
        doc = component(doc)
        assigns, _ = _meta(nlp, name)
        for ext in assigns:
            value = doc._.get(ext)
            assert value is not UNSET and value not in (None, [], {}, ""), (name, ext, value)
    assert doc._.mm_published == PUBLISHED
    assert doc._.mm_author == AUTHOR
    assert doc._.mm_kind == "opinion"
    assert doc._.mm_actors[doc._.mm_author_id].name == AUTHOR
    assert doc._.mm_signatories
    assert doc._.mm_index is None  # mediamon_stance drops the memo


def test_each_component_reads_what_it_requires_and_sets_what_it_assigns(
    nlp: Language, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every extension is registered again with a getter and setter that log (component,
    # "get"/"set", name) and keep the value where spaCy does; then as before
    log: set[tuple[str, str, str]] = set()
    running = [""]  # the component running now

    def register(name: str) -> None:
        key = ("._.", name, None, None)

        def get(doc: Doc) -> Any:
            log.add((running[0], "get", name))
            stored: dict[Any, Any] = doc.user_data
            return stored.get(key, UNSET)

        def set_(doc: Doc, value: Any) -> None:
            log.add((running[0], "set", name))
            stored: dict[Any, Any] = doc.user_data
            stored[key] = value

        Doc.set_extension(name, getter=get, setter=set_, force=True)

    # the run-time check reads every requirement; what counts here is what the code reads
    monkeypatch.setattr(pipeline, "check", lambda doc, name, factory: None)
    try:
        for name in EXTENSIONS:
            register(name)
        running[0] = "caller"
        doc = _doc(nlp)
        for name, component in nlp.pipeline:
            running[0] = name
            doc = component(doc)
    finally:
        for name in EXTENSIONS:
            Doc.set_extension(name, default=UNSET, force=True)

    assert {(c, op, e) for c, op, e in log if c == "caller"} == {("caller", "set", INPUT)}
    for name in nlp.pipe_names:
        assigns, requires = _meta(nlp, name)
        reads = {e for c, op, e in log if c == name and op == "get"}
        writes = {e for c, op, e in log if c == name and op == "set"}
        if name == "mediamon_document":
            assert reads == {INPUT}  # the caller's input is optional: no component assigns it
        elif name == "mediamon_stance_model":
            assert reads == requires, name
            assert writes == assigns | {"mm_index"}  # it clears the memo: the pipeline ends
            continue
        else:
            assert reads - assigns == requires, name
        assert writes == assigns, name


@pytest.mark.parametrize(
    ("removed", "refuses", "missing", "provider"),
    [
        ("mediamon_document", "mediamon_linker", "doc._.mm_published", "mediamon_document"),
        ("mediamon_linker", "mediamon_quotes", "doc._.mm_actors", "mediamon_linker"),
        ("mediamon_quotes", "mediamon_stance", "doc._.mm_statements", "mediamon_quotes"),
    ],
)
def test_without_a_component_the_next_one_refuses_plainly(
    removed: str, refuses: str, missing: str, provider: str
) -> None:
    nlp = build()
    nlp.remove_pipe(removed)
    message = f"{refuses} needs {missing}, which {provider} sets: add {provider} before it"
    with pytest.raises(PipelineOrderError) as raised:
        nlp(_doc(nlp))
    assert str(raised.value) == message
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, MediamonError)


def test_without_the_actor_ruler_the_ner_still_gives_the_linker_its_entities() -> None:
    nlp = build()
    nlp.remove_pipe("mediamon_actor_ruler")  # both assign doc.ents: nothing is missing
    assert nlp(_doc(nlp))._.mm_mentions


def test_without_the_parser_the_linker_refuses_plainly() -> None:
    nlp = build()
    nlp.remove_pipe("parser")
    with pytest.raises(PipelineOrderError, match=r"^mediamon_linker needs token\.dep, which the"):
        nlp(_doc(nlp))


def test_a_pipeline_built_by_hand_in_the_wrong_order_is_refused_at_run_time() -> None:
    nlp = spacy.load(DEFAULT_MODEL)
    for name in ("mediamon_document", "mediamon_quotes", "mediamon_linker", "mediamon_stance"):
        nlp.add_pipe(name)
    assert _analysis(nlp)["problems"]["mediamon_quotes"]
    with pytest.raises(
        PipelineOrderError,
        match=r"^mediamon_quotes needs doc\._\.mm_actors, which mediamon_linker sets: add "
        r"mediamon_linker before it$",
    ):
        nlp("Home Secretary Dana Whitcombe said encrypted apps must give the police access.")


def test_without_the_stance_stages_the_doc_still_serialises() -> None:
    nlp = build()
    nlp.remove_pipe("mediamon_stance_model")
    nlp.remove_pipe("mediamon_stance")
    doc = nlp(_doc(nlp))
    assert doc._.mm_stances is UNSET and isinstance(doc._.mm_index, DocIndex)
    again = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert again._.mm_index is None  # a memo is written as nothing
    assert again._.mm_statements == doc._.mm_statements


def test_a_processed_doc_keeps_only_extension_data_and_round_trips(nlp: Language) -> None:
    doc = nlp(_doc(nlp))
    assert doc.user_data
    for key in doc.user_data:
        assert isinstance(key, tuple) and key[0] == "._.", key
    again = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert again.text == doc.text
    for name in EXTENSIONS:
        assert again._.get(name) == doc._.get(name), name
    assert again._.mm_published == PUBLISHED
    assert isinstance(again._.mm_statements[0].sentence, tuple)
    unpickled = pickle.loads(pickle.dumps(doc))
    assert unpickled._.mm_stances == doc._.mm_stances


def test_a_plain_text_goes_through_with_its_kind_guessed(nlp: Language) -> None:
    doc = nlp("I think my messages are mine. I will not give them up.")
    assert doc._.mm_kind == "opinion"
    assert doc._.mm_published is None and doc._.mm_author is None
    assert doc._.mm_author_id is None
