"""Shannon entropy of byte regions, for telling padding, code and ciphertext apart."""

from __future__ import annotations

import numpy as np


def byte_histogram(data: memoryview | bytes) -> np.ndarray:
    """Count each byte value (256 bins)."""
    return np.bincount(np.frombuffer(data, dtype=np.uint8), minlength=256)


def shannon(data: memoryview | bytes) -> float:
    """Return the entropy of `data` in bits per byte (0 for empty or uniform data, 8 at most)."""
    if len(data) == 0:
        return 0.0
    counts = byte_histogram(data)
    p = counts[counts > 0] / len(data)
    return round(float(-(p * np.log2(p)).sum()) + 0.0, 4)
