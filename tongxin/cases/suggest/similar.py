"""How alike two problem descriptions are, by their words and by their meaning.

"楼下垃圾桶满了" and "垃圾两天没人收" share one word; what makes them the same problem is what
they are about. A text's *meaning* here is the category model's distribution over categories
(the shipped model: the same answer in every community), compared with the Bhattacharyya
coefficient (1 when the distributions agree); its *words* are the model's hashed features
(jieba words, characters, bigrams), compared by cosine. The similarity is their mean, 0–1.
The nearby-duplicates check (``cases.selectors.open_cases_near``) uses it to offer a case of
another category nearby when the texts say the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import shipped
from .model import hashed


@dataclass(frozen=True)
class Meaning:
    words: dict[int, float]
    topics: np.ndarray


def meaning(text: str) -> Meaning:
    model = shipped.load()
    return Meaning(words=hashed(text), topics=model.proba(text))


def similarity(a: Meaning, b: Meaning) -> float:
    small, large = (a.words, b.words) if len(a.words) <= len(b.words) else (b.words, a.words)
    lexical = sum(v * large.get(h, 0.0) for h, v in small.items())
    topical = float(np.sqrt(a.topics * b.topics).sum())
    return round((lexical + topical) / 2, 4)


def text_similarity(a: str, b: str) -> float:
    if not a.strip() or not b.strip():
        return 0.0
    return similarity(meaning(a), meaning(b))
