"""The TF-IDF baseline lives in `model.tfidf` (the shipped ensemble uses it); kept here for imports."""

from model.tfidf import BASELINE_THRESHOLDS, TFIDF_FILE, BaselineScorer

__all__ = ["BASELINE_THRESHOLDS", "TFIDF_FILE", "BaselineScorer"]
