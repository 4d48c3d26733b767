"""Invented prose for the synthetic benchmark corpus; only its shapes are meant to be realistic.

Sentences are assembled from a small vocabulary written for this file, drawn by theme so that
search terms co-occur plausibly.
"""

import numpy as np

# The vocabulary: per theme, subjects | verbs | objects | tails, separated by ";".
THEMES = [
    (  # end-to-end encryption of messaging
        "Meta;Messenger;WhatsApp;the messaging service;Instagram Direct;Signal;the company",
        "rolled out;defended;delayed;announced;promised;expanded;tested;switched on",
        "end-to-end encryption;encrypted messaging;default encryption;private messaging;"
        "the privacy-focused vision;secure chats;encrypted backups",
        "for billions of users;across its apps;despite warnings;after years of planning;"
        "in Europe first;by the end of the year",
    ),
    (  # scanning and detection
        "Apple;the regulator;engineers;the detection system;researchers;the provider",
        "proposed;paused;criticised;evaluated;abandoned;defended;audited",
        "client-side scanning;CSAM detection;hash matching;on-device scanning;"
        "perceptual hashes;NeuralHash;automated detection of abuse material",
        "on every phone;before upload;with high false positive rates;under public pressure;"
        "in iCloud Photos;without breaking encryption",
    ),
    (  # child safety and abuse reports
        "NCMEC;child protection groups;the charity;advocates;the hotline;survivors",
        "warned about;reported;counted;documented;called attention to;campaigned against",
        "child sexual abuse material;grooming on social media;CyberTipline reports;"
        "online exploitation;abuse images;sextortion cases",
        "rising every year;on major platforms;in millions of reports;that go undetected;"
        "reported by tech companies;involving teenagers",
    ),
    (  # law and policy
        "the European Commission;Parliament;the Council;ministers;lawmakers;the committee",
        "debated;passed;amended;postponed;voted on;introduced;rejected",
        "the chat control regulation;the Online Safety Act;detection orders;"
        "the EARN IT Act;new obligations for providers;the interim derogation",
        "after a heated debate;in a close vote;with broad support;despite legal advice;"
        "before the summer recess;under the Belgian presidency",
    ),
    (  # police and lawful access
        "the FBI;Europol;the National Crime Agency;police chiefs;the Home Office;prosecutors",
        "demanded;argued for;pressed for;warned against;asked for;insisted on",
        "lawful access;exceptional access;a way into encrypted messages;warrant-proof "
        "encryption;going dark;access to evidence",
        "in serious cases;to catch offenders;for investigations;under judicial oversight;"
        "at a press conference;in a joint statement",
    ),
    (  # privacy and security experts
        "cryptographers;the Electronic Frontier Foundation;security researchers;EDRi;"
        "privacy advocates;academics",
        "criticised;rejected;analysed;warned that;explained;published a letter on",
        "backdoors;mass surveillance;weakened security;the risks of scanning;"
        "the technical limits of detection;strong encryption",
        "for everyone;for journalists and activists;in an open letter;in a technical paper;"
        "for democratic societies;at a conference",
    ),
    (  # platforms and business
        "the platform;shareholders;the chief executive;analysts;the board;the startup",
        "reported;expected;discussed;reviewed;launched;reorganised",
        "quarterly earnings;advertising revenue;user growth;new features;trust and safety "
        "teams;moderation budgets",
        "this quarter;in a statement;on Tuesday;last week;according to the filing;to investors",
    ),
    (  # background and off-topic filler
        "the city council;local officials;the weather service;fans;the museum;residents",
        "celebrated;announced;planned;reported;opened;postponed",
        "a new park;the festival;road works;the exhibition;a cryptocurrency exchange;"
        "election results",
        "on Saturday;after the storm;next month;in the old town;for the first time;"
        "despite the rain",
    ),
]
STANCE_LINES = {
    ("e2ee", "favor"): "end-to-end encryption protects everyone and must not be weakened;"
    "private messaging is a right worth defending;we welcome default encryption",
    ("e2ee", "against"): "encryption will blind us to abuse and must be delayed;"
    "the rollout of end-to-end encryption should stop until children are safe;"
    "providers must keep lawful access to messages",
    ("e2ee", "neutral"): "encryption raises hard questions for everyone;"
    "we are studying the effects of encrypted messaging",
    ("scanning", "favor"): "scanning for known abuse images is proportionate;"
    "detection orders are needed to protect children;hash matching saves victims",
    ("scanning", "against"): "client-side scanning is mass surveillance;"
    "scanning every message breaks security for all;detection orders are unlawful",
    ("scanning", "neutral"): "the scanning proposal needs more evidence;"
    "we have not taken a position on detection orders",
}
FIRST = "Anna;Ben;Chloe;David;Elena;Farid;Grace;Hugo;Ines;James;Kofi;Lena;Marta;Nils;Omar;Priya"
LAST = "Adler;Brook;Carvalho;Duval;Evans;Fischer;Garcia;Haddad;Ito;Jensen;Kowalski;Lind;Moreau"
ORG_WORDS = "Open;Safe;Digital;Civic;Child;Future;Secure;Bright;North;Common;Clear;Free"
ORG_KINDS = "Foundation;Institute;Alliance;Labs;Network;Trust;Coalition;Group;Council"
OUTLET_A = "Daily;Evening;Northern;Metro;Global;Tech;Capital;Harbor;Valley;Coastal;Digital"
OUTLET_B = "Ledger;Chronicle;Post;Observer;Wire;Review;Herald;Times;Journal;Gazette;Standard"


def _split(text: str) -> list[str]:
    return text.split(";")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


class TextMaker:
    """Sentences from the vocabulary above, pooled per theme; articles are drawn from pools."""

    def __init__(self, rng: np.random.Generator, pool: int = 3000) -> None:
        self.rng = rng
        self.themes = len(THEMES)
        self.pools = [[self._sentence(t) for _ in range(pool)] for t in range(self.themes)]
        self.mean_words = np.mean([len(s.split()) for s in self.pools[0]])
        self.stance = {k: _split(v) for k, v in STANCE_LINES.items()}

    def _pick(self, text: str) -> str:
        options = _split(text)
        return options[int(self.rng.integers(len(options)))]

    def _sentence(self, theme: int) -> str:
        subject, verb, obj, tail = THEMES[theme]
        return f"{_cap(self._pick(subject))} {self._pick(verb)} {self._pick(obj)} " + (
            f"{self._pick(tail)}."
        )

    def sentence(self, theme: int) -> str:
        pool = self.pools[theme]
        return pool[int(self.rng.integers(len(pool)))]

    def article(self, theme: int, words: int) -> str:
        count = max(2, round(words / self.mean_words))
        # mostly the document's theme, some of a second one, some background
        themes = self.rng.choice(
            [theme, (theme + 1 + int(self.rng.integers(self.themes - 2))) % self.themes, 7],
            size=count,
            p=[0.6, 0.15, 0.25],
        )
        picks = self.rng.integers(0, len(self.pools[0]), count)
        return " ".join(self.pools[t][p] for t, p in zip(themes, picks, strict=True))

    def title(self, theme: int) -> str:
        subject, verb, obj, _ = THEMES[theme]
        return f"{_cap(self._pick(subject))} {self._pick(verb)} {self._pick(obj)}"

    def evidence(self, name: str, target: str, polarity: str) -> str:
        lines = self.stance[(target, polarity)]
        return f"{name} said: {lines[int(self.rng.integers(len(lines)))]}"

    def person_name(self) -> str:
        return f"{self._pick(FIRST)} {self._pick(LAST)}"

    def org_name(self) -> str:
        return f"{self._pick(ORG_WORDS)} {self._pick(ORG_WORDS)} {self._pick(ORG_KINDS)}"

    def outlet_name(self, i: int) -> str:
        a, b = _split(OUTLET_A), _split(OUTLET_B)
        return f"The {a[i % len(a)]} {b[(i // len(a)) % len(b)]}" + (f" {i}" if i > 120 else "")
