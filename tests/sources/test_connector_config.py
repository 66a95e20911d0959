"""The `connector:` block of a source and the `alerts:` section validate with one-sentence errors."""

from __future__ import annotations

import pytest
import yaml

from civicgrid.config import ConfigError, load_config

BASE = {
    "name": "fire_incidents", "department": "fire", "kind": "fire_incident", "record_id": ["call_no"],
    "columns": {"opened_at": "alarm_time", "address": "address"},
}


def _write(tmp_path, source: dict, **top) -> object:
    p = tmp_path / "city.yaml"
    p.write_text(yaml.safe_dump({"city": {"name": "T"}, "sources": [source], **top}))
    return p


def test_connector_source_reads_its_pulled_files(tmp_path):
    src = {**BASE, "connector": {"type": "ckan", "url": "https://data.wprdc.org/",
                                 "dataset": "8d76ac6b-5ae8-4428-82a4-043130d17b02", "watermark": "alarm_time"}}
    cfg = load_config(_write(tmp_path, src), data_dir=tmp_path)
    s = cfg.sources[0]
    assert s.path == "_pulled/fire_incidents/*.jsonl" and s.format == "jsonl"
    assert s.connector.url == "https://data.wprdc.org"  # trailing slash dropped
    (tmp_path / "_pulled" / "fire_incidents").mkdir(parents=True)
    (tmp_path / "_pulled" / "fire_incidents" / "b.jsonl").write_text("{}\n")
    (tmp_path / "_pulled" / "fire_incidents" / "a.jsonl").write_text("{}\n")
    (tmp_path / "_pulled" / "fire_incidents" / "_state.json").write_text("{}")
    assert [p.name for p in cfg.files_for(s)] == ["a.jsonl", "b.jsonl"]


def test_connector_settings_do_not_change_the_fingerprint(tmp_path):
    a = {**BASE, "connector": {"type": "ckan", "url": "https://x.org", "dataset": "r", "timeout": 5}}
    b = {**BASE, "connector": {"type": "ckan", "url": "https://x.org", "dataset": "r", "timeout": 50, "page_size": 10}}
    fa = load_config(_write(tmp_path, a)).sources[0].fingerprint()
    fb = load_config(_write(tmp_path, b)).sources[0].fingerprint()
    assert fa == fb  # fetching differently never forces a re-read of the pulled files


@pytest.mark.parametrize("connector, extra, expect", [
    ({"type": "ckan", "url": "https://x.org", "dataset": "r"}, {"path": "fire.csv"}, "leave out 'path'"),
    ({"type": "ckan", "url": "https://x.org"}, {}, "needs 'dataset'"),
    ({"type": "socrata", "url": "data.lacity.org", "dataset": "d4vt-q4t5"}, {}, "not an http(s) URL"),
    ({"type": "arcgis", "url": "https://x.org", "pagesize": 10}, {}, "unknown key 'pagesize'"),
    ({"type": "wfs", "url": "https://x.org"}, {}, "connector.type"),
])
def test_bad_connector_blocks_are_one_sentence_errors(tmp_path, connector, extra, expect):
    with pytest.raises(ConfigError) as e:
        load_config(_write(tmp_path, {**BASE, **extra, "connector": connector}))
    assert expect in str(e.value)
    assert "Traceback" not in str(e.value)


def test_file_sources_still_need_a_path(tmp_path):
    with pytest.raises(ConfigError, match="path: required key is missing"):
        load_config(_write(tmp_path, BASE))


def test_alerts_section(tmp_path):
    alerts = {"email": {"host": "127.0.0.1", "port": 2525, "sender": "a@b", "to": ["c@d"]},
              "webhook": {"url": "http://127.0.0.1:9/hook"}, "quarantine_share": 0.1}
    cfg = load_config(_write(tmp_path, {**BASE, "path": "f.csv"}, alerts=alerts))
    assert cfg.alerts.email.port == 2525 and cfg.alerts.quarantine_factor == 3.0
    with pytest.raises(ConfigError, match="unknown key 'smtp'"):
        load_config(_write(tmp_path, {**BASE, "path": "f.csv"}, alerts={"smtp": {}}))
