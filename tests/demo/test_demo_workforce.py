"""The demo city's workforce report has a benchmark and a resident-hire rate out of the box."""

from civicgrid.config import load_config
from civicgrid.demo import generate_demo_city
from civicgrid.warehouse import build_warehouse
from civicgrid.workforce import workforce_report


def test_demo_workforce_report_has_benchmark_and_resident_hire_rate(tmp_path):
    data = generate_demo_city(tmp_path / "data", seed=3, scale=0.1)
    assert (data / "workforce.yaml").read_text().startswith("# SYNTHETIC DEMO DATA")
    db = tmp_path / "w.duckdb"
    build_warehouse(load_config(data / "city.yaml"), db)
    rep = workforce_report(str(db))
    assert rep["representation"]["comparable"] > 0
    idx = [c["representation_index"] for c in rep["representation"]["table"] if not c["suppressed"]]
    assert any(v is not None for v in idx)
    rh = rep["representation"]["resident_hire_rate"]
    assert rh["status"] == "ok" and 0 < rh["rate"] < 1
    assert "voluntary goal" in rh["note"]
