"""Category suggestion benchmark (issue 23): ``python bench/suggest.py`` (``make bench-suggest``).

No database. It measures, in one process:

a. the model's load time (the shipped file, and jieba's dictionary; a cold process) and the
   time a deterministic rebuild from the shipped corpus takes (the fresh-clone fallback);
b. the latency of one suggestion (``Model.top(text, 3)``) over the development and test texts,
   median and p95, beside its **anchor**: the plain keyword match over the default categories'
   names and keywords (what a form could do without a model), on the same texts, interleaved;
c. the accuracy, separately, on the development set (``data/heldout.tsv``: hand-written, never
   trained on, but its mistakes were read to write the third pass's corpus), on the test set
   (``data/test.tsv``: hand-written and frozen before the third pass, never read for mistakes)
   and, for contrast, on a sample of the generated training corpus: leaf and top-level, top-1
   and top-3, per top level; the keyword anchor's top-level top-1 beside it; how often the
   first suggestion is preselected (confident) and how often it is then right.

``--no-test`` leaves the test set out (for runs while the model is being worked on: the test
set is meant to be measured once, at the end of a pass).

It prints figures; nothing fails when one is slow or low.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tongxin.cases.defaults import CATEGORY_TREE  # noqa: E402
from tongxin.cases.suggest import corpus, model, shipped  # noqa: E402


def keyword_anchor() -> list[tuple[str, list[str]]]:
    """Each leaf with the words it is known by: its name, its parent's and its keywords."""
    out = []

    def walk(node: dict, parent_words: list[str]) -> None:
        words = [node["name"], *node.get("keywords", "").split()]
        if node.get("children"):
            for child in node["children"]:
                walk(child, words)
        else:
            out.append((node["code"], [w for w in words + parent_words if w]))

    for node in CATEGORY_TREE:
        walk(node, [])
    return out


def keyword_guess(table: list[tuple[str, list[str]]], text: str) -> str:
    best, best_n = "suggestion", 0
    for code, words in table:
        n = (
            sum(1 for w in words if w in text)
            + sum(1 for w in words for i in range(len(w) - 1) if w[i : i + 2] in text) / 10
        )
        if n > best_n:
            best, best_n = code, n
    return best


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="passes over the texts")
    parser.add_argument("--no-test", action="store_true", help="leave the test set out")
    parser.add_argument("--no-rebuild", action="store_true", help="skip timing the rebuild")
    parser.add_argument(
        "--confident", type=float, default=0.6, help="TONGXIN_SUGGEST_CONFIDENT (preselect)"
    )
    args = parser.parse_args(argv)

    t = time.perf_counter()
    model._jieba()
    jieba_s = time.perf_counter() - t
    t = time.perf_counter()
    m = model.Model.loads(shipped.MODEL_FILE.read_bytes())
    load_s = time.perf_counter() - t
    print(
        f"load: jieba dictionary {jieba_s * 1000:.0f} ms, model file {load_s * 1000:.1f} ms "
        f"({shipped.MODEL_FILE.stat().st_size / 1024:.0f} KiB, {len(m.vocab)} features, "
        f"{len(m.classes)} classes)"
    )
    if not args.no_rebuild:
        t = time.perf_counter()
        shipped.build()
        print(f"rebuild from the shipped corpus: {time.perf_counter() - t:.1f} s")

    dev = corpus.read(corpus.HELDOUT)
    test = [] if args.no_test else corpus.read(corpus.TEST)
    table = keyword_anchor()
    app_ms: list[float] = []
    anchor_ms: list[float] = []
    for _ in range(args.repeat):
        for _code, text in dev + test:
            t = time.perf_counter()
            m.top(text, 3)
            app_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            keyword_guess(table, text)
            anchor_ms.append((time.perf_counter() - t) * 1000)
    med_app, med_anchor = statistics.median(app_ms), statistics.median(anchor_ms)
    print(
        f"suggest latency over {len(app_ms)} texts: median {med_app:.2f} ms, "
        f"p95 {pct(app_ms, 0.95):.2f} ms, max {max(app_ms):.2f} ms"
    )
    print(
        f"anchor (keyword match): median {med_anchor:.2f} ms, p95 {pct(anchor_ms, 0.95):.2f} ms; "
        f"ratio of medians {med_app / med_anchor:.1f}"
    )

    sets = [("development (heldout.tsv: hand-written, its mistakes read)", dev, True)]
    if test:
        sets.append(("TEST (test.tsv: hand-written, frozen, measured once)", test, True))
    sets.append(("training sample (generated, seen)", corpus.read(corpus.TRAIN)[::10], False))
    for name, rows, detail in sets:
        r = model.evaluate(m, rows)
        print(
            f"\n{name}: n={r['n']} top-level top-1 {r['top1']:.1%} top-3 {r['top3']:.1%}; "
            f"leaf top-1 {r['leaf1']:.1%} top-3 {r['leaf3']:.1%}"
        )
        if detail:
            kw = sum(model.top_of(keyword_guess(table, t)) == model.top_of(c) for c, t in rows)
            print(f"  keyword anchor, top-level top-1: {kw / len(rows):.1%}")
            firsts = [(c, m.top(t, 1)[0]) for c, t in rows]
            pre = [(c, best) for c, (best, p) in firsts if p >= args.confident]
            right = sum(c == best for c, best in pre)
            print(
                f"  preselected (confidence >= {args.confident}): {len(pre) / len(rows):.0%} of "
                f"texts, the right leaf in {right / max(len(pre), 1):.1%} of those"
            )
            for top, row in r["by_top"].items():
                print(f"  {top:18} n={row['n']:3} top-1 {row['top1']:.0%} top-3 {row['top3']:.0%}")


if __name__ == "__main__":
    main()
