"""Building blocks of the self-contained HTML pages: escaping, the page shell and its style.

Everything in a report that came from the firmware (names, strings, labels, evidence) is hostile text.
`esc` is the one way text enters a page; the page carries a Content-Security-Policy that allows no
script, no external resource and no form, so a mistake elsewhere still cannot run anything.
"""

from __future__ import annotations

import html
import re

from firmware_audit.model import Outcome

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'"

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1em 2em;color:#1d232a}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1.6em 0 .5em;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;width:100%;margin:.4em 0}
th,td{text-align:left;vertical-align:top;padding:.25em .5em;border-bottom:1px solid #eaeef2}
th{background:#f6f8fa;font-weight:600}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}
pre{white-space:pre-wrap;word-break:break-all;margin:0;background:#f6f8fa;padding:.3em .5em}
.mono{word-break:break-all}
.muted{color:#57606a}
.badge{display:inline-block;padding:.1em .6em;border-radius:1em;font-weight:600;color:#fff}
.accept{background:#1a7f37}.review{background:#9a6700}.reject{background:#cf222e}.error{background:#6e7781}
.sev{display:inline-block;min-width:5.5em;text-align:center;border-radius:.3em;font-size:12px;color:#fff}
.sev-info{background:#6e7781}.sev-low{background:#0969da}.sev-medium{background:#9a6700}
.sev-high{background:#cf222e}.sev-critical{background:#82071e}
.decision{border:2px solid;border-radius:.5em;padding:.6em 1em;margin:1em 0}
.decision.accept{border-color:#1a7f37;background:#dafbe1;color:inherit}
.decision.review{border-color:#9a6700;background:#fff8c5;color:inherit}
.decision.reject{border-color:#cf222e;background:#ffebe9;color:inherit}
.bar{display:inline-block;width:160px;height:.8em;background:#ffcecb;vertical-align:middle;border-radius:.2em}
.bar>span{display:block;height:100%;background:#4ac26b;border-radius:.2em}
ul.tree{list-style:none;padding-left:1.2em;margin:0}ul.tree li{margin:.15em 0}
details{border:1px solid #d0d7de;border-radius:.4em;margin:.4em 0;padding:.3em .6em}
summary{cursor:pointer}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em;margin:.4em 0}
dl.kv dt{color:#57606a}dl.kv dd{margin:0;word-break:break-all}
svg text{font:12px system-ui,sans-serif}
"""


def esc(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute, making control characters visible."""
    text = str(value).encode("utf-8", "backslashreplace").decode("utf-8")
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return html.escape(text, quote=True)


def page(title: str, body: str) -> str:
    """A complete HTML document: the escaped title, the inline style and the given (already safe) body."""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def outcome_badge(outcome: Outcome | str | None) -> str:
    """A coloured badge for a decision (or `error`, or a dash when there is none)."""
    if outcome is None:
        return '<span class="muted">no policy</span>'
    value = outcome.value if isinstance(outcome, Outcome) else str(outcome)
    css = value if value in {o.value for o in Outcome} else "error"
    return f'<span class="badge {css}">{esc(value)}</span>'


def share_bar(explained: float) -> str:
    """A small bar: green for the explained share, red for the rest."""
    pct = max(0.0, min(1.0, explained)) * 100
    return f'<span class="bar" title="{pct:.1f}% explained"><span style="width:{pct:.1f}%"></span></span>'


def size(n: int) -> str:
    """A byte count for people."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{n} B"
