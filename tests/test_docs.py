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


def test_every_table_and_column_of_a_built_warehouse_is_documented(tmp_path):
    """Build the small demo city (linked, plus service and workforce tables) and hold the docs to it."""
    import duckdb
    from typer.testing import CliRunner

    from civicgrid.cli import app

    runner = CliRunner()
    demo = tmp_path / "demo"
    assert runner.invoke(app, ["demo", "--dir", str(demo), "--scale", "0.05", "--json"]).exit_code == 0
    db = str(demo / "civicgrid.duckdb")
    assert runner.invoke(app, ["workforce", "report", "--db", db, "--write-tables", "--json"]).exit_code == 0
    assert runner.invoke(app, ["service", "report", "--db", db, "--write-tables", "--json"]).exit_code == 0
    text = (DOCS / "warehouse.md").read_text()
    con = duckdb.connect(db, read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()]
        missing = []
        for t in tables:
            if t.endswith("_history"):
                continue  # twins of documented record tables
            if f"### `{t}`" not in text:
                missing.append(t)
                continue
            section = text.split(f"### `{t}`", 1)[1].split("\n### ", 1)[0].split("\n## ", 1)[0]
            for (col,) in con.execute(f"SELECT column_name FROM information_schema.columns WHERE table_name = '{t}'").fetchall():
                if f"`{col}`" not in section:
                    missing.append(f"{t}.{col}")
    finally:
        con.close()
    assert not missing, f"undocumented in docs/warehouse.md: {missing}"
