"""The shipped model: ``data/model.npz``, trained from ``data/train.tsv`` and measured on
the development set ``data/heldout.tsv`` (the test set, ``data/test.tsv``, is measured only by
``bench/suggest.py``). ``python -m tongxin.cases.suggest.shipped`` rebuilds it (deterministic).

It learns from ``corpus.training_rows()`` (the generated corpus and the hand-written texts).
``load()`` reads it once per process. If the file is missing or was trained from another
corpus than the one in the tree (its digest differs), the same model is trained from the
shipped corpus on first use instead (a few seconds): a fresh clone always has a model, with
no download.
"""

from __future__ import annotations

import threading
from pathlib import Path

from . import corpus
from .model import Model, digest, evaluate, train

MODEL_FILE = corpus.DATA / "model.npz"
VERSION = "shipped-3"  # 2: corpus_more, handwritten.tsv; 3: corpus_third, trigrams, + Bayes
_lock = threading.Lock()
_cached: Model | None = None


def build() -> Model:
    """Train the shipped model from the shipped corpus and measure it on the development set."""
    rows = corpus.training_rows()
    model = train(rows)
    model.meta.update(
        version=VERSION, source="corpus", accuracy=evaluate(model, corpus.read(corpus.HELDOUT))
    )
    return model


def _fresh(path: Path) -> Model | None:
    if not path.exists():
        return None
    try:
        model = Model.loads(path.read_bytes())
    except (OSError, ValueError, KeyError):
        return None
    if model.meta.get("digest") != digest(corpus.training_rows()):
        return None
    return model


def load() -> Model:
    """The shipped model, read (or, failing that, trained) once per process."""
    global _cached
    if _cached is None:
        with _lock:
            if _cached is None:
                _cached = _fresh(MODEL_FILE) or build()
    return _cached


if __name__ == "__main__":
    built = build()
    MODEL_FILE.write_bytes(built.dumps())
    print(MODEL_FILE, built.meta["accuracy"])
