"""docs/linkage.md documents every column the linkage writes, and every linkage setting."""

from pathlib import Path

from civicgrid.config import LinkageSettings, ParcelIdRule
from civicgrid.linkage import matchtypes as mt
from civicgrid.linkage.tables import SCHEMAS

DOC = Path(__file__).resolve().parents[2] / "docs" / "linkage.md"


def test_every_linkage_table_column_is_documented():
    text = DOC.read_text()
    for table, cols in SCHEMAS.items():
        assert f"### `{table}`" in text, table
        section = text.split(f"### `{table}`", 1)[1].split("\n### ", 1)[0]
        for col, _, _ in cols:
            assert f"| `{col}` |" in section, f"{table}.{col} missing from docs/linkage.md"


def test_every_setting_and_match_type_is_documented():
    text = DOC.read_text()
    for key in list(LinkageSettings.model_fields) + [f"parcel_id.{k}" for k in ParcelIdRule.model_fields]:
        assert f"`{key}`" in text, key
    for kind in mt.ALL:
        assert f"`{kind}`" in text, kind
