"""The attribution and stance rules, one behaviour per test, through the real pipeline.

The rules alone decide here (the pipeline built without the learned model): their verdicts are
the classifier's strongest features, so each rule is still pinned on its own.

Every sentence is written for this file; every person and organisation in it is fictional.
"""

import pytest
from spacy.language import Language

from mediamon.nlp.pipeline import build, make_doc


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build(stance_model="")


def stances(nlp: Language, text: str, kind: str | None = None) -> set[tuple[str, str, str]]:
    doc = nlp(make_doc(nlp, text, None, None, kind))
    actors = doc._.mm_actors
    return {(actors[f.actor_id].name, f.target, f.polarity) for f in doc._.mm_stances}


def holders(found: set[tuple[str, str, str]]) -> set[str]:
    return {name for name, _, _ in found}


# (text, facts that must be found, facts that must not, the text's kind), one rule each
CASES = [
    pytest.param(
        "Minister Dana Whitcombe said a plan to weaken encryption would be dangerous.",
        [("Dana Whitcombe", "e2ee", "favor")],
        [],
        None,
        id="the_predicate_judges_the_subject_the_target_is_in",
    ),
    pytest.param(
        # "erode" is part of the cue: the structure has nothing to add, so the cue stands
        "Minister Dana Whitcombe said the change put children at risk by eroding the "
        "platform's ability to detect abuse.",
        [("Dana Whitcombe", "scanning", "favor")],
        [("Dana Whitcombe", "scanning", "against")],
        None,
        id="a_cue_is_not_overruled_by_its_own_words",
    ),
    pytest.param(
        "Professor Ines Vallory argued that encryption keeps children safe from stalkers.",
        [("Ines Vallory", "e2ee", "favor")],
        [],
        None,
        id="target_as_subject_takes_the_predicates_valence",
    ),
    pytest.param(
        "Aisha Karimova said such scanning would end private communication as we know it.",
        [("Aisha Karimova", "scanning", "against")],
        [],
        None,
        id="a_shifter_turns_round_what_it_governs",
    ),
    pytest.param(
        # she criticises the designs: breaking encryption is what they do, not what she wants
        "Dr Wren Halloway said every design she had reviewed breaks the encryption of the "
        "messages it touches.",
        [],
        [("Wren Halloway", "e2ee", "against")],
        None,
        id="what_a_third_party_does_to_a_target_is_not_the_speakers_stance",
    ),
    pytest.param(
        "The Freedonian government opposes the scanning regulation.",
        [("Freedonian government", "scanning", "against")],
        [],
        None,
        id="a_reported_position_without_speech",
    ),
    pytest.param(
        "Parley Messenger switched on end-to-end encryption last year. Its new design "
        "will protect predators, the Lantern Gazette's columnist wrote.",
        [],
        [("Parley Messenger", "e2ee", "against")],
        None,
        id="a_claim_about_an_actor_is_not_its_position",
    ),
    pytest.param(
        "Quillchat switched on end-to-end encryption for all chats on Monday. The move "
        "was welcomed by the Digital Liberty League.",
        [("Digital Liberty League", "e2ee", "favor")],
        [],
        None,
        id="welcomed_by_an_actor_gives_the_agent_the_stance",
    ),
    pytest.param(
        "Brightwater Labs has abandoned its plan to scan users' photos for known abuse "
        "images. The decision was praised by the Open Wires Collective.",
        [("Open Wires Collective", "scanning", "against")],
        [("Open Wires Collective", "scanning", "favor")],
        None,
        id="welcoming_a_decision_against_a_target_is_opposing_it",
    ),
    pytest.param(
        "Murmurbox extended end-to-end encryption to group calls. The change drew sharp "
        "criticism from the Syldavian National Police.",
        [("Syldavian National Police", "e2ee", "against")],
        [],
        None,
        id="criticism_drawn_from_an_actor",
    ),
    pytest.param(
        "Parley has come up with the wrong answer on encryption. Parley will protect "
        "offenders if it presses ahead with end-to-end encryption.",
        [],
        [("Parley", "e2ee", "against")],
        "opinion",
        id="in_an_opinion_piece_the_writers_judgement_is_not_the_subjects_position",
    ),
    pytest.param(
        "Ministers Dana Whitcombe and Viktor Hallam met in Vell on Friday. Both said "
        "encrypted apps must give the police lawful access.",
        [("Dana Whitcombe", "e2ee", "against"), ("Viktor Hallam", "e2ee", "against")],
        [],
        None,
        id="both_after_a_named_pair",
    ),
    pytest.param(
        "In an open letter published on Wednesday, the SafeChildren Trust and the Bright "
        "Harbour Foundation asked Parley to postpone end-to-end encryption.",
        [
            ("SafeChildren Trust", "e2ee", "against"),
            ("Bright Harbour Foundation", "e2ee", "against"),
        ],
        [],
        None,
        id="authors_of_an_open_letter_named_in_the_sentence",
    ),
    pytest.param(
        # "keep ... encrypted" must not match across "detecting grooming inside"
        "The Ruritanian Police Federation asked Parley to postpone end-to-end encryption "
        "until it can keep detecting grooming inside encrypted chats.",
        [("Ruritanian Police Federation", "e2ee", "against")],
        [],
        None,
        id="a_cue_gap_does_not_run_past_a_verb",
    ),
    pytest.param(
        "Minister Callum Hartree said the bill would require every messaging service to "
        "detect child sexual abuse material in private chats.",
        [("Callum Hartree", "scanning", "favor")],
        [],
        None,
        id="requiring_detection_of_abuse_material_favours_scanning",
    ),
    pytest.param(
        # "undermines" is an against-e2ee cue, but the governments refuse to back such a text
        "The Freedonian and Valmontese governments said that they could not support any "
        "text that undermines end-to-end encryption.",
        [("Freedonian government", "e2ee", "favor")],
        [("Freedonian government", "e2ee", "against")],
        None,
        id="the_sentence_structure_overrules_a_cue_it_contradicts",
    ),
    pytest.param(
        "A spokesperson for Halyard Chat said the company would never weaken its "
        "end-to-end encryption for any government.",
        [("Halyard Chat", "e2ee", "favor")],
        [],
        None,
        id="a_spokesperson_for_a_company_speaks_for_it",
    ),
    pytest.param(
        "Ministers Dana Whitcombe and Viktor Hallam wrote to Parley on Friday. The "
        "ministers said that end-to-end encryption would put children at risk.",
        [("Dana Whitcombe", "e2ee", "against"), ("Viktor Hallam", "e2ee", "against")],
        [],
        None,
        id="the_ministers_after_a_named_group",
    ),
    pytest.param(
        "Professor Ines Vallory said that encryption keeps children safe, and that "
        "encryption is dangerous.",
        [],
        [("Ines Vallory", "e2ee", "neutral")],
        None,
        id="mixed_signals_give_no_call_rather_than_neutral",
    ),
    pytest.param(
        # the relative clause after the source ("the cases it supported") is not its stance
        "End-to-end encryption is now the biggest obstacle to identifying abusers, "
        "according to the Concord Police Cooperation Office, which supported most of the "
        "cases.",
        [],
        [("Concord Police Cooperation Office", "e2ee", "favor")],
        None,
        id="according_to_in_mid_sentence_reads_one_side",
    ),
]


@pytest.mark.parametrize(("text", "found", "not_found", "kind"), CASES)
def test_rule(
    nlp: Language,
    text: str,
    found: list[tuple[str, str, str]],
    not_found: list[tuple[str, str, str]],
    kind: str | None,
) -> None:
    facts = stances(nlp, text, kind=kind)
    for fact in found:
        assert fact in facts
    for fact in not_found:
        assert fact not in facts


def test_an_open_question_is_no_stance(nlp: Language) -> None:
    found = stances(
        nlp,
        "Asked whether she wanted to ban encryption, Minister Dana Whitcombe said she would "
        "not comment on rumours.",
    )
    assert not {f for f in found if f[0] == "Dana Whitcombe" and f[1] == "e2ee"}


def test_a_name_the_ner_missed_is_an_actor_when_an_apposition_says_so(nlp: Language) -> None:
    doc = nlp(
        make_doc(
            nlp,
            "Quillchat, the messaging app popular with students, said on Monday that it would "
            "never weaken its encryption.",
            None,
            None,
            None,
        )
    )
    names = {doc._.mm_actors[m.actor_id].name: m for m in doc._.mm_mentions}
    assert "Quillchat" in names
    assert doc._.mm_actors[names["Quillchat"].actor_id].type == "company"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (
            "The Ruritanian Committee on Digital Affairs and Security voted on Tuesday.",
            "Ruritanian Committee on Digital Affairs and Security",
        ),
        (
            "A spokesperson for the Ministry of the Interior declined to comment.",
            "Ministry of the Interior",
        ),
        (
            "The Elbonian Office of Online Harms Control fined the app.",
            "Elbonian Office of Online Harms Control",
        ),
        # a day is not part of the name
        ("The Freedonian Council on Friday backed the plan.", "Freedonian Council"),
    ],
)
def test_an_organisation_name_goes_on_past_of_and_on(nlp: Language, text: str, name: str) -> None:
    doc = nlp(make_doc(nlp, text, None, None, None))
    names = {doc._.mm_actors[m.actor_id].name for m in doc._.mm_mentions}
    assert name in names, names


def mentioned(nlp: Language, text: str) -> set[str]:
    doc = nlp(make_doc(nlp, text, None, None, None))
    return {doc._.mm_actors[m.actor_id].name for m in doc._.mm_mentions}


def test_an_unnamed_government_that_acts_is_an_actor(nlp: Language) -> None:
    acting = "Quillchat said it would stay. The government is funding a campaign against it."
    assert "the government" in mentioned(nlp, acting)
    # named once, "the government" is that government, not a second actor
    named = "The Ruritanian government spoke first. The government is funding a campaign."
    assert mentioned(nlp, named) == {"Ruritanian government"}
    # a setting, not an actor
    assert not mentioned(nlp, "Trust in the government fell, a poll of Ruritanian voters found.")


def test_a_name_that_holds_an_alias_is_no_actor_when_the_registry_says_so(nlp: Language) -> None:
    # actors.toml's not_actors: the ruler's longest match keeps the place whole
    assert "Liberty" in mentioned(nlp, "Readers of the Quillchat blog asked about Liberty.")
    assert not mentioned(nlp, "Tourists from Ruritania queued at the Statue of Liberty.") & {
        "Liberty"
    }


def test_a_state_listed_beside_organisations_is_one_of_the_parties(nlp: Language) -> None:
    text = "The app gave way after months of pressure from Quillchat, researchers and Ruritania."
    assert {"Quillchat", "Ruritania"} <= mentioned(nlp, text)
    assert "Ruritania" not in mentioned(nlp, "Quillchat opened an office in Ruritania.")


def test_a_cue_counts_for_the_target_of_its_paragraph_only(nlp: Language) -> None:
    on_topic = (
        "Halyard Chat encrypts every conversation end to end.\n\n"
        '"Nobody but the sender and the recipient can read a message," said Tamsin Greaves.'
    )
    off_topic = (
        "Halyard Chat opened an office in Vell.\n\n"
        '"Nobody but the sender and the recipient can read a message," said Tamsin Greaves.'
    )
    assert ("Tamsin Greaves", "e2ee", "favor") in stances(nlp, on_topic.replace("\n\n", " "))
    assert "Tamsin Greaves" not in holders(stances(nlp, off_topic))


def test_a_spokesperson_speaks_for_the_organisation_just_quoted(nlp: Language) -> None:
    doc = nlp(
        make_doc(
            nlp,
            "The Digital Liberty League said in a statement that it would fight the bill. "
            '"Private messages must stay private," a spokesperson said.',
            None,
            None,
            None,
        )
    )
    actors = doc._.mm_actors
    speakers = {actors[s].name for st in doc._.mm_statements for s in st.speakers}
    assert speakers == {"Digital Liberty League"}
