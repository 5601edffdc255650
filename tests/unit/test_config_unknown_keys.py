"""A key that is not a setting (a typo) refuses start-up, naming it and the nearest known name:
``MAX_ORDER_ZAR_=100`` must never leave the default limit in force without a word."""

from __future__ import annotations

from pathlib import Path

import pytest

from valr_tui.cli import main
from valr_tui.config import SETTING_KEYS, load_settings
from valr_tui.errors import UnknownSettingError

SECRET_VALUE = "canary-secret-77aa01"


def env_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".env"
    path.write_text(text, encoding="utf-8")
    return path


def refusal(environ: dict[str, str], path: Path | None) -> UnknownSettingError:
    with pytest.raises(UnknownSettingError) as raised:
        load_settings(environ=environ, env_file=path)
    return raised.value


def test_typos_in_the_env_file_are_named_with_the_nearest_setting(tmp_path: Path) -> None:
    path = env_file(tmp_path, "DRY_RUM=false\nMAX_ORDER_ZAR_=100\nPAIRS=BTCZAR\n")
    error = refusal({}, path)
    text = str(error)
    assert text.startswith("[VALR-CFG-011] ") and "\n" not in text
    assert f"{path}: DRY_RUM (did you mean EXECUTION_MODE=DRY_RUN or =LIVE?)" in text
    assert "MAX_ORDER_ZAR_ (did you mean MAX_ORDER_ZAR?)" in text
    assert error.details["keys"] == ["DRY_RUM", "MAX_ORDER_ZAR_"]
    assert "100" not in text and "false" not in text  # values are never shown


@pytest.mark.parametrize(("line", "nearest"), [
    ("max_order_zar=100", "MAX_ORDER_ZAR"),  # keys are case-sensitive
    ("export MAX_ORDER_ZAR=100", "MAX_ORDER_ZAR"),  # shell syntax is not .env syntax
    ("MAX_ORDR_ZAR=100", "MAX_ORDER_ZAR"),
    ("LIVE_TRADING_CONFIRMD=true", "LIVE_TRADING_CONFIRMED"),
    ("VALR_API_SECRT=" + SECRET_VALUE, "VALR_API_SECRET"),
])
def test_each_typo_suggests_the_key_it_misspells(tmp_path: Path, line: str, nearest: str) -> None:
    text = str(refusal({}, env_file(tmp_path, line + "\n")))
    assert f"(did you mean {nearest}?)" in text
    assert SECRET_VALUE not in text


def test_a_key_like_no_setting_says_so(tmp_path: Path) -> None:
    text = str(refusal({}, env_file(tmp_path, "NODE_ENV=production\n")))
    assert "NODE_ENV (no setting is named like it)" in text and "production" not in text
    assert "a .env of its own (--env-file)" in text  # a .env shared with other programs


def test_unknown_valr_environment_variables_are_refused_and_other_variables_are_not(tmp_path: Path) -> None:
    text = str(refusal({"VALR_PAIR": "BTCUSDC", "VALR_API_KEY": "k"}, None))
    assert "the environment: VALR_PAIR (did you mean VALR_PAIRS?)" in text and "BTCUSDC" not in text
    assert "--env-file" not in text  # no file is at fault
    # The environment is shared with every other program: only VALR_ names are ours, and the
    # benchmarks' own switches are not settings.
    shared = {"HOME": "/home/x", "MAX_ORDR_ZAR": "1", "VALR_BENCH_QUICK": "1", "VALR_BENCH_MINUTES": "2"}
    assert load_settings(environ=shared, env_file=None).max_order_zar == 5000


def test_every_documented_key_is_accepted(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / ".env.example"
    keys = {line.lstrip("# ").split("=", 1)[0] for line in example.read_text().splitlines()
            if "=" in line and line.lstrip("# ").split("=", 1)[0].isupper()
            and " " not in line.lstrip("# ").split("=", 1)[0]}
    assert keys == set(SETTING_KEYS)
    load_settings(environ={}, env_file=example)  # the example itself is a valid .env


def test_the_command_line_refuses_to_start_with_one_coded_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = env_file(tmp_path, "MAX_ORDER_ZAR_=100\n")
    for command in (["config"], ["journal"]):
        assert main(["--env-file", str(path), *command]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.startswith("valr-tui: [VALR-CFG-011] not a valr-tui setting, in ")
        assert "MAX_ORDER_ZAR_ (did you mean MAX_ORDER_ZAR?)" in captured.err
        assert captured.err.count("\n") == 1
