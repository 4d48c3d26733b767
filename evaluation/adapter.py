"""Our pipeline as an analyzer of single texts: the interface the evaluation harness scores."""

from typing import Any

from spacy.tokens import Doc

from evaluation.evaluate import Prediction
from mediamon.nlp.pipeline import DEFAULT_MODEL, build, make_doc
from mediamon.nlp.statements import LETTER


def describe(doc: Doc) -> dict[str, Any]:
    """The annotations of a processed doc, plainly (for debugging and the eval)."""
    actors = doc._.mm_actors or {}
    return {
        "actors": {a.id: (a.name, a.type, a.origin) for a in actors.values()},
        "mentions": [(m.actor_id, doc[m.start : m.end].text) for m in doc._.mm_mentions or []],
        "statements": [
            (s.kind, s.speakers, s.letter, s.text[:80]) for s in doc._.mm_statements or []
        ],
        "stances": [
            (f.actor_id, f.target, f.polarity, f.basis, f.confidence)
            for f in doc._.mm_stances or []
        ],
    }


class Tagger:
    """The pipeline as an analyzer of single texts (the evaluation harness's interface)."""

    def __init__(self, model: str = DEFAULT_MODEL, stance_model: str | None = None) -> None:
        self.nlp = build(model, stance_model=stance_model)

    def analyze(
        self,
        text: str,
        title: str | None = None,
        author: str | None = None,
        kind: str | None = None,
        publisher: str | None = None,
    ) -> Any:
        return self.predict(self.nlp(make_doc(self.nlp, text, None, author, kind, publisher)))

    def predict(self, doc: Doc) -> Prediction:
        """What a processed doc says, as the harness scores it."""
        actors = doc._.mm_actors or {}

        def name(actor_id: str | None) -> str | None:
            if actor_id is None or actor_id == LETTER or actor_id not in actors:
                return None
            return str(actors[actor_id].name)

        prediction = Prediction()
        for m in doc._.mm_mentions or []:
            actor_name = name(m.actor_id)
            if actor_name:
                prediction.mentions.add(actor_name)
                prediction.aliases.setdefault(actor_name, set()).add(doc[m.start : m.end].text)
        for s in doc._.mm_statements or []:
            if s.kind in ("direct", "indirect"):
                for speaker in s.speakers or [None]:
                    prediction.quotes.append((name(speaker), s.text))
        for f in doc._.mm_stances or []:
            actor_name = name(f.actor_id)
            if actor_name:
                prediction.stances.add((actor_name, f.target, f.polarity))
                if actor_name not in prediction.aliases:  # the site's voice: never mentioned
                    prediction.aliases[actor_name] = set(actors[f.actor_id].aliases)
        return prediction


class RulesTagger(Tagger):
    """The pipeline with the rules alone deciding stances (as before the learned model)."""

    def __init__(self, model: str = DEFAULT_MODEL) -> None:
        super().__init__(model, stance_model="")
