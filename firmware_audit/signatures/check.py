"""`firmware-audit signatures check`: validate every signature data file and rule.

Each kind of signature data has one validator, registered in `VALIDATORS`. A validator returns the
problems it found as `Problem`s (file and message); an empty list means that data is sound. The
first validator makes sure every TOML file parses at all, so a syntax error is reported by path and
line even before a table is interpreted.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from firmware_audit.analyze.lineage.check import problems as lineage_problems
from firmware_audit.signatures import DATA_DIR, data_files
from firmware_audit.signatures import catalogue as catalogue_data
from firmware_audit.signatures import endpoints as endpoint_data
from firmware_audit.signatures import makers as maker_data
from firmware_audit.signatures import sdk as sdk_data
from firmware_audit.signatures import traces as trace_data
from firmware_audit.signatures import yara as yara_data
from firmware_audit.signatures.catalogue_check import catalogue_problems
from firmware_audit.signatures.yara_check import yara_problems

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with a signature file."""

    file: str
    message: str

    def __str__(self) -> str:
        """`file: message`."""
        return f"{self.file}: {self.message}"


def _toml_parses() -> list[Problem]:
    problems = []
    for path in data_files():
        if path.suffix != ".toml":
            continue
        try:
            tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.append(Problem(path.relative_to(DATA_DIR).as_posix(), str(exc)))
    return problems


def _sdk_tables() -> list[Problem]:
    _, problems = sdk_data.load(DATA_DIR / "sdk")
    return [Problem(file, message) for file, message in problems]


def _yara_rules() -> list[Problem]:
    families, _ = sdk_data.load(DATA_DIR / "sdk")
    files = yara_data.rule_files(DATA_DIR / "yara")
    return [Problem(file, message) for file, message in yara_problems(files, families)]


def _endpoint_tables() -> list[Problem]:
    data, problems = endpoint_data.load(DATA_DIR / "endpoints", syntax=False)
    found = [Problem(file, message) for file, message in problems]
    found += [Problem("endpoints", message) for message in endpoint_data.conflicts(data)]
    return found


def _trace_tables() -> list[Problem]:
    _, problems = trace_data.load(DATA_DIR / "traces")
    return [Problem(file, message) for file, message in problems]


def _lineage_index() -> list[Problem]:
    return [Problem(file, message) for file, message in lineage_problems()]


def _maker_base() -> list[Problem]:
    _, problems = maker_data.load(DATA_DIR / "makers")
    return [Problem(file, message) for file, message in problems]


def _rule_catalogue() -> list[Problem]:
    if not (DATA_DIR / "catalogue").is_dir():
        return []
    data, problems = catalogue_data.load(DATA_DIR / "catalogue")
    found = [Problem(file, message) for file, message in problems]
    return found + [Problem(file, message) for file, message in catalogue_problems(data)]


VALIDATORS: tuple[tuple[str, Callable[[], list[Problem]]], ...] = (
    ("toml syntax", _toml_parses),
    ("sdk tables", _sdk_tables),
    ("yara rules", _yara_rules),
    ("endpoint tables", _endpoint_tables),
    ("trace tables", _trace_tables),
    ("lineage index", _lineage_index),
    ("maker base", _maker_base),
    ("rule catalogue", _rule_catalogue),
)
"""Every validator, by name. Each signature kind adds its own."""


def check() -> list[Problem]:
    """Run every validator and return all the problems found."""
    return [problem for _, validate in VALIDATORS for problem in validate()]
