"""Unpacking firmware images in memory, safely, into a virtual `FileTree`."""

from firmware_audit.extract.engine import unpack
from firmware_audit.extract.limits import Limits
from firmware_audit.extract.tree import ContentUnavailableError, EntryInfo, FileTree, Hop, Node

__all__ = ["ContentUnavailableError", "EntryInfo", "FileTree", "Hop", "Limits", "Node", "unpack"]
