"""Renderers: each turns one `Report` into one output format."""
