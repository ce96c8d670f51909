"""A self-contained HTML drift report: a summary table and one histogram per column.

Inline SVG and CSS only, no scripts or external assets, so the file can be mailed, attached
to a CI run or opened offline years later and still look the same.
"""

import html
from datetime import UTC, datetime

from monitoring.drift import ColumnDrift, DatasetDrift, Histogram

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1100px}
table{border-collapse:collapse;margin:1rem 0}td,th{padding:.3rem .7rem;border-bottom:1px solid #ddd;text-align:left}
.drift{color:#b00020;font-weight:600}.ok{color:#1b5e20}
.card{border:1px solid #ddd;border-radius:6px;padding:1rem;margin:1rem 0}
.legend span{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px;vertical-align:middle}
small{color:#666}
"""
_REF, _CUR = "#5c6bc0", "#ff7043"


def _svg(histogram: Histogram, width: int = 640, height: int = 180) -> str:
    bins = len(histogram.labels)
    if bins == 0:
        return ""
    top = max([*histogram.reference, *histogram.current, 1e-12])
    slot = width / bins
    bars: list[str] = []
    for i, (label, ref, cur) in enumerate(zip(histogram.labels, histogram.reference, histogram.current, strict=True)):
        for offset, share, colour in ((0.1, ref, _REF), (0.5, cur, _CUR)):
            bar = share / top * (height - 20)
            bars.append(
                f'<rect x="{i * slot + offset * slot:.1f}" y="{height - 20 - bar:.1f}" width="{slot * 0.4:.1f}" '
                f'height="{bar:.1f}" fill="{colour}"><title>{html.escape(label)}: reference {ref:.2%}, '
                f"current {cur:.2%}</title></rect>"
            )
    first, last = html.escape(histogram.labels[0]), html.escape(histogram.labels[-1])
    bars.append(f'<text x="0" y="{height - 4}" font-size="11">{first}</text>')
    bars.append(f'<text x="{width}" y="{height - 4}" font-size="11" text-anchor="end">{last}</text>')
    return f'<svg width="{width}" height="{height}" role="img">{"".join(bars)}</svg>'


def _card(column: ColumnDrift) -> str:
    verdict = '<span class="drift">DRIFT</span>' if column.drifted else '<span class="ok">no drift</span>'
    stats = ", ".join(f"{name} = {value:.4g}" for name, value in column.statistics.items())
    new = ""
    if column.new_categories:
        listed = ", ".join(f"{html.escape(k)} ({v:.1%})" for k, v in list(column.new_categories.items())[:20])
        new = f"<p>New categories: {listed}</p>"
    assert column.histogram is not None
    return (
        f'<div class="card"><h3>{html.escape(column.column)} <small>{column.kind}</small> {verdict}</h3>'
        f"<p>{column.method} = {column.score:.4g} (threshold {column.threshold:.4g}); {stats}</p>"
        f"<p><small>rows {column.reference_rows:,} / {column.current_rows:,}; "
        f"NaN {column.reference_nan:,} / {column.current_nan:,} (reference / current)</small></p>"
        f'{new}<div class="legend"><span style="background:{_REF}"></span>reference'
        f'<span style="background:{_CUR}"></span>current</div>{_svg(column.histogram)}</div>'
    )


def render_html(report: DatasetDrift, reference_name: str, current_name: str) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(c.column)}</td><td>{c.kind}</td><td>{c.method}</td><td>{c.score:.4g}</td>"
        f"<td>{c.threshold:.4g}</td><td class={'drift' if c.drifted else 'ok'}>{'DRIFT' if c.drifted else 'ok'}</td>"
        f"<td>{c.reference_nan:,} / {c.current_nan:,}</td></tr>"
        for c in report.columns
    )
    verdict = "DRIFT" if report.drifted else "no drift"
    created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Drift report</title><style>{_STYLE}</style></head>"
        f"<body><h1>Drift report: <span class={'drift' if report.drifted else 'ok'}>{verdict}</span></h1>"
        f"<p>{len(report.drifted_columns)} of {len(report.columns)} columns drifted ({report.share_drifted:.0%}); "
        f"the dataset drifts at &ge; {report.drift_share:.0%}.<br><small>reference {html.escape(reference_name)}, "
        f"current {html.escape(current_name)}, {created}. p-value methods (ks, chi2) drift below their threshold, "
        f"distances (psi, wasserstein, jensenshannon) at or above it.</small></p>"
        f"<table><tr><th>column</th><th>kind</th><th>method</th><th>score</th><th>threshold</th><th>verdict</th>"
        f"<th>NaN ref / cur</th></tr>{rows}</table>"
        + "".join(_card(column) for column in report.columns)
        + "</body></html>"
    )
