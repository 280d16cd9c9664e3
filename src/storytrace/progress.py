"""Progress on a terminal, silence elsewhere: one switch for the whole tool."""
from __future__ import annotations

import sys
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")


def enabled(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


def bar(items: Iterable[T], *, quiet: bool, desc: str, total: int | None = None, unit: str = "it") -> Iterator[T]:
    if not enabled(quiet):
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, desc=desc, total=total, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True)


def say(msg: str, *, quiet: bool) -> None:
    if not quiet:
        print(msg, file=sys.stderr)
