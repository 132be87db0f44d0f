"""Pinyin for name search: full spelling and initials (张三丰 → zhangsanfeng, zsf)."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=8192)
def _syllable(char: str) -> str:
    # Names read surnames specially (单 shàn, 曾 zēng); pypinyin's phrase data covers the
    # common cases when the whole name is converted, so single chars are only the fallback.
    return lazy_pinyin(char, style=Style.NORMAL, errors="ignore")[0] if char.strip() else ""


def name_pinyin(name: str) -> tuple[str, str]:
    """(full, initials), lower case, letters only."""
    syllables = [s for s in lazy_pinyin(name, style=Style.NORMAL, errors="ignore") if s]
    if not syllables:
        syllables = [_syllable(c) for c in name if _syllable(c)]
    full = "".join(syllables).lower()
    initials = "".join(s[0] for s in syllables).lower()
    return full[:120], initials[:20]
