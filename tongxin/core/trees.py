"""Path arithmetic of the materialised-path trees (places, organisations), in one place.

Both trees are django-treebeard ``MP_Node`` trees: a node's ``path`` is its parent's path plus
``steplen`` characters. Every ancestor of a node is a prefix of its path at a multiple of
``steplen``; nothing else computes those prefixes (and nothing writes a literal 4).
"""

from __future__ import annotations

from collections.abc import Iterable


def ancestor_paths(path: str, steplen: int, *, include_self: bool = False) -> list[str]:
    """The paths of the ancestors of the node at ``path``, root first (and ``path`` itself
    last when ``include_self``)."""
    end = len(path) + 1 if include_self else len(path)
    return [path[:i] for i in range(steplen, end, steplen)]


def parent_path(path: str, steplen: int) -> str | None:
    """The path of the parent, or None for a root."""
    return path[:-steplen] if len(path) > steplen else None


def ancestors_of_all(paths: Iterable[str], steplen: int, *, include_self: bool = False) -> set[str]:
    """Every ancestor path (and with ``include_self`` every path) of any of ``paths``."""
    return {a for p in paths for a in ancestor_paths(p, steplen, include_self=include_self)}


class TreePaths:
    """Model mixin for ``MP_Node`` models: ``ancestor_paths`` and ``parent_path``."""

    path: str
    steplen: int

    def ancestor_paths(self) -> list[str]:
        return ancestor_paths(self.path, self.steplen)

    @property
    def parent_path(self) -> str | None:
        return parent_path(self.path, self.steplen)
