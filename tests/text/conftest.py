"""Shared helpers for the text-analysis tests: the seed article and the evaluation set (dev rows only)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SEED = REPO.parent / "shared" / "seed" / "000_270dc92ae68a6539.txt"
WAIMAI = REPO.parent / "shared" / "eval" / "waimai_10k" / "waimai_10k.csv"


@pytest.fixture(scope="session")
def seed_text() -> str:
    if not SEED.is_file():
        pytest.skip(f"seed article not found at {SEED}")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def waimai():
    if not WAIMAI.is_file():
        pytest.skip(f"waimai_10k not found at {WAIMAI}")
    import pandas as pd

    return pd.read_csv(WAIMAI)
