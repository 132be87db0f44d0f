"""The category model: multinomial logistic regression over hashed features of a text (jieba
words, single characters, character bigrams and, since the third pass, character trigrams),
trained with AdaGrad in numpy, with a complement naive Bayes over the same features folded into
its weights (an ensemble that costs nothing at prediction time).

Pure computation, no database: ``train(rows)`` → :class:`Model`; ``Model.top(text, k)`` →
``[(code, probability)]``; ``Model.dumps()`` / ``Model.loads(data)`` the versioned file (an
``.npz``: the kept feature hashes, float16 weights, the classes and a JSON header with the
format, version, corpus digest and measured accuracy). Deterministic: the same rows train the
same weights. Nothing is downloaded: jieba ships its dictionary inside its package.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
import threading
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

FORMAT = "tongxin-suggest-1"
BUCKETS = 1 << 22
_KEEP = re.compile(r"[\u4e00-\u9fff0-9a-zA-Z]+")
_jieba_lock = threading.Lock()
_tokenizer: Any = None


def _jieba() -> Any:
    """One jieba tokenizer per process, its dictionary loaded on first use (from the package)."""
    global _tokenizer
    if _tokenizer is None:
        with _jieba_lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                _tokenizer = tok
    return _tokenizer


def features(text: str, *, trigrams: bool = False) -> list[str]:
    """What the model reads of a text: its words, its characters, character bigrams and (with
    ``trigrams``) character trigrams."""
    runs = _KEEP.findall(text.lower())
    out: list[str] = []
    tok = _jieba()
    for run in runs:
        out.extend("w" + w for w in tok.lcut(run, HMM=True) if len(w) > 1)
        out.extend("c" + ch for ch in run)
        out.extend("b" + run[i : i + 2] for i in range(len(run) - 1))
        if trigrams:
            out.extend("t" + run[i : i + 3] for i in range(len(run) - 2))
    return out


def hashed(text: str, *, trigrams: bool = False) -> dict[int, float]:
    """The text's features as hashed buckets with 1/sqrt(n)-scaled counts."""
    counts: dict[int, float] = {}
    for f in features(text, trigrams=trigrams):
        h = zlib.crc32(f.encode("utf-8")) & (BUCKETS - 1)
        counts[h] = counts.get(h, 0.0) + 1.0
    if counts:
        scale = 1.0 / float(np.sqrt(sum(v * v for v in counts.values())))
        for h in counts:
            counts[h] *= scale
    return counts


def digest(rows: Iterable[tuple[str, str]]) -> str:
    h = hashlib.sha256()
    for code, text in rows:
        h.update(f"{code}\t{text}\n".encode())
    return h.hexdigest()[:16]


@dataclass
class Model:
    classes: list[str]
    vocab: np.ndarray  # sorted uint32 feature hashes
    weights: np.ndarray  # (len(vocab), len(classes))
    bias: np.ndarray  # (len(classes),)
    meta: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ predict

    @property
    def trigrams(self) -> bool:
        """Whether the model reads character trigrams (files before the third pass do not)."""
        return bool(self.meta.get("trigrams", False))

    def scores(self, text: str) -> np.ndarray:
        return self.scores_of(hashed(text, trigrams=self.trigrams))

    def scores_of(self, feats: dict[int, float]) -> np.ndarray:
        """The classes' scores of a text's hashed features (``hashed``)."""
        out = self.bias.astype(np.float32).copy()
        if not feats:
            return out
        keys = np.fromiter(feats.keys(), dtype=np.uint32, count=len(feats))
        vals = np.fromiter(feats.values(), dtype=np.float32, count=len(feats))
        pos = np.searchsorted(self.vocab, keys)
        pos = np.minimum(pos, len(self.vocab) - 1)
        hit = self.vocab[pos] == keys
        if hit.any():
            out += vals[hit] @ self.weights[pos[hit]].astype(np.float32)
        return out

    def proba(self, text: str) -> np.ndarray:
        return self.proba_of(hashed(text, trigrams=self.trigrams))

    def proba_of(self, feats: dict[int, float]) -> np.ndarray:
        """The classes' probabilities of a text's hashed features (``hashed``)."""
        s = self.scores_of(feats)
        e = np.exp(s - s.max())
        p: np.ndarray = e / e.sum()
        return p

    def top(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The ``k`` likeliest classes with their probabilities, best first."""
        p = self.proba(text)
        order = np.argsort(-p, kind="stable")[:k]
        return [(self.classes[i], float(p[i])) for i in order]

    # ------------------------------------------------------------------ the file

    def dumps(self) -> bytes:
        buf = io.BytesIO()
        header = json.dumps({**self.meta, "format": FORMAT, "classes": self.classes})
        np.savez_compressed(
            buf,
            header=np.frombuffer(header.encode("utf-8"), dtype=np.uint8),
            vocab=self.vocab.astype(np.uint32),
            weights=self.weights.astype(np.float16),
            bias=self.bias.astype(np.float32),
        )
        return buf.getvalue()

    @classmethod
    def loads(cls, data: bytes) -> Model:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            header = json.loads(bytes(z["header"]).decode("utf-8"))
            if header.get("format") != FORMAT:
                raise ValueError(f"not a {FORMAT} file")
            classes = header.pop("classes")
            header.pop("format")
            return cls(
                classes=list(classes),
                vocab=z["vocab"].astype(np.uint32),
                weights=z["weights"].astype(np.float16),
                bias=z["bias"].astype(np.float32),
                meta=header,
            )


def train(
    rows: Sequence[tuple[str, str]],
    *,
    epochs: int = 14,
    rate: float = 0.5,
    l2: float = 1e-6,
    batch: int = 32,
    seed: int = 23,
    min_count: int = 1,
    trigrams: bool = True,
    bayes: float = 1.0,
    alpha: float = 0.1,
) -> Model:
    """A model of ``rows`` (code, text), the same for the same rows: the logistic regression's
    weights plus ``bayes`` times a complement naive Bayes's (smoothing ``alpha``) over the same
    features (``bayes=0``: the regression alone)."""
    classes = sorted({code for code, _t in rows})
    index = {c: i for i, c in enumerate(classes)}
    docs = [hashed(text, trigrams=trigrams) for _c, text in rows]
    counts: dict[int, int] = {}
    for d in docs:
        for h in d:
            counts[h] = counts.get(h, 0) + 1
    vocab = np.array(sorted(h for h, n in counts.items() if n >= min_count), dtype=np.uint32)
    # Each document as (rows of the weight matrix, values).
    encoded = []
    for d in docs:
        keys = np.fromiter(d.keys(), dtype=np.uint32, count=len(d))
        vals = np.fromiter(d.values(), dtype=np.float32, count=len(d))
        pos = np.minimum(np.searchsorted(vocab, keys), max(len(vocab) - 1, 0))
        hit = vocab[pos] == keys if len(vocab) else np.zeros(len(keys), dtype=bool)
        encoded.append((pos[hit].astype(np.int64), vals[hit]))
    labels = np.array([index[c] for c, _t in rows], dtype=np.int64)
    n_c = len(classes)
    W = np.zeros((len(vocab), n_c), dtype=np.float32)
    b = np.zeros(n_c, dtype=np.float32)
    gW = np.full_like(W, 1e-8)
    gb = np.full_like(b, 1e-8)
    rng = np.random.default_rng(seed)
    order = np.arange(len(rows))
    for _epoch in range(epochs):
        rng.shuffle(order)
        for start in range(0, len(order), batch):
            ids = order[start : start + batch]
            idx = np.concatenate([encoded[i][0] for i in ids])
            val = np.concatenate([encoded[i][1] for i in ids])
            doc = np.repeat(np.arange(len(ids)), [len(encoded[i][0]) for i in ids])
            S = np.tile(b, (len(ids), 1))
            np.add.at(S, doc, W[idx] * val[:, None])
            S -= S.max(axis=1, keepdims=True)
            P = np.exp(S)
            P /= P.sum(axis=1, keepdims=True)
            P[np.arange(len(ids)), labels[ids]] -= 1.0  # the gradient of the loss
            grad = np.zeros((len(idx), n_c), dtype=np.float32)
            grad[:] = P[doc] * val[:, None]
            uniq, inv = np.unique(idx, return_inverse=True)
            g = np.zeros((len(uniq), n_c), dtype=np.float32)
            np.add.at(g, inv, grad)
            g += l2 * W[uniq]
            gW[uniq] += g * g
            W[uniq] -= rate * g / np.sqrt(gW[uniq])
            gbatch = P.sum(axis=0)
            gb += gbatch * gbatch
            b -= rate * gbatch / np.sqrt(gb)
    if bayes and len(vocab):
        W += bayes * complement_bayes(encoded, labels, len(vocab), n_c, alpha=alpha)
    # Keep only the rows that say something (float16 rounds the rest to nothing anyway).
    keep = np.abs(W).max(axis=1) >= 1e-3
    return Model(
        classes=classes,
        vocab=vocab[keep],
        weights=W[keep].astype(np.float16),
        bias=b,
        meta={"texts": len(rows), "digest": digest(rows), "trigrams": trigrams, "bayes": bayes},
    )


def complement_bayes(
    encoded: Sequence[tuple[np.ndarray, np.ndarray]],
    labels: np.ndarray,
    n_features: int,
    n_classes: int,
    *,
    alpha: float = 0.1,
) -> np.ndarray:
    """Complement naive Bayes weights (Rennie et al. 2003) over the encoded documents: a class's
    weight for a feature is minus the log of how often the feature occurs in the OTHER classes'
    texts (smoothed), centred per feature so that only the differences between classes count.
    Additive, so it folds into the regression's weights."""
    pos = np.concatenate([e[0] for e in encoded])
    val = np.concatenate([e[1] for e in encoded]).astype(np.float64)
    lab = np.repeat(labels, [len(e[0]) for e in encoded])
    counts = np.zeros((n_features, n_classes), dtype=np.float64)
    np.add.at(counts, (pos, lab), val)
    other = counts.sum(axis=1, keepdims=True) - counts
    theta = (other + alpha) / (other.sum(axis=0, keepdims=True) + alpha * n_features)
    w = -np.log(theta)
    w -= w.mean(axis=1, keepdims=True)
    return w.astype(np.float32)


def top_of(code: str) -> str:
    """The top-level code of a category code (``env.garbage`` → ``env``)."""
    return code.split(".", 1)[0]


def evaluate(model: Model, rows: Sequence[tuple[str, str]], *, top: Any = top_of) -> dict[str, Any]:
    """Top-1 and top-3 accuracy of ``model`` on ``rows``, for the leaves and the top levels
    (a top level's probability is the sum of its leaves'), overall and per top level."""
    tops = [top(c) for c in model.classes]
    top_names = sorted(set(tops))
    member = np.array([[t == name for t in tops] for name in top_names], dtype=np.float32)
    n = len(rows)
    hits = {"leaf1": 0, "leaf3": 0, "top1": 0, "top3": 0}
    per: dict[str, dict[str, int]] = {}
    for code, text in rows:
        p = model.proba(text)
        leaf_order = [model.classes[i] for i in np.argsort(-p, kind="stable")[:3]]
        tp = member @ p
        top_order = [top_names[i] for i in np.argsort(-tp, kind="stable")[:3]]
        want = top(code)
        row = per.setdefault(want, {"n": 0, "top1": 0, "top3": 0})
        row["n"] += 1
        hits["leaf1"] += leaf_order[0] == code
        hits["leaf3"] += code in leaf_order
        hits["top1"] += top_order[0] == want
        hits["top3"] += want in top_order
        row["top1"] += top_order[0] == want
        row["top3"] += want in top_order
    ratio = {k: round(v / n, 4) if n else 0.0 for k, v in hits.items()}
    return {
        "n": n,
        **ratio,
        "by_top": {
            t: {
                "n": r["n"],
                "top1": round(r["top1"] / r["n"], 4),
                "top3": round(r["top3"] / r["n"], 4),
            }
            for t, r in sorted(per.items())
        },
    }
