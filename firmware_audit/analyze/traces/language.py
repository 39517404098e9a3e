"""UI language packs: which languages a firmware's interface ships, and so which market it was built for.

Files named after a language (`SimpChinese.txt`, `English.js`, `lang_ru.json`) are a UI's string tables;
a build that ships only Simplified Chinese was made for the Chinese market. One finding per language.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from firmware_audit.analyze.traces._common import file_name, trace_finding
from firmware_audit.model import Evidence, Location, Severity

if TYPE_CHECKING:
    from collections.abc import Iterator

    from firmware_audit.analyze.context import FileContext
    from firmware_audit.extract import Node
    from firmware_audit.model import Finding

RULE = "trace/ui-language"
LANGUAGES = {
    "simpchinese": ("Simplified Chinese", "CN"),
    "chinese": ("Chinese", "CN"),
    "tradchinese": ("Traditional Chinese", "TW"),
    "english": ("English", ""),
    "russian": ("Russian", "RU"),
    "korean": ("Korean", "KR"),
    "japanese": ("Japanese", "JP"),
    "german": ("German", "DE"),
    "french": ("French", "FR"),
    "spanish": ("Spanish", "ES"),
    "italian": ("Italian", "IT"),
    "portuguese": ("Portuguese", "PT"),
    "polish": ("Polish", "PL"),
    "turkish": ("Turkish", "TR"),
    "vietnamese": ("Vietnamese", "VN"),
    "thai": ("Thai", "TH"),
    "arabic": ("Arabic", ""),
    "hebrew": ("Hebrew", "IL"),
    "persian": ("Persian", "IR"),
}
"""Language names as UI string tables are named, with the country the language points to, if one."""
_NAME = re.compile(r"(?i)(?:lang(?:uage)?[_-]?)?([a-z]+)(?:\.(?:txt|js|json|xml|lang|ini|dat|bin|str))?")


class LanguagePackAnalyzer:
    """Files named after a UI language."""

    name: ClassVar[str] = "trace-language"
    version: ClassVar[str] = "1.0"

    def applies_to(self, node: Node) -> bool:
        """Files whose name is a language's."""
        match = _NAME.fullmatch(node.path.rsplit("/", 1)[-1])
        return node.is_file and match is not None and match.group(1).casefold() in LANGUAGES

    def analyze(self, ctx: FileContext) -> Iterator[Finding]:
        """One finding naming the language."""
        match = _NAME.fullmatch(file_name(ctx))
        if match is None:
            return
        language, country = LANGUAGES[match.group(1).casefold()]
        where = f", for the {country} market" if country else ""
        title = f"UI language pack {match.group(1)} ({language}{where})"
        yield trace_finding(
            ctx,
            rule=RULE,
            key=language,
            kind="ui-language",
            title=title,
            detail=title,
            evidence=(
                Evidence(kind="file-name", value=file_name(ctx), location=Location(path=ctx.node.path)),
            ),
            severity=Severity.INFO,
            confidence=0.7,
        )
