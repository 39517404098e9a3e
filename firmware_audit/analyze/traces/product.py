"""Product definition files and the identity written in them.

Where a firmware layout keeps the product's identity: Xiongmai's `/mnt/custom/ProductDefinition`, a
JSON object with the OEM id, vendor, model and hardware.

The file's layout is the maker's whatever the labels inside say: a `ProductDefinition` re-labelled with
another brand is the rebranding itself. The finding lists the identity fields as written.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, ClassVar

from firmware_audit.analyze.traces._common import clip, file_name, source_evidence, trace_finding
from firmware_audit.model import Evidence, IssueKind, Location
from firmware_audit.signatures.traces import signatures

if TYPE_CHECKING:
    from collections.abc import Iterator

    from firmware_audit.analyze.context import FileContext
    from firmware_audit.extract import Node
    from firmware_audit.model import Finding

RULE = "trace/product-definition"
MAX_SIZE = 64 * 1024


class ProductDefinitionAnalyzer:
    """The product definition files of `traces/files.toml`, read as JSON."""

    name: ClassVar[str] = "trace-product"
    version: ClassVar[str] = "1.0"

    def applies_to(self, node: Node) -> bool:
        """Files named like a product definition, of a plausible size."""
        name = node.path.rsplit("/", 1)[-1]
        return 0 < node.size <= MAX_SIZE and any(p.name == name for p in signatures().products)

    def analyze(self, ctx: FileContext) -> Iterator[Finding]:
        """One finding with the identity fields of the product definition."""
        row = next(p for p in signatures().products if p.name == file_name(ctx))
        try:
            content = json.loads(ctx.data().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            ctx.issue(IssueKind.MALFORMED, f"{row.name} is not the JSON object its layout has: {exc}")
            return
        if not isinstance(content, dict):
            ctx.issue(IssueKind.MALFORMED, f"{row.name} is not the JSON object its layout has")
            return
        # Keys are matched ignoring case: layouts write "HardWare" and "Hardware" alike.
        keys = {str(key).casefold(): key for key in content}
        fields = [
            (keys[key.casefold()], clip(str(content[keys[key.casefold()]]), 80))
            for key in row.fields
            if key.casefold() in keys
        ]
        shown = "; ".join(f"{key}: {value}" for key, value in fields) or "no identity field"
        here = Location(path=ctx.node.path)
        yield trace_finding(
            ctx,
            rule=RULE,
            key=row.id,
            kind="product-definition",
            title=clip(f"{row.vendor} product definition: {shown}", 120),
            detail=f"{row.vendor} product definition file ({row.name}): {shown}",
            evidence=(
                source_evidence(ctx, f"{row.id} ({row.ref})", row.sources),
                *(Evidence(kind="field", value=f"{key}: {value}", location=here) for key, value in fields),
            ),
            vendor=row.vendor,
            confidence=0.9,
        )
