"""PAIRS: the documented key; VALR_PAIRS, its older name, still read."""

from __future__ import annotations

import pytest

from valr_tui.config import load_settings
from valr_tui.errors import ConfigError


def pairs(environ: dict[str, str]) -> tuple[str, ...]:
    return load_settings(environ, env_file=None).pairs


def test_default_is_btczar_and_ethzar() -> None:
    assert pairs({}) == ("BTCZAR", "ETHZAR")


def test_pairs_is_read_upper_cased_in_order_without_repeats() -> None:
    assert pairs({"PAIRS": " solzar,BTCZAR, xrpzar ,SOLZAR"}) == ("SOLZAR", "BTCZAR", "XRPZAR")


def test_the_older_name_still_works_and_pairs_wins() -> None:
    assert pairs({"VALR_PAIRS": "XRPZAR"}) == ("XRPZAR",)
    assert pairs({"VALR_PAIRS": "XRPZAR", "PAIRS": "DOGEZAR"}) == ("DOGEZAR",)


@pytest.mark.parametrize("raw", ["BTC-ZAR", " , ", "BTCZAR;ETHZAR"])
def test_a_malformed_list_names_the_key(raw: str) -> None:
    with pytest.raises(ConfigError, match="PAIRS must be a comma-separated list"):
        pairs({"PAIRS": raw})
