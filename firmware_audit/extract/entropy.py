"""Shannon entropy of byte regions, for telling padding, code and ciphertext apart."""

from __future__ import annotations

import numpy as np

_WINDOW = 1 << 20
"""Bytes counted at a time: `np.bincount` widens each byte to a machine word, so a whole region at
once would take eight times its size in memory; one window at a time takes eight MiB at most."""


def byte_histogram(data: memoryview | bytes) -> np.ndarray:
    """Count each byte value (256 bins), one fixed window at a time."""
    view = np.frombuffer(data, dtype=np.uint8)
    counts = np.zeros(256, dtype=np.int64)
    for start in range(0, len(view), _WINDOW):
        counts += np.bincount(view[start : start + _WINDOW], minlength=256)
    return counts


def shannon(data: memoryview | bytes) -> float:
    """Return the entropy of `data` in bits per byte (0 for empty or uniform data, 8 at most)."""
    if len(data) == 0:
        return 0.0
    counts = byte_histogram(data)
    p = counts[counts > 0] / len(data)
    return round(float(-(p * np.log2(p)).sum()) + 0.0, 4)
