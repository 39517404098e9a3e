"""Each corpus image's whole report against the one committed in `golden/`: any change to a report shows.

The accuracy floors see only what the manifest scores; a golden report also holds every other finding,
its evidence and locations, the issues, coverage, verdict and decision. A change that moves any of
them fails here with the lines that differ. When the change is meant, write the new reports with

    .venv/bin/python -m pytest tests/corpus/test_golden.py --update-golden

and commit `git diff tests/corpus/golden` with the change that caused it, after reading it.

Each image is audited as `benchmarks/accuracy.py` audits it (its declared identity, the example
policy). Left out of the comparison: `image.path` (where the checkout is) and `signatures.digest`
(it changes with every edit of the signature data, whose effect the findings already show).
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import pytest
from corpus_data import IMAGES, accuracy, params

GOLDEN = Path(__file__).parent / "golden"
_SHOWN = 120
"""Lines of a difference shown, at most."""


def normalised(report_json: str) -> str:
    """The report's JSON without what depends on the checkout's place and the signature digest."""
    report: dict[str, Any] = json.loads(report_json)
    del report["image"]["path"]
    del report["signatures"]["digest"]
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def _golden_path(name: str) -> Path:
    return GOLDEN / f"{name}.json"


@pytest.mark.parametrize("entry", params())
def test_report_is_the_golden_one(entry: dict[str, Any], request: pytest.FixtureRequest) -> None:
    name = entry["file"]
    produced = normalised(accuracy().audit_entry(IMAGES / name, entry).to_json())
    golden = _golden_path(name)
    if request.config.getoption("--update-golden"):
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(produced, encoding="utf-8")
        pytest.skip(f"wrote {golden}")
    assert golden.is_file(), f"no golden report for {name}: run pytest {__file__} --update-golden"
    expected = golden.read_text(encoding="utf-8")
    if produced != expected:
        diff = list(
            difflib.unified_diff(
                expected.splitlines(), produced.splitlines(), "golden", "this checkout", lineterm="", n=2
            )
        )
        shown = "\n".join(diff[:_SHOWN])
        more = f"\n... {len(diff) - _SHOWN} more lines" if len(diff) > _SHOWN else ""
        pytest.fail(
            f"the report of {name} changed ({len(diff)} lines of difference); if that is meant, "
            f"run with --update-golden and commit the new golden report:\n{shown}{more}",
            pytrace=False,
        )


def test_every_golden_report_is_of_a_corpus_image() -> None:
    # A golden report left behind by a renamed or removed image would never be compared again.
    images = {entry.values[0]["file"] for entry in params()}
    golden = {path.name.removesuffix(".json") for path in GOLDEN.glob("*.json")}
    assert golden - images == set(), "golden reports of no corpus image"
    assert images - golden == set(), "corpus images without a golden report"
