"""The text classifier behind the category mapping, and its honest evaluation.

TF-IDF over word (1–2) and character (3–4) n-grams feeding a multinomial logistic regression,
classes balanced. Each prediction carries a confidence (the highest class probability); below the
threshold (0.6) the row needs review. Service-request texts repeat a lot, so the model is fitted
on distinct (text, category) pairs weighted by their count — the same loss as fitting every row.

:func:`cross_validated_accuracy` reports accuracy, precision and F1 per category against the
majority-class baseline. With ``group_col`` (e.g. the request type) whole groups are held out, so
each prediction is for a request type the model never saw: that is the measure that matters for
the unmapped rows it is used on. Stratified folds over rows mostly measure how well it memorises
the mapping table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

DEFAULT_THRESHOLD = 0.6


def _pipeline(max_iter: int = 2000):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, make_pipeline
    from sklearn.feature_extraction.text import TfidfVectorizer

    feats = FeatureUnion([
        ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), sublinear_tf=True)),
    ])
    return make_pipeline(feats, LogisticRegression(max_iter=max_iter, C=4.0))


def _fit_weighted(texts: pd.Series, labels: pd.Series):
    """Fit on distinct (text, label) pairs weighted by count x balanced class weight.

    The same loss as fitting every row with ``class_weight="balanced"``, but 311 texts repeat
    (a few hundred distinct among thousands of rows), so it is much faster.
    """
    d = pd.DataFrame({"t": texts.astype(str).to_numpy(), "y": labels.astype(str).to_numpy()})
    per_class = d["y"].value_counts()
    w_class = len(d) / (len(per_class) * per_class)
    u = d.groupby(["t", "y"], sort=True).size().rename("n").reset_index()
    w = (u["n"] * u["y"].map(w_class)).to_numpy(dtype=float)
    # one BLAS thread: on small problems threaded BLAS makes L-BFGS 30x slower on a busy 2-core box
    with threadpool_limits(1):
        return _pipeline().fit(u["t"], u["y"], logisticregression__sample_weight=w)


def _predict_proba(model, texts: pd.Series) -> np.ndarray:
    """Predict distinct texts once and broadcast back to rows."""
    codes, uniq = pd.factorize(texts.astype(str))
    with threadpool_limits(1):
        return model.predict_proba(pd.Series(uniq))[codes]


class TextCategoryClassifier:
    """TF-IDF + logistic regression over :func:`event_text`; predictions below ``threshold`` need review."""

    def __init__(self, threshold: float = DEFAULT_THRESHOLD):
        self.threshold = threshold
        self.model = None
        self.classes_: list[str] = []

    def fit(self, texts: pd.Series, labels: pd.Series) -> "TextCategoryClassifier":
        """Train on labelled texts (needs at least two categories)."""
        labels = pd.Series(labels).astype(str)
        if labels.nunique() < 2:
            raise ValueError("the classifier needs rows of at least two categories to learn from")
        self.model = _fit_weighted(pd.Series(texts), labels)
        self.classes_ = list(self.model.classes_)
        return self

    def predict(self, texts: pd.Series) -> pd.DataFrame:
        """``category``, ``confidence`` (highest class probability) and ``needs_review`` per text."""
        texts = pd.Series(texts).astype(str)
        if self.model is None:
            raise RuntimeError("fit the classifier first")
        if texts.empty:
            return pd.DataFrame({"category": [], "confidence": [], "needs_review": []}, index=texts.index)
        proba = _predict_proba(self.model, texts)
        best = proba.argmax(axis=1)
        conf = proba[np.arange(len(best)), best]
        return pd.DataFrame({"category": np.asarray(self.classes_)[best], "confidence": conf,
                             "needs_review": conf < self.threshold}, index=texts.index)


def cross_validated_accuracy(labelled: pd.DataFrame, text_col: str = "text", label_col: str = "service_category",
                             k: int = 5, group_col: str | None = None, seed: int = 0) -> dict:
    """Stratified k-fold accuracy and F1 of the text classifier, per category.

    Args:
        labelled: one row per labelled record with a text and a category.
        k: folds. Categories with fewer than ``k`` rows cannot be stratified: they are left out and listed.
        group_col: when given (e.g. the request type), folds hold out whole groups (GroupKFold), so
            every prediction is for a request type the model never saw.

    Returns:
        ``{"accuracy", "macro_f1", "majority_baseline_accuracy", "n", "k", "per_category": {cat:
        {"n", "accuracy", "precision", "f1"}}, "left_out_categories": {cat: n}, "needs_review_share"}``,
        or ``{"available": False, "reason": ...}``.
    """
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    d = labelled[[text_col, label_col] + ([group_col] if group_col else [])].dropna()
    counts = d[label_col].value_counts()
    too_few = counts[counts < k]
    d = d[~d[label_col].isin(too_few.index)]
    left_out = {str(c): int(n) for c, n in too_few.items()}
    if d[label_col].nunique() < 2:
        return {"available": False, "reason": f"fewer than two categories with at least {k} labelled rows",
                "n": int(len(d)), "left_out_categories": left_out}
    y = d[label_col].astype(str).reset_index(drop=True)
    x = d[text_col].astype(str).reset_index(drop=True)
    if group_col:
        groups = d[group_col].astype(str).to_numpy()
        k = min(k, len(set(groups)))
        if k < 2:
            return {"available": False, "reason": "fewer than two groups", "n": int(len(d))}
        splits = GroupKFold(n_splits=k).split(x, y, groups)
    else:
        splits = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(x, y)
    classes = np.unique(y)
    proba = np.zeros((len(y), len(classes)))
    for train, test in splits:
        if y.iloc[train].nunique() < 2:
            proba[test, list(classes).index(y.iloc[train].iloc[0])] = 1.0
            continue
        model = _fit_weighted(x.iloc[train], y.iloc[train])
        cols = [list(classes).index(c) for c in model.classes_]
        proba[np.ix_(test, cols)] = _predict_proba(model, x.iloc[test])
    y = y.to_numpy()
    pred = classes[proba.argmax(axis=1)]
    labels = list(classes)
    prec, rec, f1, sup = precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    return {
        "available": True, "method": "group k-fold by " + group_col if group_col else "stratified k-fold",
        "k": int(k), "n": int(len(y)), "accuracy": float(accuracy_score(y, pred)),
        "macro_f1": float(f1_score(y, pred, average="macro", zero_division=0)),
        "majority_baseline_accuracy": float(pd.Series(y).value_counts(normalize=True).iloc[0]),
        "needs_review_share": float((proba.max(axis=1) < DEFAULT_THRESHOLD).mean()),
        "per_category": {c: {"n": int(s), "accuracy": float(r), "precision": float(p), "f1": float(f)}
                         for c, p, r, f, s in zip(labels, prec, rec, f1, sup)},
        "left_out_categories": left_out,
    }
