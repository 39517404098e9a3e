# Developer tasks. Building the corpus needs the Debian tools listed in corpus/README.md; the tests
# never do: they read the committed images.
PYTHON ?= .venv/bin/python

.PHONY: corpus corpus-check accuracy real-accuracy

# Rebuild every corpus image reproducibly and update the hashes in corpus/manifest.toml.
corpus:
	$(PYTHON) corpus/generate.py

# Rebuild in a scratch directory and fail if any image differs from the committed one.
corpus-check:
	$(PYTHON) corpus/generate.py --check

# Precision and recall per category of the audit against the corpus ground truth.
accuracy:
	$(PYTHON) benchmarks/accuracy.py

# Checks passed per piece of the real-firmware development set (../shared/real-firmware), as its README scores.
real-accuracy:
	$(PYTHON) benchmarks/real_accuracy.py
