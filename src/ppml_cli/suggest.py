"""One "did you mean" for every command: the closest few of a set of known words.

rapidfuzz is imported here, on the error path only, never on a normal run.
"""

from __future__ import annotations

from collections.abc import Iterable


def suggest(
    text: str,
    choices: Iterable[str],
    *,
    limit: int = 3,
    cutoff: float = 60.0,
    max_typos: int | None = None,
) -> list[str]:
    """The choices that look most like ``text``, best first, without repeats.

    By default choices are compared loosely (rapidfuzz's WRatio, at least
    ``cutoff`` out of 100, which forgives a missing word or another order); that
    suits ids, names and option values. With ``max_typos``, a choice must be a
    near-miss of one word instead: the same first letter and at most that many
    typos (insertions, deletions, substitutions or swaps of neighbours), fewest
    first, so that "unlearning" never suggests "learning".
    """
    from rapidfuzz import fuzz, process, utils

    candidates = list(dict.fromkeys(choices))
    if max_typos is None:
        matches = process.extract(
            text, candidates, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit, score_cutoff=cutoff
        )
        return [choice for choice, _, _ in matches]
    from rapidfuzz.distance import OSA

    folded = text.casefold()
    same_start = [c for c in candidates if c[:1].casefold() == folded[:1]]
    close = process.extract(
        folded, same_start, scorer=OSA.distance, processor=str.casefold, score_cutoff=max_typos, limit=None
    )
    close.sort(key=lambda match: (match[1], -fuzz.ratio(folded, match[0].casefold()), match[0]))
    return [choice for choice, _, _ in close[:limit]]
