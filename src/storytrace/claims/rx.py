"""Regex helpers: word lists compiled as a prefix tree.

Python's `re` tries the branches of an alternation one by one at every position; a pattern of
many words that share beginnings ("sign|sent|send|sanction|sold") scans several times faster
when written as a tree of shared prefixes ("s(?:an..|e(?:n(?:d|t))|...)"). Same matches.
"""
from __future__ import annotations

import re
from typing import Iterable


def trie_pattern(words: Iterable[str]) -> str:
    """A regex (no capturing group) matching exactly the given literal words, longest branch first."""
    tree: dict = {}
    for w in words:
        node = tree
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _node(tree) or "(?!)"


def _node(node: dict) -> str:
    end = "" in node
    branches = [re.escape(ch) + _node(sub) for ch, sub in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if end:
        # Optional: the word may stop here. Greedy `?` tries the longer words first, like a
        # longest-first alternation.
        return ("(?:" + body + ")?") if len(branches) == 1 and len(body) > 1 else body + "?"
    return body
