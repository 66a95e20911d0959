"""docs/integration.md documents every warehouse table the stage writes, column for column."""

from __future__ import annotations

from pathlib import Path

from civicgrid.integration.tables import SCHEMAS, markdown

DOCS = Path(__file__).resolve().parents[2] / "docs" / "integration.md"


def test_every_table_is_documented_exactly():
    text = DOCS.read_text(encoding="utf-8")
    for name in SCHEMAS:
        assert f"### `{name}`\n\n{markdown(name)}\n" in text, name


def test_docs_name_every_cli_command_and_api_function():
    text = DOCS.read_text(encoding="utf-8")
    import civicgrid.integration as ig

    for fn in ig.__all__:
        if fn not in ("IntegrationSettings", "compute_all"):
            assert f"{fn}(" in text, fn
    for cmd in ("integration scores", "integration profile", "integration early-warning", "integration backtest",
                "integration areas", "meeting new", "meeting action add", "decide"):
        assert cmd in text, cmd
