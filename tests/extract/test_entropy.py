import math
import random

from firmware_audit.extract import entropy


def _reference(data: bytes) -> float:
    n = len(data)
    return -sum(c / n * math.log2(c / n) for c in (data.count(bytes([b])) for b in range(256)) if c)


def test_counts_across_windows_equal_one_count_of_the_whole() -> None:
    data = random.Random(7).randbytes(2 * entropy._WINDOW + 12345) + b"\0" * 5000
    counts = entropy.byte_histogram(data)
    assert int(counts.sum()) == len(data)
    assert int(counts[0]) == data.count(0)
    assert entropy.shannon(data) == round(_reference(data), 4)


def test_edges() -> None:
    assert entropy.shannon(b"") == 0.0
    assert entropy.shannon(b"\xff" * 100) == 0.0
    assert entropy.shannon(bytes(range(256)) * 4) == 8.0
    assert entropy.shannon(memoryview(b"ab" * 10)) == 1.0
