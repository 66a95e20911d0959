"""Shared test fixtures: where the real open data lives, and small helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real open-data folder (../shared/data); tests that need it skip without it."""
    if not DATA.is_dir():
        pytest.skip(f"real data folder {DATA} is not present (it sits beside the repository in CI)")
    return DATA
