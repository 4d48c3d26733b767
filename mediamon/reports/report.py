"""`mediamon report`: one self-contained HTML file with the corpus's findings as charts.

No script and no external resource: inline CSS and inline SVG, and a Content-Security-Policy
that forbids any fetch, so the report opens offline and quoted web text cannot reach out.
Every piece of corpus text is escaped; links are kept only for http(s) URLs.
"""

import datetime as dt
import logging
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any, BinaryIO

import duckdb

from mediamon.corpus.connection import database_file
from mediamon.corpus.findings import (
    Evidence,
    date_provenance,
    languages,
    monthly_documents,
    named_rows,
    stance_targets,
    summary,
    top_actors,
)
from mediamon.corpus.timeline import Filters, undated_stories
from mediamon.reports.charts import (
    bars_svg,
    chart_panels,
    columns_svg,
    esc,
    plural,
    timeline_svg,
)
from mediamon.reports.files import check_target, write_bytes

logger = logging.getLogger(__name__)


def _link(url: str | None, text: str) -> str:
    # only web links: corpus URLs are untrusted and javascript: or data: must not become links
    if url and url.lower().startswith(("http://", "https://")):
        return f'<a href="{esc(url)}" rel="noopener noreferrer nofollow">{esc(text)}</a>'
    return esc(text)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


def _figure(label: str, value: Any) -> str:
    shown = f"{value:,}" if isinstance(value, int) else esc(value)
    return f'<div class="figure"><b>{shown}</b><span>{esc(label)}</span></div>'


def _chart(svg: str) -> str:
    return f'<figure class="chart">{svg}</figure>'


def _actor_html(actor: dict[str, Any], evidence: list[Evidence]) -> str:
    counts = "; ".join(
        f"{esc(t)}: {f} for, {a} against, {n} neutral" for t, f, a, n in actor["targets"]
    )
    parts = [
        f'<div class="actor"><h3>{esc(actor["name"])} <span class="muted">'
        f"({esc(actor['type'] or 'unknown type')})</span></h3>",
        f'<p class="muted">{plural(actor["stories"], "story", "stories")} with a stance — '
        f"{counts}</p>",
    ]
    for ev in evidence:
        when = ev.published_at.isoformat() if ev.published_at else "undated"
        source = f"{when} · {esc(ev.source_id or '')} · {esc(ev.basis)} · "
        parts.append(
            f'<blockquote><span class="pill {esc(ev.polarity)}">{esc(ev.target)}: '
            f"{esc(ev.polarity)}</span> {esc(_clip(ev.text, 400))}"
            f'<span class="src">{source}{_link(ev.url, ev.title or ev.url or "article")}</span>'
            "</blockquote>"
        )
    return "\n".join([*parts, "</div>"])


def _languages_html(rows: list[dict[str, Any]], documents: int) -> list[str]:
    """Documents per language, and how many were left untagged: the pipeline reads English
    only, so actors and stances say nothing about documents in other languages."""
    untagged = sum(r["not_tagged"] for r in rows)
    return [
        '<h2 id="languages">Languages</h2>',
        f"<p>{untagged:,} of {documents:,} documents are in a language the tagging pipeline does "
        "not read (or could not be determined) and were not tagged: no actor, quote or stance "
        "above comes from them. Their language is detected from the text.</p>"
        if untagged
        else "<p>No document was left untagged for its language.</p>",
        '<table><tr><th>language</th><th class="num">documents</th>'
        '<th class="num">tagged</th><th class="num">not tagged</th></tr>',
        *(
            f"<tr><td>{esc(r['language'])}</td><td class='num'>{r['documents']:,}</td>"
            f"<td class='num'>{r['tagged']:,}</td><td class='num'>{r['not_tagged']:,}</td></tr>"
            for r in rows
        ),
        "</table>",
    ]


def build_report(con: duckdb.DuckDBPyConnection, freq: str = "month", top: int = 12) -> str:
    s = summary(con)
    undated_share = s["undated"] / s["documents"] if s["documents"] else 0.0
    undated_stance, _ = undated_stories(con, Filters(freq=freq, by="all"))
    span = f"{s['first']} to {s['last']}" if s["first"] else "no dated documents"
    # every chart over time shares the corpus's span, so they line up
    axis = (s["first"], s["last"]) if s["first"] else None
    body = [
        "<h1>Corpus report</h1>",
        f'<p class="lead">Publication dates {esc(span)}. Counts are stories: a syndicated '
        "article and its copies count once. Undated documents cannot be placed in time and are "
        "left out of the charts over time.</p>",
        '<nav><a href="#stance">Stance over time</a><a href="#types">By actor type</a>'
        '<a href="#sources">Sources</a><a href="#actors">Top actors</a>'
        '<a href="#dates">Date coverage</a><a href="#languages">Languages</a></nav>',
        '<div class="figures">',
        _figure("documents", s["documents"]),
        _figure("stories", s["stories"]),
        _figure("dated", s["dated"]),
        _figure("undated share", f"{undated_share:.1%}"),
        _figure("sources", s["sources"]),
        _figure("stances", s["stances"]),
        _figure("actors with a stance", s["actors_with_stance"]),
        "</div>",
        '<h2 id="stance">Stance over time, per target</h2>',
        _chart(
            timeline_svg(
                chart_panels(con, Filters(freq=freq, by="all")),
                freq,
                title="Stories with an actor for (up) and against (down)",
                note=f"per {freq}; "
                f"{plural(undated_stance, 'undated story', 'undated stories')} left out",
                span=axis,
            )
        ),
        '<h2 id="types">Stance over time, per actor type</h2>',
    ]
    targets = stance_targets(con)
    for target in targets:
        panels = chart_panels(con, Filters(freq=freq, by="actor_type", target=target))
        body.append(_chart(timeline_svg(panels, freq, title=f"{target}, by actor type", span=axis)))
    if not targets:
        body.append('<p class="muted">No stances yet: run mediamon tag.</p>')

    sources = named_rows(con, "coverage_by_source")
    shown = sources[:25]
    items = [(r["source_name"] or r["source_id"], r["dated"], r["undated"]) for r in shown]
    rest = sources[25:]
    if rest:
        others = (f"{len(rest)} other sources", sum(r["dated"] for r in rest),
                  sum(r["undated"] for r in rest))  # fmt: skip
        items.append(others)
    body += [
        '<h2 id="sources">Volume by source</h2>',
        _chart(bars_svg(items, "Documents per source", ("dated", "undated"))),
    ]
    leaders = top_actors(con, top)
    body += [
        '<h2 id="actors">Top actors and their words</h2>',
        f'<p class="muted">The {len(leaders)} actors with a stance in the most stories, with '
        "the most confident evidence for each target and side.</p>",
        *(_actor_html(actor, ev) for actor, ev in leaders),
    ]

    monthly = monthly_documents(con)
    provenance = date_provenance(con)
    body += [
        '<h2 id="dates">Date coverage</h2>',
        f"<p>{s['dated']:,} of {s['documents']:,} documents have a publication date; "
        f"<b>{undated_share:.1%}</b> are undated ({s['undated']:,}).</p>",
        _chart(columns_svg(monthly, "Dated documents per month")),
        "<h3>Where the dates come from</h3>",
        '<table><tr><th>date source</th><th class="num">documents</th>'
        '<th class="num">share</th></tr>',
        *(
            f"<tr><td>{esc(r['date_source'])}</td><td class='num'>{r['documents']:,}</td>"
            f"<td class='num'>{r['documents'] / max(s['documents'], 1):.1%}</td></tr>"
            for r in provenance
        ),
        "</table>",
    ]
    body += _languages_html(languages(con), s["documents"])
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    template = Template(
        resources.files("mediamon.reports").joinpath("report_template.html").read_text()
    )
    return template.substitute(
        title="mediamon corpus report",
        body="\n".join(body),
        footer=f"Generated by mediamon on {generated}. Every figure can be traced with the "
        "named queries (mediamon query --list), e.g. timeline_cell_documents.",
    )


def write_report(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    freq: str = "month",
    top: int = 12,
    stream: BinaryIO | None = None,
) -> str:
    """Write the report to path (`-`: to stream); return a one-line summary of what it holds.

    Written whole or not at all, and never over the corpus or another database.
    """
    Filters(freq=freq).check()
    corpus = database_file(con)
    check_target(path, corpus)
    page = build_report(con, freq=freq, top=top)
    write_bytes(path, page.encode("utf-8"), corpus, stream)
    charts = page.count("<svg ")
    return f"{charts} charts, {len(page) / 1024:.0f} KB"
