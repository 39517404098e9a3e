"""The `firmware-audit` command line.

Starting it is light: the unpacker, the analyzers, the signature checks and the terminal library load
in the command that uses them, so `--help`, a usage error or `extract --list` do not pay for the rest.
"""

from __future__ import annotations

import argparse
import os
import re
import select
import sys
import traceback
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from firmware_audit._version import __version__
from firmware_audit.audit import audit
from firmware_audit.exitcodes import ExitCode
from firmware_audit.extract.limits import Limits
from firmware_audit.render import FORMATS, render

BATCH_JOBS = max(1, (os.cpu_count() or 2) - 1)
_SIGNATURES = "signatures"
_ADD_REFERENCE = "add-reference"

if TYPE_CHECKING:
    from collections.abc import Sequence
    from contextlib import AbstractContextManager

    from firmware_audit.model import Declared, Report
    from firmware_audit.options import AuditOptions
    from firmware_audit.policy import Policy

_OUTCOME_EXIT = {  # by the value of the decision's `Outcome` (the model loads with the first audit)
    "accept": ExitCode.AUDITED,
    "review": ExitCode.REVIEW,
    "reject": ExitCode.REJECT,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code (see `ExitCode`)."""
    words = list(sys.argv[1:] if argv is None else argv)
    if words[:2] == [_SIGNATURES, _ADD_REFERENCE]:
        # Its own parser lives with the lineage index, which loads every analyzer: only here.
        return _add_reference(words[2:])
    parser = _parser()
    args = parser.parse_args(words)
    try:
        return int(args.run(args))
    except _UsageError as exc:
        _err(f"firmware-audit: {exc}")
        return ExitCode.USAGE
    except KeyboardInterrupt:
        return ExitCode.INTERNAL
    except BrokenPipeError:
        return _broken_pipe()
    except Exception:  # noqa: BLE001  (the last line of defence: say it is our bug, keep the trace)
        return _internal_error()


def _internal_error() -> ExitCode:
    traceback.print_exc()
    _err("firmware-audit: internal error; please report it with the trace above")
    return ExitCode.INTERNAL


def _broken_pipe() -> ExitCode:
    """The reader of the output went away (`| head`): no trace, nothing more written; else our bug."""
    if not _reader_gone():
        return _internal_error()
    _discard_output()
    return ExitCode.OUTPUT_CLOSED


def _reader_gone() -> bool:
    """Whether standard output is a pipe its reader has closed (a broken pipe of our own is a bug)."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError):
        return False
    if not hasattr(select, "poll"):  # Windows: no way to ask; standard output is the likely pipe
        return True
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    return any(events & select.POLLERR for _, events in poller.poll(0))


def _discard_output() -> None:
    """Point standard output at the null device: what is still buffered, and the final flush, go there."""
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, sys.stdout.fileno())
    finally:
        os.close(null)


def run() -> NoReturn:
    """The `firmware-audit` command: `main()`, its output flushed, then the process ends at once.

    Python's own shutdown collects and frees every object the command made, one by one: after an
    audit of a 36 MB image that took half a second (8 % of the command), for nothing anyone sees.
    Ending at once skips it. The ordinary exit is kept when the output cannot be flushed (it reports
    that as it always did) and when a child process is still alive (its end is Python's business).
    """
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        sys.exit(code)
    if _children_alive():
        sys.exit(code)
    os._exit(code)


def _children_alive() -> bool:
    """Whether a child process started through `multiprocessing` has not ended."""
    started = sys.modules.get("multiprocessing")
    return started is not None and bool(started.active_children())


class _UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="firmware-audit",
        description="Static audit of IP-camera, NVR and DVR firmware.",
        epilog="Exit codes: 0 audited (or all accepted), 2 usage error, 3 internal error, "
        "10 needs review, 11 rejected.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    audit = sub.add_parser("audit", help="audit one image and print its report")
    audit.add_argument("image", type=Path, metavar="IMAGE")
    audit.add_argument("--format", choices=FORMATS, default="text", help="report format (default: text)")
    audit.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the report here")
    audit.add_argument("--declared-vendor", metavar="V", help="vendor the supplier declares")
    audit.add_argument("--declared-country", metavar="CC", help="country the supplier declares (ISO code)")
    audit.add_argument("--declared-model", metavar="M", help="model the supplier declares")
    audit.add_argument(
        "--submission",
        type=Path,
        metavar="FILE",
        help="the supplier's submission.toml (vendor, model, country); --declared-* flags override it",
    )
    audit.add_argument(
        "--home-country",
        metavar="CC",
        help="the buyer's country (ISO code): endpoints abroad are graded against it "
        "(default: the policy's; without either, countries are reported but not judged)",
    )
    audit.add_argument(
        "--policy",
        type=Path,
        metavar="FILE",
        help="acceptance policy (TOML): the exit code gives its decision",
    )
    audit.add_argument(
        "--second-opinion",
        choices=("binwalk",),
        help="also run binwalk's signature scan (never its extraction) and report, as issues, what it "
        "recognises in bytes the audit left unexplained (needs Debian's binwalk)",
    )
    audit.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="processes that analyse the image (1: one process; default: two on an image of 16 MiB "
        "of files or more where there are two cores, else one); the report is the same",
    )
    _limit_options(audit)
    audit.set_defaults(run=_audit)

    extract = sub.add_parser("extract", help="list or safely export what an image holds")
    extract.add_argument("image", type=Path, metavar="IMAGE")
    what = extract.add_mutually_exclusive_group(required=True)
    what.add_argument("--list", action="store_true", help="print one virtual path per line")
    what.add_argument("--to", type=Path, metavar="DIR", help="write directories and regular files under DIR")
    extract.add_argument("--provenance", action="store_true", help="with --list: add each entry's chain")
    _limit_options(extract)
    extract.set_defaults(run=_extract)

    batch = sub.add_parser("batch", help="audit every vendor submission in a folder (the acceptance gate)")
    batch.add_argument("dir", type=Path, metavar="DIR", help="one subfolder per submission")
    batch.add_argument("--policy", type=Path, metavar="FILE", help="acceptance policy (TOML)")
    batch.add_argument(
        "--jobs", type=int, default=BATCH_JOBS, metavar="N", help="images audited at once (local)"
    )
    batch.add_argument(
        "--out", type=Path, metavar="DIR", help="results folder (default: DIR-audit beside DIR)"
    )
    batch.add_argument(
        "--executor",
        default="local",
        metavar="local|dask://HOST:PORT",
        help="where the work runs (default: local)",
    )
    batch.add_argument(
        "--timeout", type=float, default=900.0, metavar="SECONDS", help="per image (default: 900)"
    )
    batch.add_argument(
        "--memory-limit", type=int, default=4096, metavar="MIB", help="per image (default: 4096)"
    )
    batch.set_defaults(run=_batch)

    signatures = sub.add_parser(_SIGNATURES, help="work with the signature data")
    signatures_sub = signatures.add_subparsers(required=True, metavar="ACTION")
    check = signatures_sub.add_parser("check", help="validate every signature data file and rule")
    check.set_defaults(run=_signatures_check)
    # Listed here for the help; `main` hands its arguments to the lineage command's own parser.
    signatures_sub.add_parser(
        _ADD_REFERENCE, help="add an image's maker binaries (as digests) to a lineage index"
    )
    return parser


def _add_reference(words: list[str]) -> int:
    from firmware_audit.analyze.lineage import command  # noqa: PLC0415  (loads every analyzer)

    parser = argparse.ArgumentParser(prog=f"firmware-audit {_SIGNATURES}")
    command.register(parser.add_subparsers(required=True, metavar="ACTION"))
    args = parser.parse_args([_ADD_REFERENCE, *words])
    return int(args.run(args))


def _limit_options(parser: argparse.ArgumentParser) -> None:
    defaults = Limits()
    group = parser.add_argument_group("limits (always on)")
    group.add_argument("--max-depth", type=int, default=defaults.max_depth, metavar="N")
    group.add_argument("--max-bytes", type=int, default=defaults.max_bytes, metavar="N")
    group.add_argument("--max-files", type=int, default=defaults.max_files, metavar="N")
    group.add_argument("--max-ratio", type=int, default=defaults.max_ratio, metavar="N")
    group.add_argument("--max-carved", type=int, default=defaults.max_carved, metavar="N")
    group.add_argument(
        "--time-budget",
        type=float,
        default=defaults.time_budget,
        metavar="SECONDS",
        help="wall-clock seconds for the whole run, unpacking and analysis "
        f"(default: {defaults.time_budget:g}); what is not reached in time is an issue",
    )


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(
        max_depth=args.max_depth,
        max_bytes=args.max_bytes,
        max_files=args.max_files,
        max_ratio=args.max_ratio,
        time_budget=args.time_budget,
        max_carved=args.max_carved,
    )


def _readable(path: Path) -> Path:
    if not path.is_file():
        raise _UsageError(f"{path}: not a readable file")
    return path


def _status(message: str) -> AbstractContextManager[object]:
    """A spinner on an interactive stderr; nothing when output goes to a pipe or a log."""
    from rich.console import Console  # noqa: PLC0415  (the terminal library, only when auditing)

    from firmware_audit.render.escape import escape_markup  # noqa: PLC0415

    console = Console(stderr=True)
    return console.status(escape_markup(message)) if console.is_terminal else nullcontext()


def _policy(path: Path | None) -> Policy | None:
    from firmware_audit.policy import Policy, PolicyError  # noqa: PLC0415  (the model, only when used)

    if path is None:
        return None
    try:
        return Policy.load(path)
    except PolicyError as exc:
        raise _UsageError(str(exc)) from exc


def _audit(args: argparse.Namespace) -> ExitCode:
    from firmware_audit.options import AuditOptions  # noqa: PLC0415  (the model, only when used)

    image = _readable(args.image)
    policy = _policy(args.policy)
    if args.home_country is not None and not re.fullmatch(r"[A-Za-z]{2}", args.home_country):
        raise _UsageError(f"--home-country {args.home_country!r}: give a two-letter ISO 3166-1 code")
    if args.jobs is not None and args.jobs < 1:
        raise _UsageError("--jobs must be at least 1")
    options = AuditOptions(
        limits=_limits(args),
        declared=_declared(args),
        home_country=args.home_country,
        policy=policy,
        jobs=args.jobs,
    )
    if args.second_opinion is None:
        with _status(f"Auditing {image.name}"):
            report = audit(image, options)
    else:
        report = _audit_with_second_opinion(image, options)
    _write(render(report, args.format), args.output)
    return _OUTCOME_EXIT[report.decision.outcome.value] if report.decision else ExitCode.AUDITED


def _audit_with_second_opinion(image: Path, options: AuditOptions) -> Report:
    from firmware_audit import second_opinion  # noqa: PLC0415  (only this option needs it)
    from firmware_audit.extract import unpack  # noqa: PLC0415

    if second_opinion.binwalk_command() is None:
        raise _UsageError(f"--second-opinion binwalk: {second_opinion.INSTALL_HINT}")
    with _status(f"Auditing {image.name}"):
        tree = unpack(image, limits=options.limits)
        report = audit(tree, options)
    with _status(f"binwalk: scanning {image.name}"):
        extra = second_opinion.second_opinion(image, tree)
    return report.model_copy(update={"issues": (*report.issues, *extra)})


def _declared(args: argparse.Namespace) -> Declared | None:
    """The declaration: the submission file's, with each --declared-* flag given taking precedence."""
    from firmware_audit.declaration import DeclarationError, read_declaration  # noqa: PLC0415
    from firmware_audit.model import Declared  # noqa: PLC0415

    declared = Declared()
    if args.submission is not None:
        try:
            declared, _ = read_declaration(_readable(args.submission))
        except DeclarationError as exc:
            raise _UsageError(f"--submission: {exc}") from exc
    if args.declared_country is not None and not re.fullmatch(r"[A-Za-z]{2}", args.declared_country):
        raise _UsageError(f"--declared-country {args.declared_country!r}: give a two-letter ISO 3166-1 code")
    flags = {
        "vendor": args.declared_vendor,
        "model": args.declared_model,
        "country": args.declared_country.upper() if args.declared_country else None,
    }
    declared = declared.model_copy(update={k: v for k, v in flags.items() if v is not None})
    return declared if declared.vendor or declared.model or declared.country else None


def _batch(args: argparse.Namespace) -> ExitCode:
    from rich.console import Console  # noqa: PLC0415

    from firmware_audit.batch import BatchError, BatchOptions, run_batch  # noqa: PLC0415  (heavier; batch only)
    from firmware_audit.batch.summary import table  # noqa: PLC0415

    root: Path = args.dir
    if not root.is_dir():
        raise _UsageError(f"{root}: not a folder of submissions")
    if args.jobs < 1 or args.timeout <= 0 or args.memory_limit < 64:
        raise _UsageError("--jobs must be at least 1, --timeout positive and --memory-limit at least 64 MiB")
    out = args.out or root.resolve().parent / f"{root.resolve().name}-audit"
    options = BatchOptions(
        out=out,
        policy=_policy(args.policy),
        jobs=args.jobs,
        executor=args.executor,
        timeout=args.timeout,
        memory_limit=args.memory_limit * 1024 * 1024,
    )
    try:
        result = run_batch(root, options)
    except BatchError as exc:
        raise _UsageError(str(exc)) from exc
    Console().print(table(result.submissions))
    for note in result.notes:
        _err(f"note: {note}")
    _err(f"results: {out / 'results.jsonl'}; summary: {out / 'summary.html'}")
    return result.exit_code


def _extract(args: argparse.Namespace) -> ExitCode:
    from firmware_audit.extract import unpack  # noqa: PLC0415  (the unpacker, only when used)
    from firmware_audit.extract.export import export  # noqa: PLC0415
    from firmware_audit.render.escape import escape_controls  # noqa: PLC0415

    image = _readable(args.image)
    with _status(f"Unpacking {image.name}"):
        tree = unpack(image, limits=_limits(args))
    if args.list:
        out = sys.stdout
        for node in tree:
            line = node.path if not args.provenance else f"{node.path}\t{tree.describe(node)}"
            out.write(escape_controls(line).encode("utf-8", "backslashreplace").decode("utf-8") + "\n")
    else:
        result = export(tree, args.to)
        _err(
            f"wrote {result.files} files and {result.directories} directories under {args.to}; "
            f"skipped {len(result.skipped)} entries"
        )
        for path, reason in result.skipped:
            _err(f"  skipped {path}: {reason}")
    for issue in tree.issues:
        _err(f"issue: {issue.kind.value} {issue.location.path or '(image)'}: {issue.message}")
    return ExitCode.AUDITED


def _signatures_check(_args: argparse.Namespace) -> ExitCode:
    from firmware_audit.signatures import data_files  # noqa: PLC0415  (the checks load every analyzer)
    from firmware_audit.signatures.check import VALIDATORS, check  # noqa: PLC0415

    problems = check()
    for problem in problems:
        _err(str(problem))
    files = len(data_files())
    if problems:
        _err(f"{len(problems)} problems in the signature data ({files} files)")
        return ExitCode.USAGE
    sys.stdout.write(f"signature data is sound: {files} files, {len(VALIDATORS)} validators\n")
    return ExitCode.AUDITED


def _err(line: str) -> None:
    from firmware_audit.render.escape import escape_controls  # noqa: PLC0415  (pydantic and rich)

    sys.stderr.write(escape_controls(line) + "\n")


def _write(rendered: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(rendered)
    else:
        output.write_text(rendered, encoding="utf-8")


if __name__ == "__main__":
    run()
