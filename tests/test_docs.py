"""The documented warehouse interface matches the real schema."""

from pathlib import Path

from civicgrid.ingest.fields import FIELDS_BY_TABLE
from civicgrid.ingest.schema import table_columns

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_warehouse_column_is_documented():
    text = (DOCS / "warehouse.md").read_text()
    for table in FIELDS_BY_TABLE:
        assert f"### `{table}`" in text, table
        section = text.split(f"### `{table}`", 1)[1].split("\n### ", 1)[0]
        for col, _ in table_columns(table):
            assert f"| `{col}` |" in section, f"{table}.{col} missing from docs/warehouse.md"


def test_every_config_key_is_documented():
    from civicgrid.config import City, Source

    text = (DOCS / "configuration.md").read_text()
    for key in list(Source.model_fields) + [f"city.{k}" for k in City.model_fields]:
        assert f"`{key}`" in text, f"{key} missing from docs/configuration.md"
