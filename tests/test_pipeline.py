"""One pipeline: the API, the command line, a batch worker and `compare()` give the same report."""

import subprocess
import sys

from conftest import ROOT

from firmware_audit.audit import audit
from firmware_audit.batch.worker import Job, run_job
from firmware_audit.cli import main
from firmware_audit.exitcodes import ExitCode
from firmware_audit.extract import Limits
from firmware_audit.model import Declared, IssueKind, Report
from firmware_audit.notebook.compare import compare
from firmware_audit.options import AuditOptions
from firmware_audit.policy import Policy

IMAGE = ROOT / "corpus" / "images" / "01-xm-hi3516ev300-general.bin"
POLICY_FILE = ROOT / "corpus" / "policy-example.toml"


def test_audit_cli_batch_and_compare_give_identical_reports(tmp_path) -> None:
    policy = Policy.load(POLICY_FILE)
    api = audit(str(IMAGE), AuditOptions(policy=policy))
    out = tmp_path / "r.json"
    code = main(["audit", str(IMAGE), "--format", "json", "-o", str(out), "--policy", str(POLICY_FILE)])
    assert code != ExitCode.INTERNAL
    job = Job(
        key="k",
        submission="s",
        image=str(IMAGE),
        declared=None,
        policy_toml=POLICY_FILE.read_text(),
        policy_source=policy.source,
        timeout=600,
        memory_limit=4 * 1024**3,
    )
    result = run_job(job)
    assert result["status"] == "audited", result["error"]
    compared = compare(str(IMAGE), str(IMAGE), policy=policy)
    expected = api.to_json()
    assert Report.from_json(out.read_text()).to_json() == expected
    assert Report.from_json(result["report"]).to_json() == expected
    assert compared.a.report.to_json() == expected
    assert api.findings
    assert api.decision is not None


def test_a_declaration_reaches_the_report_the_same_from_the_api_and_the_cli(tmp_path) -> None:
    out = tmp_path / "r.json"
    main(["audit", str(IMAGE), "--format", "json", "-o", str(out), "--declared-vendor", "DVision"])
    api = audit(str(IMAGE), declared=Declared(vendor="DVision"))
    assert Report.from_json(out.read_text()).to_json() == api.to_json()
    assert api.verdict.contradictions


def test_the_cli_time_budget_reaches_the_analysis(tmp_path) -> None:
    out = tmp_path / "r.json"
    main(["audit", str(IMAGE), "--format", "json", "-o", str(out), "--time-budget", "0"])
    report = Report.from_json(out.read_text())
    limits = [i.message for i in report.issues if i.kind is IssueKind.LIMIT]
    assert any("analysis time budget spent" in m for m in limits), limits
    assert report.findings == ()


def test_options_and_shorthands_are_the_same_audit() -> None:
    policy = Policy.load(POLICY_FILE)
    by_options = audit(IMAGE.read_bytes(), AuditOptions(policy=policy, limits=Limits(max_files=50)))
    by_words = audit(IMAGE.read_bytes(), policy=POLICY_FILE, limits=Limits(max_files=50))
    assert by_options.to_json() == by_words.to_json()


def test_import_is_light() -> None:
    code = (
        "import sys, firmware_audit\n"
        "from firmware_audit.model import Report, Severity, Category, Declared\n"
        "heavy = ('lief', 'capstone', 'yara', 'numpy', 'firmware_audit.extract')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "print(','.join(heavy))\n"
        "assert callable(firmware_audit.audit) and firmware_audit.Severity is Severity\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_lief_and_capstone_load_with_the_first_elf_file_and_lief_before_workers_fork() -> None:
    # A boot loader, a kernel or a web partition holds no ELF file: its audit never imports LIEF or
    # capstone.
    code = (
        "import gzip, sys\n"
        "from firmware_audit import audit\n"
        "audit(gzip.compress(b'root:x:0:0:root:/root:/bin/sh\\n' * 40), jobs=1)\n"
        "print('lief' in sys.modules, 'capstone' in sys.modules)\n"
        "audit(sys.argv[1], jobs=1)\n"
        "print('lief' in sys.modules, 'capstone' in sys.modules)\n"
    )
    command = [sys.executable, "-c", code, str(IMAGE)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False", "True", "True"], done.stderr
    # Workers share what the audit loads before forking them: LIEF among it.
    code = (
        "import sys\n"
        "from firmware_audit.analyze import workers\n"
        "print('lief' in sys.modules)\n"
        "[load() for load in workers.SHARED_DATA]\n"
        "print('lief' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"], done.stderr


def test_the_package_audit_stays_the_function_after_its_module_is_imported() -> None:
    code = (
        "import firmware_audit, firmware_audit.audit, firmware_audit.notebook.compare\n"
        "assert callable(firmware_audit.audit), firmware_audit.audit\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
