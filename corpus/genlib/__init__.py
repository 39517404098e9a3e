"""The corpus generator's building blocks.

Cross-compiling the C sources, staging file trees, and the standard filesystem and archive tools,
all with fixed times, owners and seeds so every run gives the same bytes.
"""
