"""``refresh``: fetch repository metadata for the catalog's tools and merge it into the stored data."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from ppml_cli import repodata
from ppml_cli.errors import InvalidValueError, NetworkError
from ppml_cli.index import Index
from ppml_cli.model import Kind
from ppml_cli.results import REFRESHED, RefreshReport


def github_targets(index: Index, names: Sequence[str]) -> dict[str, list[str]]:
    """Repository slug -> ids of the tools hosted there (all tools, or the named ones)."""
    tools = [index.get(name) for name in names] if names else index.of_kind(Kind.TOOL)
    targets: dict[str, list[str]] = {}
    for tool in tools:
        if tool.kind is not Kind.TOOL:
            raise InvalidValueError(f"cannot refresh {tool.id!r}: it is a {tool.kind.value}", hint="name tools")
        slug = repodata.slug_of(tool)
        if slug:
            targets.setdefault(slug, []).append(tool.id)
        elif names:
            raise InvalidValueError(f"{tool.id!r} is not hosted on GitHub ({tool.url})", hint="name a GitHub tool")
    return targets


def refresh_metadata(
    targets: dict[str, list[str]],
    *,
    concurrency: int = 4,
    timeout: float = 15.0,
    max_wait: float = 60.0,
    on_outcome: Callable[[object], None] | None = None,
) -> RefreshReport:
    """Fetch the ``github_targets`` repositories, merge and save.

    The stored file changes only for repositories fetched successfully; it is
    merged under a lock, so concurrent runs keep each other's results.
    """
    from ppml_cli.net.github import GitHubClient, RateLimited, Unreachable, refresh_all

    stored = repodata.load()

    async def run() -> tuple[list, RateLimited | None]:  # type: ignore[type-arg]
        async with GitHubClient(timeout=timeout, max_wait=max_wait) as client:
            return await refresh_all(client, list(targets), stored, concurrency=concurrency, on_outcome=on_outcome)

    try:
        outcomes, stop = asyncio.run(run())
    except Unreachable as error:
        raise NetworkError(
            str(error), hint="check the connection (or PPML_GITHUB_API_URL); earlier data is kept"
        ) from None
    except RateLimited as error:
        raise NetworkError(str(error), hint="earlier data is kept") from None
    fetched = {
        outcome.repo: outcome.data for outcome in outcomes if outcome.status in REFRESHED and outcome.data is not None
    }
    if fetched:
        try:
            repodata.merge_save(fetched)  # under a lock, over what is stored now (another run may have saved)
        except (OSError, ValueError) as error:
            raise NetworkError(f"cannot save repository data: {error}", hint="set PPML_DATA_DIR") from None
    return RefreshReport(
        outcomes=tuple(outcomes),
        ids={slug: tuple(ids) for slug, ids in targets.items()},
        stopped=str(stop) if stop is not None else None,
    )
