"""Corpus images, the example policy, and images unpacked and audited under it (once per session)."""

import functools
from pathlib import Path

from firmware_audit.audit import audit
from firmware_audit.extract import unpack
from firmware_audit.model import Report
from firmware_audit.policy import Policy

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
IMAGES = CORPUS / "images"
POLICY = Policy.load(CORPUS / "policy-example.toml")
XIONGMAI = "01-xm-hi3516ev300-general.bin"  # a Xiongmai General bin
REBRANDED = "12-rebranded.bin"  # the same maker's firmware sold as a domestic brand
HIKVISION = "02-hik-digicap.dav"  # a digicap with unexplained regions inside payloads


@functools.cache
def audited(name):
    """The tree of a corpus image and its report under the example policy (home country DE)."""
    tree = unpack(IMAGES / name)
    return tree, audit(tree, policy=POLICY, home_country=POLICY.home_country)


def empty_report():
    """A report of an empty image: no finding, no container."""
    return Report.model_validate_json(
        '{"tool": {"name": "t", "version": "0"}, "signatures": {"version": "0", "digest": "d"},'
        '"image": {"path": "x", "name": "x", "size": 0, "sha256": "0"}, "files": 0,'
        '"coverage": {"bytes_total": 0, "bytes_explained": 0, "explained_ratio": 0}}'
    )
