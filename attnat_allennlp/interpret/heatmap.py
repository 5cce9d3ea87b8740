"""
A self-contained HTML page (inline CSS, figures as data: URIs, no external assets) with a heat map
of attention over the words of each example and the gradient importance beside it.
"""

import base64
import html
from typing import Any, Dict, List, Optional, Sequence

_STYLE = """
body { font-family: sans-serif; margin: 1.5em; color: #111; background: #fff; }
h1 { font-size: 1.3em; }
.legend span, .tok { padding: 0.1em 0.2em; margin: 0 0.05em; border-radius: 3px; }
.example { border-top: 1px solid #ddd; padding: 0.6em 0; }
.meta { font-size: 0.85em; color: #444; margin-bottom: 0.3em; }
.wrong { color: #b91c1c; font-weight: bold; }
table { border-collapse: collapse; }
td.name { font-size: 0.8em; color: #555; padding-right: 0.8em; vertical-align: top; white-space: nowrap; }
td.words { line-height: 1.9em; }
img { max-width: 100%; border: 1px solid #eee; margin: 0.5em 0; }
"""

# RGB of the attention and the gradient rows.
_COLOURS = {"attention": (220, 38, 38), "gradient": (37, 99, 235)}


def render_token_cells(tokens: Sequence[str], values: Sequence[float], colour) -> str:
    """The tokens as HTML spans shaded in `colour` (RGB) by their value relative to the largest."""
    top = max(values) if values and max(values) > 0 else 1.0
    spans = []
    for token, value in zip(tokens, values):
        alpha = max(0.0, float(value)) / top
        spans.append(
            f'<span class="tok" title="{value:.4f}" style="background: rgba({colour[0]}, '
            f'{colour[1]}, {colour[2]}, {alpha:.3f})">{html.escape(token)}</span>'
        )
    return " ".join(spans)


def _example(number: int, row: Dict[str, Any]) -> str:
    label, prediction = row.get("label"), row.get("prediction")
    wrong = label is not None and label != prediction
    meta = [f"#{number}"]
    if label is not None:
        meta.append(f"label: {html.escape(str(label))}")
    meta.append(
        f'<span class="{"wrong" if wrong else ""}">prediction: {html.escape(str(prediction))}'
        f" ({row.get('probability', 0.0):.2f})</span>"
    )
    lines = []
    for name in ("attention", "gradient"):
        if row.get(name) is not None:
            lines.append(
                f'<tr><td class="name">{name}</td><td class="words">'
                f"{render_token_cells(row['tokens'], row[name], _COLOURS[name])}</td></tr>"
            )
    return (
        f'<div class="example"><div class="meta">{" &middot; ".join(meta)}</div>'
        f"<table>{''.join(lines)}</table></div>"
    )


def png_data_uri(path: str) -> str:
    with open(path, "rb") as handle:
        return "data:image/png;base64," + base64.b64encode(handle.read()).decode("ascii")


def render_html(
    rows: List[Dict[str, Any]], title: str, figures: Optional[Dict[str, str]] = None
) -> str:
    """
    The page for rows as `report.explain_instances` gives them (`tokens`, `attention`,
    `gradient`, `label`, `prediction`, `probability`); `figures` maps captions to PNG paths, which
    are embedded.
    """
    legend = (
        '<p class="legend">Shade = weight relative to the largest in the row: '
        f'<span style="background: rgba{_COLOURS["attention"] + (0.8,)}">attention</span> '
        f'<span style="background: rgba{_COLOURS["gradient"] + (0.8,)}">gradient importance</span>'
        "</p>"
    )
    images = "".join(
        f'<h2>{html.escape(caption)}</h2><img alt="{html.escape(caption)}" src="{png_data_uri(path)}">'
        for caption, path in (figures or {}).items()
    )
    examples = "".join(_example(number, row) for number, row in enumerate(rows, start=1))
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{legend}{examples}{images}</body></html>"
    )
