"""Product model numbers of the maker base's makers (`models` of `makers/makers.toml`).

A maker's model numbers (`DS-2CD2042WD`, `IPC-HFW4320B`, `TL-WR841N`) are its own product naming; a
firmware that carries them was built for its products. Searched in the firmware's text files and
programs; one finding per file and maker, every model seen as evidence. In a flattened device tree
the model names the board the kernel boots on (its root node's `model` and `compatible`): the
hardware, which a distribution's build for that board names as much as the maker's own firmware
does, so it is a `board-model`, which never names a maker by itself.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import TYPE_CHECKING, ClassVar

from firmware_audit.analyze import matching
from firmware_audit.analyze.traces._common import (
    ContentTrace,
    clip,
    has_members,
    string_evidence,
    trace_finding,
)
from firmware_audit.extract.formats.fit import MAGIC as FDT_MAGIC
from firmware_audit.signatures.makers import base as maker_base

if TYPE_CHECKING:
    import re
    from collections.abc import Iterator

    from firmware_audit.analyze.context import FileContext
    from firmware_audit.model import Finding
    from firmware_audit.signatures.makers import Maker

RULE = "trace/product-model"
MAX_MODELS = 16


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], Maker], ...]:
    return tuple((pattern, maker) for maker in maker_base().makers for pattern in maker.models)


class ProductModelAnalyzer(ContentTrace):
    """Model numbers of known makers in any file."""

    name: ClassVar[str] = "trace-models"
    version: ClassVar[str] = "1.0"
    patterns: ClassVar[tuple[matching.Patterns, ...]] = (
        matching.Patterns("trace-models", lambda: (pattern for pattern, _ in _patterns())),
    )

    def analyze(self, ctx: FileContext) -> Iterator[Finding]:
        """One finding per maker whose model numbers this file carries."""
        if has_members(ctx):
            return
        hits: dict[str, dict[str, tuple[str, int]]] = defaultdict(dict)
        makers: dict[str, Maker] = {}
        patterns = _patterns()
        texts = ctx.strings()
        # String by string, then pattern by pattern: the first place of a model is the one shown.
        places = sorted(
            (i, p) for p, (pattern, _) in enumerate(patterns) for i in ctx.candidate_indices(pattern)
        )
        for index, number in places:
            text, (pattern, maker) = texts[index], patterns[number]
            if "-" not in text.value and " " not in text.value:
                continue
            for match in pattern.finditer(text.value):
                makers[maker.name] = maker
                hits[maker.name].setdefault(match.group(), (text.value, text.offset))
        for name, models in sorted(hits.items()):
            yield _finding(ctx, makers[name], models)


def _finding(ctx: FileContext, maker: Maker, models: dict[str, tuple[str, int]]) -> Finding:
    shown = list(models)[:MAX_MODELS]
    board = ctx.data()[:4] == FDT_MAGIC  # a flattened device tree
    what = f"{maker.name} {'board in a device tree' if board else 'model numbers'}: {', '.join(shown)}"
    return trace_finding(
        ctx,
        rule=RULE,
        key=maker.name,
        kind="board-model" if board else "product-model",
        title=clip(what, 120),
        detail=what,
        evidence=string_evidence(ctx, (place for model, place in models.items() if model in shown)),
        vendor=maker.name,
        confidence=0.8,
        offset=next(iter(models.values()))[1],
    )
