"""The JSON Schema of the report, generated from the model and committed under `schemas/`.

Regenerate after changing the model: `python -m firmware_audit.model.schema --write`.
A test fails when the committed file and the model drift apart.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from firmware_audit.model.report import SCHEMA_VERSION, Report

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "report.schema.json"


def schema_text() -> str:
    """The report's JSON Schema as committed: sorted keys, two-space indent, final newline."""
    schema = Report.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://firmware-audit.invalid/schemas/report-{SCHEMA_VERSION}.schema.json"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main() -> None:
    """Print the schema, or write it to `schemas/report.schema.json` with --write."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"write {SCHEMA_PATH}")
    args = parser.parse_args()
    if args.write:
        SCHEMA_PATH.write_text(schema_text(), encoding="utf-8")
    else:
        print(schema_text(), end="")  # noqa: T201


if __name__ == "__main__":
    main()
