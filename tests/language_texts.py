"""Articles about the chat-control debate in German, French and English, written for the tests.

The outlets, people and organisations are fictional.
"""

GERMAN_TITLE = "Chatkontrolle: Abgeordnete warnt vor dem Ende vertraulicher Nachrichten"
GERMAN = """\
Die Pläne der EU-Kommission zur sogenannten Chatkontrolle stoßen im Bundestag auf wachsenden \
Widerstand. Jede Nachricht, jedes Foto und jede Sprachaufnahme müsste nach dem Entwurf \
automatisch durchsucht werden, bevor sie verschlüsselt wird, warnte die Abgeordnete Henrike \
Albers am Dienstag in Berlin.

„Unter dem Deckmantel des Kinderschutzes wird eine Überwachungsinfrastruktur gebaut, die es in \
einer Demokratie nicht geben darf“, sagte Albers. Der Verein Digitale Freiräume schloss sich der \
Kritik an. Sein Sprecher Jonas Petersen erklärte, die Ende-zu-Ende-Verschlüsselung sei der \
einzige wirksame Schutz für Journalisten, Ärzte und Anwälte.

Begrüßt wurde der Vorschlag dagegen vom Kinderschutzbund Nordstadt. Dessen Vorsitzende Marlene \
Haberkorn sagte, die Anbieter von Messengerdiensten müssten endlich Verantwortung übernehmen. \
Ohne eine Pflicht zur Erkennung von Missbrauchsdarstellungen blieben unzählige Taten unentdeckt.

Die Verhandlungen im Rat sollen im Herbst fortgesetzt werden. Mehrere Mitgliedstaaten haben \
bereits angekündigt, dem Entwurf in seiner jetzigen Form nicht zuzustimmen.
"""

FRENCH_TITLE = "Contrôle des conversations : la députée Garnier dénonce une surveillance de masse"
FRENCH = """\
Le projet européen de contrôle des conversations continue de diviser le Parlement. Chaque \
message, chaque photo et chaque vidéo envoyés sur une messagerie chiffrée devraient être analysés \
avant leur envoi, selon le texte examiné cette semaine à Bruxelles.

« Sous prétexte de protéger les enfants, on installe un mouchard dans tous les téléphones », a \
déclaré la députée Solène Garnier lors d'une conférence de presse. Le Collectif Clé Privée, qui \
défend le chiffrement de bout en bout, a lancé une pétition qui aurait déjà recueilli plusieurs \
milliers de signatures.

Bastien Lefort, porte-parole de l'association Enfance Protégée Loire, estime au contraire que \
les plateformes ne peuvent plus fermer les yeux. Selon lui, les signalements d'images d'abus \
diminueraient fortement si les messageries généralisaient le chiffrement sans contrepartie.

Les ministres doivent se prononcer avant la fin de l'année, mais aucune majorité ne se dessine \
pour l'instant au Conseil.
"""

ENGLISH_TITLE = "Messenger encryption plan divides child-safety and privacy groups"
ENGLISH = """\
The plan to scan encrypted messages for child sexual abuse material divided campaigners again \
on Tuesday. Priya Ramsden, director of the Open Wires Trust, said that end-to-end encryption \
protects children as much as anyone, and that client-side scanning would weaken it for everyone.

The Harbourside Child Safety Network disagreed. Its chair, Tobias Wren, said platforms must \
keep detecting abuse material even when messages are encrypted, and urged ministers to back \
the regulation. The debate over the proposal is expected to continue in the autumn.
"""


def page(title: str, body: str, lang: str = "en-GB", outlet: str = "Rheinufer Rundschau") -> str:
    """A plain article page; its html lang is the template's, whatever the text's language."""
    paragraphs = "\n".join(f"<p>{p.strip()}</p>" for p in body.split("\n\n") if p.strip())
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head><meta charset="utf-8">'
        f"<title>{title} | {outlet}</title>"
        f'<meta property="og:site_name" content="{outlet}"></head>\n'
        f"<body><header><nav><a href='/'>Start</a></nav></header>\n"
        f"<main><article><h1>{title}</h1>\n{paragraphs}\n</article></main>\n"
        f"<footer>{outlet}</footer></body></html>\n"
    )
