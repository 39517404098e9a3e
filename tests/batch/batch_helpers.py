"""Shared setup of the batch tests: submission folders, the example policy, reading the journal."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "corpus" / "images"
EXAMPLE_POLICY = ROOT / "corpus" / "policy-example.toml"
HERE = Path(__file__).resolve().parent
CLEAN = IMAGES / "10-clean-domestic.bin"  # accepted under the example policy
ENCRYPTED = IMAGES / "11-encrypted.bin"  # unverifiable: review under the example policy


def submission(
    root: Path, name: str, images: dict[str, Path | bytes], *, country: str = "DE", **extra
) -> Path:
    """A submission folder: the images (copied, or written from bytes) and a submission.toml."""
    folder = root / name
    folder.mkdir(parents=True)
    for file_name, source in images.items():
        if isinstance(source, Path):
            shutil.copyfile(source, folder / file_name)
        else:
            (folder / file_name).write_bytes(source)
    lines = [f"vendor = {json.dumps('Vendor ' + name)}", f'model = "M-{name}"', f'country = "{country}"']
    lines += [f"{key} = {json.dumps(value)}" for key, value in extra.items()]
    (folder / "submission.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def journal_rows(out: Path) -> list[dict]:
    """Every line of the batch's journal, parsed (a torn line would fail here)."""
    text = (out / "results.jsonl").read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]
