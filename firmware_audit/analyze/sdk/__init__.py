"""SDK families and the SoC: which camera, chip, P2P and cloud SDKs a firmware carries, and its chip.

`SdkAnalyzer` is the per-file analyzer (ELF facts through LIEF, symbol and library matching, YARA for
stripped and static code, chip clues); `identify_soc` turns its findings into the verdict's SoC.
"""

from firmware_audit.analyze.sdk.analyzer import SdkAnalyzer
from firmware_audit.analyze.sdk.soc import identify_soc, soc_label

__all__ = ["SdkAnalyzer", "identify_soc", "soc_label"]
