"""Category mapping tables, the text classifier and its cross-validated accuracy."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from civicgrid.service.categories import (CATEGORIES, CategoryMapping, TextCategoryClassifier, apply_mapping,
                                          builtin_mappings, categorize, cross_validated_accuracy, event_text,
                                          request_type_of)

MAP = {"name": "test", "version": "1", "effective_from": "2020-01-01", "files": ["crm_*.csv"],
       "request_types": {"Pothole": "service_request", "Parking permit": "permit", "Barking dog": "complaint"},
       "statuses": {"Referred Out": "transfer"}, "outside_agencies": ["County Health"]}


def _df(rows):
    df = pd.DataFrame(rows)
    if "opened_at" in df:
        df["opened_at"] = pd.to_datetime(df["opened_at"], utc=True)
    return df


def test_precedence_status_then_agency_then_type_and_normalized_keys():
    m = CategoryMapping.from_dict(MAP)
    df = _df([
        {"category": "Pothole", "status": "Referred  out", "agency_responsible": "DPW"},
        {"category": "Pothole", "status": "Open", "agency_responsible": "county health"},
        {"category": " pothole ", "status": "Open", "agency_responsible": "DPW"},
        {"category": "Parking permit", "status": "Closed", "agency_responsible": None},
        {"category": "Something new", "status": "Open", "agency_responsible": None},
    ])
    out = apply_mapping(df, m, keywords=False)
    assert out["service_category"].tolist() == ["transfer", "transfer", "service_request", "permit", None]
    assert out["category_rule"].tolist()[:3] == ["test v1: status", "test v1: outside agency", "test v1: request type"]
    assert m.matches_file("crm_2024.csv") and not m.matches_file("other.csv")


def test_versions_apply_by_opening_date():
    v1 = CategoryMapping.from_dict(MAP)
    v2 = CategoryMapping.from_dict(MAP | {"version": "2", "effective_from": "2024-01-01",
                                          "request_types": {"Barking dog": "service_request"}})
    df = _df([{"category": "Barking dog", "opened_at": "2019-05-01"},   # before v1: the oldest version
              {"category": "Barking dog", "opened_at": "2023-12-31"},
              {"category": "Barking dog", "opened_at": "2024-01-02"},
              {"category": "Barking dog", "opened_at": None}])          # no date: the latest version
    out = apply_mapping(df, [v2, v1], keywords=False)
    assert out["service_category"].tolist() == ["complaint", "complaint", "service_request", "service_request"]
    assert out["category_rule"].str.startswith("test v2").tolist() == [False, False, True, True]


def test_mapping_validation_and_yaml(tmp_path):
    with pytest.raises(ValueError, match="unknown categories"):
        CategoryMapping.from_dict(MAP | {"request_types": {"Pothole": "repair"}})
    p = tmp_path / "m.yaml"
    p.write_text(yaml.safe_dump(MAP))
    assert CategoryMapping.load(p).request_types["pothole"] == "service_request"


def test_request_type_when_config_already_mapped_to_six_categories():
    df = pd.DataFrame({"category": ["permit", "Pothole", None], "subcategory": ["Parking permit", None, None],
                       "type_code": [None, None, "X9"]})
    assert request_type_of(df).tolist() == ["Parking permit", "Pothole", "X9"]
    out = categorize(df, CategoryMapping.from_dict(MAP))
    assert out.loc[0, "category_method"] == "config" and out.loc[0, "service_category"] == "permit"


def test_keywords_then_classifier_with_review_flag():
    rows = [{"category": f"Pothole on street {i}", "status": "Open"} for i in range(30)]
    rows += [{"category": f"Parking permit application {i}", "status": "Open"} for i in range(30)]
    rows += [{"category": "Question about trash day", "status": "Open"},   # keyword: inquiry
             {"category": "Deep pothole street", "status": "Open"},        # classifier: near the potholes
             {"category": "zzzz", "status": "qqqq"}]                       # nothing to go on
    df = pd.DataFrame(rows)
    m = CategoryMapping.from_dict(MAP | {"request_types": {r["category"]: ("service_request" if "Pothole" in r["category"]
                                                                           else "permit") for r in rows[:60]}})
    out = categorize(df, m, threshold=0.9)
    assert out.loc[60, ["service_category", "category_method"]].tolist() == ["inquiry", "keyword"]
    assert out.loc[61, ["service_category", "category_method"]].tolist() == ["service_request", "classifier"]
    assert out.loc[62, "category_method"] == "classifier" and bool(out.loc[62, "needs_review"])
    assert 0 < out.loc[62, "category_confidence"] < 0.9
    assert (out.loc[:59, "category_confidence"] == 1.0).all() and not out.loc[:59, "needs_review"].any()


def test_classifier_predicts_with_confidence():
    texts = pd.Series(["noise at night", "loud music", "noise party", "pothole", "road hole", "pothole deep"] * 3)
    labels = pd.Series(["complaint"] * 3 + ["service_request"] * 3 + ["complaint"] * 3 + ["service_request"] * 3
                       + ["complaint"] * 3 + ["service_request"] * 3)
    clf = TextCategoryClassifier(threshold=0.5).fit(texts, labels)
    p = clf.predict(pd.Series(["loud noise", "hole in road"]))
    assert p["category"].tolist() == ["complaint", "service_request"]
    assert ((p["confidence"] > 0.5) & (p["confidence"] <= 1)).all()


def test_cross_validation_leaves_out_tiny_categories():
    d = pd.DataFrame({"text": ["a b", "c d"] * 10 + ["e f"], "service_category": ["inquiry", "permit"] * 10 + ["feedback"]})
    r = cross_validated_accuracy(d, k=5)
    assert r["available"] and r["left_out_categories"] == {"feedback": 1}
    assert r["accuracy"] == 1.0 and set(r["per_category"]) == {"inquiry", "permit"}
    assert cross_validated_accuracy(d.head(1))["available"] is False


def test_builtin_tables_cover_the_real_request_types(la_raw):
    la = next(m for m in builtin_mappings() if m.name == "los_angeles_myla311")
    assert la.matches_file("MyLA311_Service_Request_Data_2017_Subset.csv")
    df = pd.DataFrame({"category": la_raw["RequestType"], "status": la_raw["Status"],
                       "agency_responsible": la_raw["Owner"]})
    out = apply_mapping(df, la)
    assert set(la_raw.loc[out["service_category"].isna(), "RequestType"]) == {"Other"}
    assert (out.loc[la_raw["Status"] == "Referred Out", "service_category"] == "transfer").all()
    assert set(out["service_category"].dropna()) <= set(CATEGORIES)


def test_classifier_accuracy_on_real_rows(la_report, pgh_report):
    """Honest numbers: stratified folds mostly replay the table; unseen request types are the real test."""
    la = la_report["categories"]["sources"]["myla311_2017"]
    assert la["mapping"] == ["los_angeles_myla311 v1"]
    assert la["by_method"]["classifier"] == 153  # the "Other" requests
    cv = la["classifier_cv"]
    assert cv["left_out_categories"] == {"feedback": 1}
    assert cv["accuracy"] >= cv["majority_baseline_accuracy"]
    assert set(cv["per_category"]) == {"service_request", "complaint", "transfer"}
    pgh = pgh_report["categories"]["sources"]["requests_311"]
    strat, unseen = pgh["classifier_cv"], pgh["classifier_cv_unseen_request_types"]
    assert strat["accuracy"] > 0.95 > strat["majority_baseline_accuracy"]
    assert set(strat["per_category"]) == set(CATEGORIES)
    assert unseen["method"] == "group k-fold by request_type"
    assert 0.5 < unseen["accuracy"] < strat["accuracy"]


def test_event_text():
    df = pd.DataFrame({"category": ["Pothole", None], "status": ["Open", "Closed"], "comment": [None, "deep"]})
    assert event_text(df).tolist() == ["Pothole | Open", "Closed | deep"]
