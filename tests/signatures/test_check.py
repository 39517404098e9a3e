from firmware_audit.cli import main
from firmware_audit.exitcodes import ExitCode
from firmware_audit.signatures import check as check_module


def test_the_shipped_signature_data_is_sound(capsys) -> None:
    assert check_module.check() == []
    assert main(["signatures", "check"]) == ExitCode.AUDITED
    assert "signature data is sound" in capsys.readouterr().out


def test_a_broken_toml_file_is_reported_by_name(tmp_path, monkeypatch, capsys) -> None:
    bad = tmp_path / "endpoints" / "broken.toml"
    bad.parent.mkdir()
    bad.write_text('[[vendor]]\nname = "unterminated\n', encoding="utf-8")
    monkeypatch.setattr(check_module, "DATA_DIR", tmp_path)
    monkeypatch.setattr(check_module, "data_files", lambda: [bad])
    problems = check_module.check()
    assert [p.file for p in problems] == ["endpoints/broken.toml"]
    assert main(["signatures", "check"]) == ExitCode.USAGE
    assert "endpoints/broken.toml:" in capsys.readouterr().err
