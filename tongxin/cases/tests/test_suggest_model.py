"""The category model itself: the shipped file, its accuracy record, top-k, determinism, and
that it works with the network off on a fresh clone (no file: trained from the shipped corpus)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tongxin.cases.defaults import CATEGORY_TREE
from tongxin.cases.suggest import corpus, model, shipped


def _leaves() -> set[str]:
    out: set[str] = set()

    def walk(node: dict[str, Any]) -> None:
        if node.get("children"):
            for child in node["children"]:
                walk(child)
        else:
            out.add(node["code"])

    for node in CATEGORY_TREE:
        walk(node)
    return out


@pytest.fixture
def network_off(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_the_corpus_covers_every_default_leaf_and_is_apart_from_the_evaluation_sets() -> None:
    generated = corpus.read(corpus.TRAIN)
    handwritten = corpus.read(corpus.HANDWRITTEN)
    train = corpus.training_rows()
    heldout = corpus.read(corpus.HELDOUT)
    test = corpus.read(corpus.TEST)
    assert train == generated + handwritten
    assert {c for c, _t in generated} == _leaves()
    assert {c for c, _t in handwritten} == _leaves()
    assert {c for c, _t in heldout} == _leaves()
    assert len(generated) >= 4000 and len(handwritten) >= 400 and len(heldout) >= 180
    # The test set: 12 texts per leaf, written by hand and frozen before the third pass.
    assert all(sum(c == leaf for c, _t in test) == 12 for leaf in _leaves())
    assert len(test) == 12 * len(_leaves())
    # Apart: no held-out (development) or test text is in the training rows, nor shares ten
    # characters in a row with any of them (a paraphrase copied from either set would); and the
    # test set is apart from the development set in the same way.
    joined = "\n".join(t for _c, t in train)
    for _code, text in heldout + test:
        assert not any(text[i : i + 10] in joined for i in range(len(text) - 9)), text
    dev = "\n".join(t for _c, t in heldout)
    for _code, text in test:
        assert not any(text[i : i + 10] in dev for i in range(len(text) - 9)), text
    # Varied: most texts are distinct beyond their wrapping, and every leaf has many cores.
    assert len({t for _c, t in generated}) == len(generated)
    assert all(len(cores) >= 20 for cores in corpus.CORES.values())
    # The committed corpus is what the generator makes (deterministic from its seed).
    assert corpus.generate() == generated


def test_the_shipped_model_is_the_corpus_model_with_its_accuracy_beside_it() -> None:
    m = shipped.load()
    assert m.meta["version"] == shipped.VERSION
    assert m.meta["digest"] == model.digest(corpus.training_rows())
    accuracy = m.meta["accuracy"]
    assert accuracy["n"] == len(corpus.read(corpus.HELDOUT))
    # Measured on the development set (the figures: docs/suggest.md, bench/suggest.py).
    # A guard against regressions, below the figures measured, not the goal.
    assert accuracy["top3"] >= 0.97 and accuracy["top1"] >= 0.90
    assert set(accuracy["by_top"]) == {model.top_of(c) for c in _leaves()}


def test_top_three_best_first() -> None:
    m = shipped.load()
    top = m.top("楼下垃圾桶满了，两天没人来收", 3)
    assert len(top) == 3
    assert top[0][0] == "env.garbage"
    assert top[0][1] >= top[1][1] >= top[2][1] > 0
    assert m.top("电梯坏了老人下不了楼")[0][0] == "property.elevator"
    assert len(m.top("", 3)) == 3  # nothing to read: still an answer (the priors)


def test_the_file_round_trips(tmp_path: Path) -> None:
    m = shipped.load()
    again = model.Model.loads(m.dumps())
    text = "晚上路灯不亮"
    assert again.top(text, 3) == m.top(text, 3)
    with pytest.raises(ValueError):
        model.Model.loads(b"not a model")


def test_training_is_deterministic() -> None:
    rows = corpus.read(corpus.TRAIN)[::7]
    a, b = model.train(rows, epochs=3), model.train(rows, epochs=3)
    assert a.dumps() == b.dumps()


def test_a_file_reads_texts_the_way_it_was_trained() -> None:
    """Files from before the third pass (no trigrams) still read texts without trigrams; the
    complement Bayes is folded into the weights, so it changes them and nothing else."""
    rows = corpus.read(corpus.TRAIN)[::9]
    plain = model.train(rows, epochs=3, trigrams=False, bayes=0.0)
    meta = {k: v for k, v in plain.meta.items() if k != "trigrams"}  # as an older file has it
    older = model.Model.loads(
        model.Model(plain.classes, plain.vocab, plain.weights, plain.bias, meta).dumps()
    )
    assert not older.trigrams
    text = "楼顶加盖了一间玻璃房"
    assert older.scores(text).tolist() == plain.scores(text).tolist()
    both = model.train(rows, epochs=3, trigrams=True, bayes=1.0)
    again = model.Model.loads(both.dumps())
    assert again.trigrams and again.meta["bayes"] == 1.0
    assert len(model.hashed(text, trigrams=True)) > len(model.hashed(text))
    regression_only = model.train(rows, epochs=3, trigrams=True, bayes=0.0)
    assert regression_only.vocab.tolist() != both.vocab.tolist() or not np.array_equal(
        regression_only.weights, both.weights
    )


def test_fresh_clone_with_the_network_off(
    network_off: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No model file: the same model is trained from the shipped corpus, offline."""
    monkeypatch.setattr(shipped, "MODEL_FILE", tmp_path / "missing.npz")
    monkeypatch.setattr(shipped, "_cached", None)
    m = shipped.load()
    assert m.meta["digest"] == model.digest(corpus.training_rows())
    assert m.top("燃气泄漏了，满楼道煤气味", 1)[0][0] == "utilities.gas"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", 9))


def test_the_shipped_file_loads_with_the_network_off(network_off: None) -> None:
    m = model.Model.loads(shipped.MODEL_FILE.read_bytes())
    assert m.top("停水了", 1)[0][0] == "utilities.water"
