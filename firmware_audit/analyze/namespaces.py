"""Where a URL names an XML vocabulary (a namespace, a schema location) rather than a place to go.

A namespace name is an identifier: "it is not a goal that it be directly usable for retrieval of a
schema" (W3C, Namespaces in XML 1.0, section 2.1). A firmware that declares a maker's namespace
speaks that maker's vocabulary (the ONVIF event topics of another maker's recorders), which says
nothing about who built it, and it never connects there.
"""

from __future__ import annotations

import re

_BEFORE = re.compile(
    r"(?i)(?:xmlns(?::[\w-]+)?|schemaLocation|targetNamespace|namespace|DOCTYPE[^<]*)\s*=?\s*[\"']?[^\"']*$"
)
"""An attribute that takes a namespace or schema URL, then the URL's text up to the place in question."""
REACH = 200
"""Characters before a place that are read for the attribute."""


def in_namespace(before: str) -> bool:
    """Whether the text ending at a place puts that place inside a namespace or schema URL."""
    return _BEFORE.search(before[-REACH:]) is not None
