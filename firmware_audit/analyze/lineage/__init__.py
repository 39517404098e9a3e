"""Code lineage: whose build each ELF file is, after every name has been scrubbed.

`digest` makes fuzzy digests of a file (TLSH of the whole file, masked digests of its functions),
`index` reads the reference indexes (shipped and local), `match` compares, `components` recognises
open-source components (never a maker's code), `reference` adds an image to an index, and
`analyzer` turns it all into `lineage` findings.
"""

from firmware_audit.analyze.lineage.analyzer import LineageAnalyzer

__all__ = ["LineageAnalyzer"]
