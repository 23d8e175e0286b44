"""The QA report as a Word board paper (core/word.py, on the council's template) and as an
Excel workbook of the figures with native charts (core/excel.py)."""

import io

from qaweb.core.excel import BarChart, Column, Sheet
from qaweb.core.summaries import Count
from qaweb.core.word import FOR_DECISION, FOR_INFORMATION, WordPaper
from qaweb.qa_report.models import PARTS, SUBMITTED, QAReport
from qaweb.qa_report.sections import SectionReport

CHART_COLOUR = "#1d70b8"


def _value(value, suffix: str) -> str:
    return "–" if value is None else f"{value}{suffix}"


def heads(report: QAReport) -> tuple[str, str, str]:
    period = report.period
    return (period.short_label, period.previous().short_label, period.year_before().short_label)


def chart_png(title: str, counts) -> bytes | None:
    """A horizontal bar chart of (label, count) as a PNG, or None when there is nothing to
    draw. matplotlib's object interface (no pyplot), so it is safe in a web worker."""
    counts = list(counts)
    if not any(c.count for c in counts):
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.3, 0.45 * len(counts) + 1.1), dpi=150)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    labels = [c.label if len(c.label) <= 40 else c.label[:39] + "…" for c in counts]
    values = [c.count for c in counts]
    bars = axes.barh(labels[::-1], values[::-1], color=CHART_COLOUR)
    axes.bar_label(bars, padding=3, fontsize=8)
    axes.set_title(title, fontsize=10, loc="left")
    axes.tick_params(labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    axes.xaxis.get_major_locator().set_params(integer=True)
    figure.tight_layout()
    # tight_layout leaves a placeholder layout engine, which makes savefig lay the figure
    # out a second time before drawing it; the layout is done, so none is needed.
    figure.set_layout_engine(None)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    figure.clear()
    return out.getvalue()


def docx_bytes(report: QAReport, sections: list[SectionReport], downloaded_by: str) -> bytes:
    """The board paper: a title page, contents, then each section's comparison table, its
    chart, its lists and tables, and the QA officer's analysis; A4 with page numbers. A
    ``report`` not saved (no ``id``: the evidence pack's stand-in for a quarter nobody
    started) says "No analysis was written" on its title page and in each section."""
    title = f"Quality assurance report: {report.period.label}"
    word = WordPaper.for_council(title, downloaded_by, subject=report.scope_label)
    word.heading(title, 0)
    purpose = FOR_DECISION if report.status == SUBMITTED else FOR_INFORMATION
    version = report.versions[-1].number if report.versions else None
    word.status_line(
        purpose, report.reference, report.status_label, f"version {version}" if version else ""
    )
    word.paragraph(f"Service area: {report.scope_label}")
    unwritten = getattr(report, "id", None) is None
    if unwritten:
        word.paragraph(
            "No analysis was written: no report was started for this period in qaweb, so "
            "this paper holds its figures only."
        )
    word.paragraph(
        "Each figure is shown beside the previous period and the same period last year. "
        "Percentages are rounded half up."
    )
    word.page_break()
    word.contents([s.title for s in sections])
    word.page_break()
    columns = heads(report)
    for s in sections:
        word.heading(s.title, 1)
        if s.key == "themes":
            if s.ranked:
                word.table(
                    ("Theme", "Times recorded", "Where it came from"),
                    [(t.name, t.count, t.where) for t in s.ranked],
                )
                image = chart_png(
                    "Learning themes, most recorded first",
                    [Count(t.name, t.count) for t in s.ranked[:10]],
                )
                if image:
                    word.picture(image, "Bar chart of the learning themes recorded")
            else:
                word.paragraph("No learning themes were recorded in the period.")
        elif s.current is None:
            word.paragraph(s.section.missing)
        else:
            word.table(
                ("Figure", *columns),
                [
                    (label, _value(now, suffix), _value(prev, suffix), _value(last, suffix))
                    for label, now, prev, last, suffix in s.comparison
                ],
            )
            if s.empty:
                word.paragraph(f"No {s.title.lower()} were recorded in these periods.")
            image = chart_png(s.current.chart_title, s.current.chart)
            if image:
                word.picture(image, f"Bar chart: {s.current.chart_title}")
            for heading, lines in s.current.lists:
                word.heading(heading, 2)
                for line in lines:
                    word.bullet(line)
            for table in s.current.tables:
                word.heading(table.title, 2)
                word.table(table.headers, table.rows)
        _write_analysis(word, report, s.key, unwritten)
    return word.to_bytes()


def _write_analysis(word: WordPaper, report: QAReport, key: str, unwritten: bool) -> None:
    """The QA officer's analysis of section ``key`` under an "Analysis" heading, one
    sub-heading per part written (``PARTS``); "No analysis was written." for an ``unwritten``
    report; nothing when no part of the section's analysis was written."""
    analysis = (report.narrative or {}).get(key) or {}
    if unwritten:
        word.heading("Analysis", 2)
        word.paragraph("No analysis was written.")
    elif any(analysis.values()):
        word.heading("Analysis", 2)
        for part, label in PARTS.items():
            if analysis.get(part):
                word.heading(label, 3)
                word.paragraphs(analysis[part])


def workbook(report: QAReport, sections: list[SectionReport]) -> dict:
    """The figures workbook's contents, as ``core.excel.build_workbook`` keywords: every
    section's comparison rows on the first sheet, a Summary sheet, and a sheet per
    section's chart data with a native bar chart."""
    columns = heads(report)
    rows = []
    for s in sections:
        for label, now, prev, last, suffix in s.comparison:
            rows.append((s.title, label + (" (%)" if suffix else ""), now, prev, last))
    sheets = []
    for s in sections:
        if s.key == "themes" and s.ranked:
            sheets.append(
                Sheet(
                    "Learning themes",
                    [
                        Column("Theme", 40),
                        Column("Times recorded", 14, "number"),
                        Column("Where it came from", 60),
                    ],
                    [(t.name, t.count, t.where) for t in s.ranked],
                    BarChart("Learning themes"),
                )
            )
        elif s.current is not None and [c for c in s.current.chart if c.count]:
            sheets.append(
                Sheet(
                    s.title[:31],
                    [Column(s.current.chart_title[:60], 40), Column("Number", 12, "number")],
                    [(c.label, c.count) for c in s.current.chart],
                    BarChart(s.current.chart_title),
                )
            )
    summary = [
        ("Report", report.reference),
        ("Period", report.period.label),
        ("Service area", report.scope_label),
        ("Status", report.status_label),
    ]
    return dict(
        title="Figures",
        columns=[
            Column("Section", 30),
            Column("Figure", 40),
            Column(columns[0], 22, "number"),
            Column(columns[1], 22, "number"),
            Column(columns[2], 22, "number"),
        ],
        rows=rows,
        summary=summary,
        sheets=sheets,
    )
