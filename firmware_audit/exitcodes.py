"""Exit codes of the `firmware-audit` command; documented in the README and stable across releases."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What the process exit status means."""

    AUDITED = 0
    """The audit ran (issues, if any, are in the report); with a policy: every image accepted."""
    USAGE = 2
    """The command line was wrong, or the image could not be opened."""
    INTERNAL = 3
    """A bug in firmware_audit itself; the message asks for a report."""
    REVIEW = 10
    """With a policy: at least one image needs review and none was rejected."""
    REJECT = 11
    """With a policy: at least one image was rejected."""
    OUTPUT_CLOSED = 141
    """The reader of standard output closed it early (`| head`); what was left unwritten is dropped.

    141 is what a shell reports for a program a closed pipe ended (128 + SIGPIPE), as `cat` or `git log`
    give under `| head`: a script with `set -o pipefail` sees the same from this command.
    """
