"""Structure of the bundled configuration files (config/*.toml) and the config package."""

from __future__ import annotations

import datetime as dt
import itertools
import pathlib
import re
from collections import Counter, defaultdict
from typing import Any
from urllib.parse import urlsplit

import pytest

from mediamon import config
from mediamon.documents.topic import TopicModel

SEEDS = pathlib.Path(__file__).resolve().parents[1] / "corpus" / "seeds"
SHARED_SEEDS = pathlib.Path("/work/shared/seeds")

ACTOR_TYPES = {
    "government",
    "law_enforcement",
    "company",
    "ngo_child_safety",
    "ngo_privacy",
    "academic",
    "person",
    "intergovernmental",
    "media",
}
ACTOR_KEYS = {
    "id",
    "name",
    "type",
    "country",
    "aliases",
    "titles",
    "speaks_for",
    "role",
    "holds_stances",
}
ACTOR_REQUIRED = {"id", "name", "type", "country", "aliases"}
SOURCE_KEYS = {
    "id",
    "name",
    "feeds",
    "sitemaps",
    "start_urls",
    "max_depth",
    "article_pattern",
    "urls",
    "allowed_domains",
    "topic_filter",
    "allow_private",
    "delay",
    "concurrency",
}
URL_LISTS = ("feeds", "sitemaps", "start_urls", "urls")
SNAKE_ID = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
SOURCE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
COUNTRY = re.compile(r"[A-Z]{2}|INT")

# Surface forms of actors in the two seed documents, as the texts write them, and the actor each
# must resolve to.
SEED_FORMS = {
    "Facebook": "meta",
    "Mark Zuckerberg": "mark_zuckerberg",
    "Zuckerberg": "mark_zuckerberg",
    "NCMEC": "ncmec",
    "National Center for Missing and Exploited Children": "ncmec",
    "National Center for Missing and Exploited Children\u2019s": "ncmec",
    "Facebook Messenger": "facebook_messenger",
    "Instagram Direct": "instagram",
    "ECPAT International": "ecpat_international",
    "Apple": "apple",
    "Council of Europe": "council_of_europe",
    "UN": "united_nations",
    "ITU": "itu",
    "EU": "european_union",
    "UNICEF": "unicef",
    "John Carr": "john_carr",
    "Children's Charities' Coalition on Internet Safety": "chis",
    "Priti Patel": "priti_patel",
    "Rt Hon Priti Patel MP": "priti_patel",
    "William P. Barr": "william_barr",
    "Kevin K. McAleenan": "kevin_mcaleenan",
    "Peter Dutton": "peter_dutton",
    "Hon Peter Dutton MP": "peter_dutton",
    "Justice Department": "us_doj",
    "John Clark": "john_clark",
    "KAKE News": "kake_news",
}

# Actors the debate cannot be followed without (ids are part of the corpus contract).
REQUIRED_ACTORS = {
    "uk_home_office", "priti_patel", "amber_rudd", "suella_braverman", "james_cleverly",
    "yvette_cooper", "us_doj", "william_barr", "fbi", "christopher_wray", "merrick_garland",
    "kevin_mcaleenan", "us_dhs", "peter_dutton", "esafety_commissioner", "julie_inman_grant",
    "five_eyes", "nz_government", "canada_government", "nca", "europol", "gchq", "ian_levy",
    "crispin_robinson", "interpol", "meta", "mark_zuckerberg", "facebook_messenger", "instagram",
    "whatsapp", "will_cathcart", "apple", "tim_cook", "craig_federighi", "google", "microsoft",
    "signal", "signal_foundation", "meredith_whittaker", "telegram", "pavel_durov", "threema",
    "proton", "ncmec", "john_clark", "iwf", "susie_hargreaves", "nspcc", "peter_wanless",
    "ecpat_international", "thorn", "weprotect", "unicef", "chis", "john_carr", "eff",
    "open_rights_group", "edri", "internet_society", "privacy_international", "access_now",
    "big_brother_watch", "aclu", "cdt", "global_encryption_coalition", "matthew_green",
    "ross_anderson", "hany_farid", "alex_stamos", "bruce_schneier", "european_union",
    "european_commission", "european_parliament", "council_of_the_eu", "ylva_johansson", "edpb",
    "edps", "council_of_europe", "united_nations", "itu", "ofcom", "kake_news",
}  # fmt: skip


def _seed_text() -> str:
    folder = SEEDS if SEEDS.is_dir() else SHARED_SEEDS
    files = sorted(folder.glob("0*.txt"))
    assert len(files) == 2
    return "\n".join(f.read_text(encoding="utf-8") for f in files)


def _date(value: Any) -> dt.date:
    assert isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), value
    return dt.date.fromisoformat(value)


# ------------------------------------------------------------------ config package
def test_path_and_load() -> None:
    for name in ("topic.toml", "sources.toml", "actors.toml", "stance.toml", "valence.toml"):
        file = config.path(name)
        assert file.is_file()
        assert file.parent == config.DIR
        assert isinstance(config.load(name), dict)
        assert config.load(file) == config.load(name)


@pytest.mark.parametrize("name", ["", "../pyproject.toml", "sub/topic.toml", ".."])
def test_path_rejects_non_names(name: str) -> None:
    with pytest.raises(ValueError):
        config.path(name)


def test_path_missing_file() -> None:
    with pytest.raises(FileNotFoundError):
        config.path("no-such-file.toml")


def test_load_reports_file_on_syntax_error(tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text("[sources\nid = 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(str(bad))):
        config.load(bad)
    bad.write_bytes(b'name = "\xff"\n')
    with pytest.raises(ValueError, match=re.escape(str(bad))):
        config.load(bad)


# ------------------------------------------------------------------ actors.toml
@pytest.fixture(scope="module")
def actors_file() -> dict[str, Any]:
    return config.load("actors.toml")


@pytest.fixture(scope="module")
def actors(actors_file: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["id"]: a for a in actors_file["actors"]}


def test_actors_structure(actors_file: dict[str, Any]) -> None:
    assert set(actors_file) <= {"actors", "shared_aliases", "not_actors", "discovery"}
    discovery = actors_file.get("discovery", {})
    assert set(discovery) <= {"org_heads", "person_titles"}
    for words in discovery.values():
        assert words and all(isinstance(w, str) and w[:1].isupper() for w in words)
    entries = actors_file["actors"]
    assert len(entries) >= 85
    ids = Counter(a.get("id") for a in entries)
    assert not [i for i, n in ids.items() if n > 1], "duplicate actor ids"
    for actor in entries:
        where = actor.get("id", actor)
        assert set(actor) <= ACTOR_KEYS, (where, set(actor) - ACTOR_KEYS)
        assert set(actor) >= ACTOR_REQUIRED, (where, ACTOR_REQUIRED - set(actor))
        assert SNAKE_ID.fullmatch(actor["id"]), where
        assert isinstance(actor["name"], str) and actor["name"].strip() == actor["name"] != ""
        assert actor["type"] in ACTOR_TYPES, where
        assert COUNTRY.fullmatch(actor["country"]) and actor["country"] != "UK", where
        aliases = actor["aliases"]
        assert isinstance(aliases, list) and aliases, where
        assert all(isinstance(a, str) and a.strip() == a != "" for a in aliases), where
        assert len(set(aliases)) == len(aliases), (where, "duplicate alias")
        assert actor["name"] in aliases, (where, "the canonical name should be an alias")
        if "role" in actor:
            assert isinstance(actor["role"], str) and actor["role"].strip(), where


def test_actor_types_are_all_used(actors: dict[str, dict[str, Any]]) -> None:
    assert {a["type"] for a in actors.values()} == ACTOR_TYPES


def test_aliases_are_not_shared(actors_file: dict[str, Any]) -> None:
    shared = actors_file.get("shared_aliases", [])
    assert isinstance(shared, list) and all(isinstance(s, str) for s in shared)
    owners: dict[str, set[str]] = defaultdict(set)
    for actor in actors_file["actors"]:
        for alias in actor["aliases"]:
            owners[alias.casefold()].add(actor["id"])
    allowed = {s.casefold() for s in shared}
    clashes = {a: o for a, o in owners.items() if len(o) > 1 and a not in allowed}
    assert not clashes, clashes


def test_speaks_for(actors: dict[str, dict[str, Any]]) -> None:
    for actor in actors.values():
        if "speaks_for" not in actor:
            continue
        target = actor["speaks_for"]
        assert actor["type"] == "person", (actor["id"], "only people speak for organisations")
        assert target in actors, (actor["id"], target)
        assert target != actor["id"]
        assert actors[target]["type"] != "person", (actor["id"], target)


def test_titles(actors: dict[str, dict[str, Any]]) -> None:
    periods: dict[str, list[tuple[dt.date, dt.date, str]]] = defaultdict(list)
    for actor in actors.values():
        if "titles" not in actor:
            continue
        assert actor["type"] == "person", actor["id"]
        assert isinstance(actor["titles"], list) and actor["titles"], actor["id"]
        for entry in actor["titles"]:
            assert set(entry) <= {"title", "from", "to"} and {"title", "from"} <= set(entry)
            assert isinstance(entry["title"], str) and entry["title"].strip()
            start = _date(entry["from"])
            end = _date(entry["to"]) if "to" in entry else dt.date.max
            assert start <= end, (actor["id"], entry)
            assert start >= dt.date(1990, 1, 1)
            periods[entry["title"]].append((start, end, actor["id"]))
    # a title names one person at a time (a handover day may belong to both holders)
    for title, spans in periods.items():
        for (start1, end1, first), (start2, end2, second) in itertools.combinations(spans, 2):
            if first != second:
                assert min(end1, end2) <= max(start1, start2), (title, first, second)


def test_home_secretaries(actors: dict[str, dict[str, Any]]) -> None:
    def holder(day: dt.date) -> set[str]:
        found = set()
        for actor in actors.values():
            for entry in actor.get("titles", []):
                end = _date(entry["to"]) if "to" in entry else dt.date.max
                if entry["title"] == "Home Secretary" and _date(entry["from"]) <= day <= end:
                    found.add(actor["id"])
        return found

    assert holder(dt.date(2019, 10, 4)) == {"priti_patel"}  # the open letter to Facebook
    assert holder(dt.date(2017, 3, 26)) == {"amber_rudd"}
    assert holder(dt.date(2023, 1, 1)) == {"suella_braverman"}
    assert holder(dt.date(2024, 1, 1)) == {"james_cleverly"}
    assert holder(dt.date(2024, 12, 1)) == {"yvette_cooper"}


def test_required_actors_present(actors: dict[str, dict[str, Any]]) -> None:
    assert REQUIRED_ACTORS - set(actors) == set()
    meta_aliases = set(actors["meta"]["aliases"])
    assert {"Facebook", "Meta", "Meta Platforms"} <= meta_aliases
    ncmec = set(actors["ncmec"]["aliases"])
    assert {
        "NCMEC",
        "National Center for Missing & Exploited Children",
        "National Center for Missing and Exploited Children",
    } <= ncmec
    assert actors["kake_news"]["type"] == "media"
    assert actors["ian_levy"]["type"] == actors["crispin_robinson"]["type"] == "person"


def test_seed_surface_forms_are_covered(actors: dict[str, dict[str, Any]]) -> None:
    text = _seed_text()
    alias_owner = {alias: a["id"] for a in actors.values() for alias in a["aliases"]}
    for form, expected in SEED_FORMS.items():
        # the form really is in a seed text, as a whole word or phrase
        assert re.search(rf"(?<!\w){re.escape(form)}(?!\w)", text), f"{form!r} not in the seeds"
        assert alias_owner.get(form) == expected, (form, alias_owner.get(form), expected)


# ------------------------------------------------------------------ sources.toml
@pytest.fixture(scope="module")
def sources() -> list[dict[str, Any]]:
    data = config.load("sources.toml")
    assert set(data) == {"sources"}
    entries = data["sources"]
    assert isinstance(entries, list)
    return entries


def _host_allowed(host: str, domains: list[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def test_sources_structure(sources: list[dict[str, Any]]) -> None:
    assert 12 <= len(sources) <= 20
    ids = Counter(s.get("id") for s in sources)
    assert not [i for i, n in ids.items() if n > 1], "duplicate source ids"
    for source in sources:
        where = source.get("id", source)
        assert set(source) <= SOURCE_KEYS, (where, set(source) - SOURCE_KEYS)
        assert isinstance(source.get("id"), str) and SOURCE_ID.fullmatch(source["id"]), where
        assert isinstance(source.get("name"), str) and source["name"].strip(), where
        for key in (*URL_LISTS, "allowed_domains"):
            value = source.get(key, [])
            assert isinstance(value, list) and all(isinstance(v, str) for v in value), (where, key)
        assert any(source.get(key) for key in URL_LISTS), (where, "nothing to crawl")
        assert isinstance(source.get("max_depth", 1), int) and source.get("max_depth", 1) >= 0
        assert isinstance(source.get("topic_filter", True), bool)
        assert source.get("allow_private", False) is False, (where, "only for local tests")
        delay = source.get("delay", 1.0)
        assert isinstance(delay, int | float) and not isinstance(delay, bool) and delay > 0
        concurrency = source.get("concurrency", 2)
        assert isinstance(concurrency, int) and not isinstance(concurrency, bool)
        assert 1 <= concurrency <= 8
        pattern = source.get("article_pattern", "")
        assert isinstance(pattern, str)
        compiled = re.compile(pattern)
        if source.get("start_urls"):
            assert pattern, (where, "a site crawl needs an article_pattern")
            for url in source["start_urls"]:
                assert not compiled.search(url), (where, "a start page is not an article", url)
        for domain in source.get("allowed_domains", []):
            assert domain == domain.lower() and "/" not in domain and ":" not in domain, where


def test_source_urls(sources: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for source in sources:
        domains = source.get("allowed_domains", [])
        for key in URL_LISTS:
            for url in source.get(key, []):
                parts = urlsplit(url)
                assert parts.scheme == "https", (source["id"], url)
                assert parts.hostname and "." in parts.hostname, (source["id"], url)
                assert not parts.fragment and " " not in url, (source["id"], url)
                if domains:
                    assert _host_allowed(parts.hostname, domains), (source["id"], url)
                assert url not in seen, ("URL listed twice", url)
                seen.add(url)


def test_source_article_patterns() -> None:
    by_id = {s["id"]: s for s in config.load("sources.toml")["sources"]}
    examples = {
        "meta-newsroom": "https://about.fb.com/news/2023/12/default-end-to-end-encryption-on-messenger/",
        "us-doj": "https://www.justice.gov/opa/pr/some-press-release",
        "gov-uk-home-office": "https://www.gov.uk/government/news/some-news-story",
        "nspcc": "https://www.nspcc.org.uk/about-us/news-opinion/2023/some-story/",
    }
    for source_id, url in examples.items():
        assert re.search(by_id[source_id]["article_pattern"], url), source_id


# ------------------------------------------------------------------ topic.toml
def test_topic_file() -> None:
    data = config.load("topic.toml")
    model = TopicModel.from_dict(data, source=str(config.path("topic.toml")))
    assert 0 < model.threshold <= 1
    groups = data["groups"]
    assert {"encryption", "child_safety", "platforms"} <= set(groups)
    assert any(g.get("weight", 1.0) < 0 for g in groups.values()), "no exclusion group"
    assert data["require"], "the co-occurrence rule is missing"


# ------------------------------------------------------------------ stance.toml
@pytest.fixture(scope="module")
def stance() -> dict[str, Any]:
    return config.load("stance.toml")


def _cue_list(value: Any, where: str) -> list[str]:
    assert isinstance(value, list) and value, f"{where}: must be a non-empty list"
    for cue in value:
        assert isinstance(cue, str) and cue.strip() == cue != "", (where, cue)
        assert cue == cue.lower(), (where, "cues are lower case", cue)
        _check_gaps(cue, where)
    assert len(set(value)) == len(value), (where, "duplicate cue")
    return value


def _check_gaps(cue: str, where: str) -> None:
    words = cue.split()
    assert words[0] != "..." and words[-1] != "...", (where, "'...' must be between words", cue)
    assert all(w == "..." or "..." not in w for w in words), (where, "'...' is a word", cue)


def test_stance_structure(stance: dict[str, Any]) -> None:
    allowed = {
        "negation",
        "reporting",
        "speech_verbs",
        "action",
        "options",
        "targets",
        "implications",
        "neutral",
        "stance_words",
        "positions",
    }
    assert set(stance) <= allowed, set(stance) - allowed
    for rule in stance.get("implications", []):
        assert set(rule) == {"from", "polarity", "because", "target", "implies", "weight"}, rule
        assert rule["from"] in stance["targets"] and rule["target"] in stance["targets"], rule
        assert rule["polarity"] in ("favor", "against") and rule["implies"] in ("favor", "against")
        assert rule["because"] and 0 < rule["weight"] <= 1, rule
    for key in ("negation", "reporting", "speech_verbs", "action"):
        _cue_list(stance.get(key), key)
    for required in ("not", "never", "no longer", "does not oppose"):
        assert required in stance["negation"]
    assert {"say", "tell", "warn", "argue", "claim", "urge", "write", "add", "insist"} <= set(
        stance["speech_verbs"]
    )
    options = stance.get("options", {})
    assert set(options) <= {
        "negation_window",
        "gap_words",
        "neutral_margin",
        "reported_weight",
        "valence_file",
    }
    if "valence_file" in options:
        assert (config.DIR / options["valence_file"]).is_file(), options["valence_file"]
    for name in ("negation_window", "gap_words"):
        if name in options:
            assert isinstance(options[name], int) and options[name] >= 1, name
    for name in ("neutral_margin", "reported_weight"):
        if name in options:
            assert isinstance(options[name], int | float) and options[name] >= 0, name


def test_stance_targets(stance: dict[str, Any]) -> None:
    targets = stance["targets"]
    assert {"e2ee", "scanning"} <= set(targets)
    for target_id, target in targets.items():
        assert SNAKE_ID.fullmatch(target_id), target_id
        assert set(target) == {"description", "terms", "favor", "against"}, target_id
        assert isinstance(target["description"], str) and target["description"].strip()
        _cue_list(target["terms"], f"{target_id}.terms")
        for side in ("favor", "against"):
            cues = target[side]
            assert isinstance(cues, dict) and cues, f"{target_id}.{side} is empty"
            _cue_list(list(cues), f"{target_id}.{side}")
            for cue, weight in cues.items():
                assert isinstance(weight, int | float) and not isinstance(weight, bool)
                assert 0 < weight <= 3, (target_id, side, cue, weight)
        both = set(target["favor"]) & set(target["against"])
        assert not both, (target_id, "cue on both sides", both)


def test_stance_lexicon_covers_seed_language(stance: dict[str, Any]) -> None:
    e2ee = stance["targets"]["e2ee"]
    # the 2019 open letter, NCMEC and John Carr's post oppose; Zuckerberg's announcement favours
    for cue in ("devastating", "put ... at risk", "harm children", "blind itself", "lawful access"):
        assert cue in e2ee["against"], cue
    assert "prevent anyone ... from seeing" in e2ee["favor"]
    scanning = stance["targets"]["scanning"]
    assert "mass surveillance" in scanning["against"]
    assert "lawful access" in scanning["favor"]


def test_valence_lists_are_words() -> None:
    valence = config.load("valence.toml")
    allowed = {
        "positive",
        "enactors",
        "strong_positive",
        "negative",
        "strong_negative",
        "shifters",
        "carriers",
        "wrongdoers",
        "attitudes",
        "patients",
        "anaphors",
    }
    assert set(valence) <= allowed, set(valence) - allowed
    for key, words in valence.items():
        assert isinstance(words, list) and words, key
        for word in words:
            assert isinstance(word, str) and word == word.strip().lower() and word, (key, word)
    assert not set(valence["positive"]) & set(valence["negative"])
