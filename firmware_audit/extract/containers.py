"""The containers of an unpacked tree, as the report lists them.

What each container was read as and how much of it was explained, so a reader (the HTML report) can
draw the container tree without the tree itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware_audit.extract.names import CONTAINER_SEP
from firmware_audit.model import Container

if TYPE_CHECKING:
    from firmware_audit.extract.tree import FileTree


def containers(tree: FileTree) -> tuple[Container, ...]:
    """Every entry that was opened as a container (the image first), in tree order."""
    unexplained: dict[str, int] = {}
    for region in tree.coverage.unexplained:
        path = region.location.path
        unexplained[path] = unexplained.get(path, 0) + region.length
    members: dict[str, int] = {}
    for node in tree:
        cut = node.path.rfind(CONTAINER_SEP)
        parent = "" if cut < 0 else node.path[:cut]
        members[parent] = members.get(parent, 0) + 1
    opened = [tree.root, *(node for node in tree if node.format is not None)]
    return tuple(
        Container(
            path=node.path,
            format=node.format or "unknown",
            label=node.label,
            size=node.size,
            members=members.get(node.path, 0),
            unexplained=min(unexplained.get(node.path, 0), node.size),
        )
        for node in opened
    )
