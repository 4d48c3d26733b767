"""`mediamon report`: one self-contained HTML file with the corpus's findings as charts.

No script and no external resource: inline CSS and inline SVG, and a Content-Security-Policy
that forbids any fetch, so the report opens offline and quoted web text cannot reach out.
Every piece of corpus text is escaped; links are kept only for http(s) URLs.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

import duckdb

from mediamon import queries
from mediamon.corpus.export import (
    FAVOR,
    INK,
    ExportError,
    Filters,
    chart_panels,
    esc,
    periods_between,
    plural,
    svg_open,
    timeline_svg,
    undated_stories,
)

logger = logging.getLogger(__name__)


@dataclass
class Evidence:
    target: str
    polarity: str
    text: str
    basis: str
    title: str | None
    url: str | None
    published_at: dt.date | None
    source_id: str | None


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> Any:
    cursor = con.execute(sql, params or None)
    columns = [d[0] for d in cursor.description or []]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _named(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> Any:
    named = queries.get(name)
    assert named is not None, name
    defaults = {p.name: None for p in named.params}
    return _rows(con, named.sql, {**defaults, **params})


def summary(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    return _rows(
        con,
        "SELECT count(*) AS documents, count(published_at) AS dated, "
        "count(*) - count(published_at) AS undated, "
        "count(DISTINCT coalesce(cluster_id, doc_id)) AS stories, "
        "count(DISTINCT source_id) AS sources, min(published_at) AS first, "
        "max(published_at) AS last, "
        "(SELECT count(*) FROM stances) AS stances, "
        "(SELECT count(DISTINCT actor_id) FROM stances) AS actors_with_stance "
        "FROM documents",
    )[0]


_TOP_ACTORS = """
WITH counted AS (
    SELECT s.actor_id, s.target, s.polarity, coalesce(d.cluster_id, d.doc_id) AS story
    FROM stances s JOIN documents d USING (doc_id)
),
top AS (
    SELECT actor_id, count(DISTINCT story) AS stories FROM counted
    GROUP BY actor_id ORDER BY stories DESC, actor_id LIMIT $top
)
SELECT t.actor_id, coalesce(a.name, t.actor_id) AS name, a.type, t.stories, c.target,
       count(DISTINCT c.story) FILTER (WHERE c.polarity = 'favor') AS favor,
       count(DISTINCT c.story) FILTER (WHERE c.polarity = 'against') AS against,
       count(DISTINCT c.story) FILTER (WHERE c.polarity = 'neutral') AS neutral
FROM top t JOIN counted c USING (actor_id) LEFT JOIN actors a USING (actor_id)
GROUP BY ALL
ORDER BY t.stories DESC, t.actor_id, c.target
"""

# the most confident evidence per actor, target and polarity, so that both sides show
_EVIDENCE = """
SELECT * FROM (
    SELECT s.actor_id, s.target, s.polarity, s.evidence AS text, s.basis, d.title, d.url,
           d.published_at, d.source_id, s.confidence,
           row_number() OVER (PARTITION BY s.actor_id, s.target, s.polarity
                              ORDER BY s.basis = 'quote' DESC, s.confidence DESC NULLS LAST,
                                       d.published_at DESC NULLS LAST, d.doc_id) AS nth
    FROM stances s JOIN documents d USING (doc_id)
    WHERE s.actor_id IN (SELECT unnest($actors)) AND s.evidence IS NOT NULL
)
WHERE nth = 1
ORDER BY actor_id, confidence DESC NULLS LAST
"""

_MONTHLY = """
SELECT date_trunc('month', published_at)::DATE AS month, count(*) AS documents
FROM documents WHERE published_at IS NOT NULL GROUP BY 1 ORDER BY 1
"""


def top_actors(
    con: duckdb.DuckDBPyConnection, top: int
) -> list[tuple[dict[str, Any], list[Evidence]]]:
    rows = _rows(con, _TOP_ACTORS, {"top": top})
    actors: dict[str, dict[str, Any]] = {}
    for row in rows:
        actor = actors.setdefault(row["actor_id"], {**row, "targets": []})
        actor["targets"].append((row["target"], row["favor"], row["against"], row["neutral"]))
    evidence: dict[str, list[Evidence]] = {a: [] for a in actors}
    for row in _rows(con, _EVIDENCE, {"actors": list(actors)}):
        if len(evidence[row["actor_id"]]) < 4:
            fields = {k: row[k] for k in Evidence.__dataclass_fields__}
            evidence[row["actor_id"]].append(Evidence(**fields))
    return [(actor, evidence[actor_id]) for actor_id, actor in actors.items()]


def columns_svg(points: dict[dt.date, int], title: str, width: int = 960) -> str:
    """Documents per month as columns, empty months as gaps."""
    left, right, top, plot_h = 56, 16, 40, 140
    out = svg_open(width, top + plot_h + 30, title)
    if not points:
        out.append(f'<text x="{left}" y="{top + 40}" fill="#666">No dated documents.</text>')
        return "\n".join([*out, "</svg>"])
    periods = periods_between(min(points), max(points), "month")
    step = (width - left - right) / len(periods)
    peak = max(points.values())
    base = top + plot_h
    out.append(f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" fill="#666">{peak:,}</text>')
    out.append(f'<line x1="{left}" x2="{width - right}" y1="{base}" y2="{base}" stroke="#ccc"/>')
    for i, month in enumerate(periods):
        count = points.get(month, 0)
        h = plot_h * count / peak
        x = left + i * step
        out.append(
            f"<g><title>{month:%Y-%m}: {count} documents</title>"
            f'<rect x="{x:.2f}" y="{base - h:.2f}" width="{max(step - 1, 0.6):.2f}" '
            f'height="{h:.2f}" fill="{FAVOR}"/></g>'
        )
        if month.month == 1 or i == 0:
            out.append(f'<text x="{x:.1f}" y="{base + 16}" fill="#666">{month.year}</text>')
    return "\n".join([*out, "</svg>"])


def bars_svg(
    items: list[tuple[str, int, int]], title: str, labels: tuple[str, str], width: int = 960
) -> str:
    """Horizontal bars, each in two parts (dated and undated documents)."""
    left, top, row = 230, 50, 20
    peak = max([a + b for _, a, b in items] + [1])
    scale = (width - left - 80) / peak
    out = svg_open(width, top + max(1, len(items)) * row + 20, title)
    out.append(
        f'<rect x="{left}" y="30" width="10" height="10" fill="{FAVOR}"/>'
        f'<text x="{left + 14}" y="39">{esc(labels[0])}</text>'
        f'<rect x="{left + 110}" y="30" width="10" height="10" fill="#aaa"/>'
        f'<text x="{left + 124}" y="39">{esc(labels[1])}</text>'
    )
    for n, (label, a, b) in enumerate(items):
        y = top + n * row
        short = label if len(label) <= 34 else label[:33] + "…"
        out.append(
            f"<g><title>{esc(label)}: {a} {esc(labels[0])}, {b} {esc(labels[1])}</title>"
            f'<text x="{left - 6}" y="{y + 13}" text-anchor="end" fill="{INK}">{esc(short)}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{a * scale:.1f}" height="{row - 6}" '
            f'fill="{FAVOR}"/><rect x="{left + a * scale:.1f}" y="{y + 3}" '
            f'width="{b * scale:.1f}" height="{row - 6}" fill="#aaa"/>'
            f'<text x="{left + (a + b) * scale + 4:.1f}" y="{y + 13}" fill="#666">'
            f"{a + b}</text></g>"
        )
    return "\n".join([*out, "</svg>"])


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
        '<a href="#dates">Date coverage</a></nav>',
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
    targets = [
        r[0] for r in con.execute("SELECT DISTINCT target FROM stances ORDER BY 1").fetchall()
    ]
    for target in targets:
        panels = chart_panels(con, Filters(freq=freq, by="actor_type", target=target))
        body.append(_chart(timeline_svg(panels, freq, title=f"{target}, by actor type", span=axis)))
    if not targets:
        body.append('<p class="muted">No stances yet: run mediamon tag.</p>')

    sources = _named(con, "coverage_by_source")
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

    monthly = {r["month"]: r["documents"] for r in _rows(con, _MONTHLY)}
    provenance = _rows(
        con,
        "SELECT coalesce(date_source, '(undated)') AS date_source, count(*) AS documents "
        "FROM documents GROUP BY 1 ORDER BY 2 DESC, 1",
    )
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
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    template = Template(
        resources.files("mediamon.corpus").joinpath("report_template.html").read_text()
    )
    return template.substitute(
        title="mediamon corpus report",
        body="\n".join(body),
        footer=f"Generated by mediamon on {generated}. Every figure can be traced with the "
        "named queries (mediamon query --list), e.g. timeline_cell_documents.",
    )


def write_report(
    con: duckdb.DuckDBPyConnection, path: Path, freq: str = "month", top: int = 12
) -> str:
    """Write the report; return a one-line summary of what it holds."""
    Filters(freq=freq).check()
    if path.is_dir() or not path.parent.exists():
        raise ExportError(f"cannot write {path}: give a file in an existing folder with -o")
    page = build_report(con, freq=freq, top=top)
    path.write_text(page, encoding="utf-8")
    charts = page.count("<svg ")
    return f"{charts} charts, {len(page) / 1024:.0f} KB"
