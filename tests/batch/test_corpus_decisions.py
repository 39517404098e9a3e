"""Done-when of the gate: a batch over the corpus under the example policy gives the manifest's decisions.

Each corpus image becomes a submission folder: its sidecar when the manifest names one, else a
declaration written from the manifest's `declared`, else a truthful one (the maker the evidence
identifies, or a generic Chinese ODM where none is identifiable), so no contradiction arises beyond
those the manifest lists. One batch runs once for the module; each image is then its own test.
"""

import re
import shutil
import tomllib

import pytest
from batch_helpers import EXAMPLE_POLICY, IMAGES, ROOT

from firmware_audit.batch import BatchOptions, run_batch
from firmware_audit.policy import Policy

MANIFEST = tomllib.loads((ROOT / "corpus" / "manifest.toml").read_text(encoding="utf-8"))


def _declaration(entry):
    if "submission" in entry:
        return (IMAGES / entry["submission"]).read_text(encoding="utf-8")
    declared = entry.get("declared") or {
        "vendor": entry["oem"] or "Generic ODM",
        "model": entry["file"].rsplit(".", 1)[0],
        "country": entry.get("oem_country") or "CN",
    }
    lines = [f'{key} = "{value}"' for key, value in declared.items()]
    return "\n".join([*lines, f'firmware = ["{entry["file"]}"]']) + "\n"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus-batch")
    subs = root / "submissions"
    for entry in MANIFEST["image"]:
        folder = subs / entry["file"].rsplit(".", 1)[0]
        folder.mkdir(parents=True)
        shutil.copyfile(IMAGES / entry["file"], folder / entry["file"])
        (folder / "submission.toml").write_text(_declaration(entry), encoding="utf-8")
    options = BatchOptions(out=root / "out", policy=Policy.load(EXAMPLE_POLICY), jobs=2)
    result = run_batch(subs, options, progress=False)
    return {s.name: s for s in result.submissions}, result


@pytest.mark.parametrize("entry", [pytest.param(e, id=e["file"]) for e in MANIFEST["image"]])
def test_decision_matches_the_manifest(batch, entry):
    results, _ = batch
    result = results[entry["file"].rsplit(".", 1)[0]]
    assert len(result.rows) == 1
    row = result.rows[0]
    assert row.status == "audited", row.error
    assert row.outcome is not None
    assert row.outcome.value == entry["decision"], row.reasons
    assert row.reasons  # every decision says why


def test_every_submission_is_in_the_batch_once(batch):
    results, result = batch
    assert sorted(results) == sorted(e["file"].rsplit(".", 1)[0] for e in MANIFEST["image"])
    assert result.audited == len(MANIFEST["image"])


def _expected_facts(reason):
    """What a manifest reason (prose) requires of the decision's reasons, as substrings."""
    facts = []
    if match := re.match(r"banned vendor (\w+)", reason):
        facts.append(f"banned vendor {match.group(1)}")
    if re.match(r"endpoints? in ", reason):
        bare = re.sub(r"\([^)]*\)", "", reason)
        facts += [f"endpoints in {cc}" for cc in re.findall(r"\b[A-Z]{2}\b", bare)]
    if reason.startswith("unverifiable"):
        facts.append("unverifiable")
    if "contradicts" in reason:
        facts.append("contradicts")
    if match := re.match(r"OEM (\w+) \((\w\w)\)", reason):
        facts.append(f"OEM {match.group(1)} ({match.group(2)})")
    return facts


@pytest.mark.parametrize("entry", [pytest.param(e, id=e["file"]) for e in MANIFEST["image"]])
def test_reasons_state_what_the_manifest_says(batch, entry):
    results, _ = batch
    row = results[entry["file"].rsplit(".", 1)[0]].rows[0]
    expected = [fact for reason in entry["decision_reasons"] for fact in _expected_facts(reason)]
    missing = [fact for fact in expected if not any(fact in r for r in row.reasons)]
    assert not missing, (missing, row.reasons)
    for reason in row.reasons:  # a reason about findings cites them by id
        if "[findings " in reason:
            assert re.search(r"\[findings [0-9a-f]{16}(, [0-9a-f]{16})*\]", reason), reason
