"""How alike two problem descriptions are, by their words and by their meaning.

"楼下垃圾桶满了" and "垃圾两天没人收" share one word; what makes them the same problem is what
they are about. A text's *meaning* here is the category model's distribution over categories
(the shipped model: the same answer in every community), compared with the Bhattacharyya
coefficient (1 when the distributions agree); its *words* are the model's hashed features
(jieba words, characters, bigrams; not the trigrams), compared by cosine. The similarity is
their mean, 0–1. The nearby-duplicates check (``cases.selectors.open_cases_near``) uses it
to offer a case of another category nearby when the texts say the same.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from . import shipped
from .model import hashed


@dataclass(frozen=True)
class Meaning:
    words: dict[int, float]
    topics: np.ndarray


# The meanings of the texts read last, per process: the duplicates check of every report
# compares it with the descriptions of the open cases nearby, the same few hundred texts
# report after report (tokenising one costs about a millisecond). The shipped model is read
# once per process and never changes, so a text's meaning does not either. First in, first
# out; a few kB each.
MEANINGS_KEPT = 2048
_meanings: OrderedDict[str, Meaning] = OrderedDict()
_meanings_lock = threading.Lock()


def meaning(text: str) -> Meaning:
    """The text's words and its meaning under the shipped model (not to be changed: shared)."""
    found = _meanings.get(text)
    if found is not None:
        return found
    model = shipped.load()
    words = hashed(text)  # jieba words, characters, bigrams
    # The model reads the same features, and trigrams too when it was trained with them.
    topics = model.proba(text) if model.trigrams else model.proba_of(words)
    found = Meaning(words=words, topics=topics)
    with _meanings_lock:
        _meanings[text] = found
        while len(_meanings) > MEANINGS_KEPT:
            _meanings.popitem(last=False)
    return found


def similarity(a: Meaning, b: Meaning) -> float:
    small, large = (a.words, b.words) if len(a.words) <= len(b.words) else (b.words, a.words)
    # The shared features only, in the same order: a feature of one text alone adds 0.0,
    # which changes no sum, so this is the full cosine, at a fraction of the lookups.
    lexical = sum([v * large[h] for h, v in small.items() if h in large])
    topical = float(np.sqrt(a.topics * b.topics).sum())
    return round((lexical + topical) / 2, 4)


def text_similarity(a: str, b: str) -> float:
    if not a.strip() or not b.strip():
        return 0.0
    return similarity(meaning(a), meaning(b))
