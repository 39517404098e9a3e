"""What the lineage tests share: the self-made builds in data/ (see data/make.sh) and name scrubbing."""

from __future__ import annotations

import random
import re
from pathlib import Path

DATA = Path(__file__).parent / "data"


def scrub(data: bytes, names: bytes) -> bytes:
    """Overwrite every occurrence of the names (a regex, any case) with letters of the same length."""
    rng = random.Random(1)
    letters = b"abcdefghijklmnopqrstuvwxyz"

    def noise(match: re.Match[bytes]) -> bytes:
        return bytes(rng.choice(letters) for _ in match.group())

    return re.sub(b"(?i)" + names, noise, data)
