"""Small value types used across the report: severities, locations, evidence, issues."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from firmware_audit.model._base import Frozen


class Severity(StrEnum):
    """How much a finding matters to a buyer, lowest first."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Position in the order info < low < medium < high < critical."""
        return list(Severity).index(self)


class Location(Frozen):
    """Where something is: a virtual path in the unpacked tree and a byte offset inside that file."""

    path: str = Field(description="Virtual path in the unpacked tree; '' is the image itself.")
    offset: int | None = Field(default=None, ge=0, description="Byte offset inside the file at path.")


class Evidence(Frozen):
    """One piece of proof behind a finding: what was seen, and exactly where."""

    kind: str = Field(description="What this is: string, symbol, decoded, rule-match, config, ...")
    value: str = Field(description="The string, symbol, decoded value or rule id that was seen.")
    location: Location
    context: str | None = Field(default=None, description="Surrounding bytes, printable, for a reader.")


class IssueKind(StrEnum):
    """Kinds of extraction and analysis problems; every one of them lands in the report."""

    LIMIT = "limit"
    TRUNCATED = "truncated"
    MALFORMED = "malformed"
    MISLABELED = "mislabeled"
    UNSAFE_PATH = "unsafe-path"
    UNSUPPORTED = "unsupported"
    PARSER_ERROR = "parser-error"
    CHECKSUM = "checksum"
    ENCRYPTED = "encrypted"
    EMPTY = "empty"
    ANALYZER_ERROR = "analyzer-error"
    SUMMARISED = "summarised"
    """Many like things shown as one, nothing dropped: a stream's members as one file, runs of
    unexplained regions as counted runs."""


class Issue(Frozen):
    """A problem met while unpacking or analysing; the audit went on."""

    kind: IssueKind
    location: Location
    message: str
