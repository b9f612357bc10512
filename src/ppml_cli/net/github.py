"""Repository metadata from the GitHub REST API, fetched politely and kept safely.

One ``GET /repos/{owner}/{repo}`` per repository (and one for its latest
release), with the stored ETag so that an unchanged repository answers 304 and
costs no quota. The token in GITHUB_TOKEN goes to the API host only: a
redirect to any other origin is followed without it, and it is never printed.
Rate limits are honoured: a reset that is near is waited for, a far one stops
the run with the time to retry. A renamed repository (301) is followed and
reported. Results are merged into the previous data and written atomically by
the caller, so a failed refresh never loses what an earlier one fetched.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx

from ppml_cli import __version__
from ppml_cli.errors import InvalidValueError
from ppml_cli.model import Record
from ppml_cli.net.http import MAX_BODY, Reply, ResponseTooLarge, follow, request
from ppml_cli.net.policy import backoff, classify, pause, retry_after, retrying, trusted_context
from ppml_cli.store import repodata

API_ENV = "PPML_GITHUB_API_URL"
TOKEN_ENV = "GITHUB_TOKEN"  # noqa: S105 - the name of the variable, not a secret
DEFAULT_API = "https://api.github.com"


def api_base(environ: Mapping[str, str] | None = None) -> str:
    return (environ if environ is not None else os.environ).get(API_ENV, DEFAULT_API).rstrip("/")


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


class RateLimited(Exception):
    """The API's limit is spent and resets later than we are willing to wait."""

    def __init__(self, reset: float | None) -> None:
        when = dt.datetime.fromtimestamp(reset, dt.timezone.utc).strftime("%H:%M UTC") if reset else "later"
        super().__init__(f"GitHub API rate limit reached; retry after {when}, or set GITHUB_TOKEN for a higher limit")
        self.reset = reset


class Unreachable(Exception):
    """The API could not be reached at all (offline, DNS, refused)."""


class Outcome(Record):
    """What happened to one repository in this refresh."""

    repo: str  # as the catalog names it
    status: str  # updated, unchanged, moved, not-found, error, skipped
    message: str
    data: dict[str, Any] | None  # the stored record after this refresh (old one on failure)


class GitHubClient:
    """A small async client for the REST API with token scoping, retries and rate-limit waits."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        token: str | None = None,
        timeout: float = 15.0,
        retries: int = 2,
        max_wait: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Any] = pause,
    ) -> None:
        self.base = (base_url or api_base()).rstrip("/")
        self.origin = _origin(self.base)
        self.token = token if token is not None else token_from_env()
        self.retries = retries
        self.timeout = timeout
        self.max_wait = max_wait
        self.sleep = sleep
        self.client = httpx.AsyncClient(
            timeout=timeout,
            follow_redirects=False,  # followed by hand, under the rule every client follows
            transport=transport,
            verify=trusted_context(),
            headers={
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": f"ppml/{__version__}",
            },
        )
        self.reached = False  # any answer at all from the API in this run

    async def __aenter__(self) -> GitHubClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    def _headers_for(self, url: str, etag: str | None) -> dict[str, str]:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if self.token and _origin(url) == self.origin:  # never to another origin
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    async def get(self, path: str, etag: str | None = None) -> Reply:
        """GET an API path, redirects followed as every client follows them (the token only to the API's origin)."""
        return await follow(lambda url: self._get_once(url, etag), self.base + path)

    async def _get_once(self, url: str, etag: str | None) -> Reply:
        async def send() -> Reply:
            reply = await request(
                self.client, "GET", url, deadline=self.timeout, max_body=MAX_BODY, headers=self._headers_for(url, etag)
            )
            self.reached = True
            return reply

        def decide(reply: Reply, attempt: int) -> float | None:
            wait = self._rate_limit_wait(reply)
            if wait is not None:
                if attempt >= self.retries:
                    raise RateLimited(time.time() + wait)
                return wait
            return backoff(attempt) if reply.status >= 500 else None

        try:
            reply, _ = await retrying(send, retries=self.retries, decide=decide, sleep=self.sleep)
        except httpx.HTTPError as error:
            if not self.reached and not isinstance(error, ResponseTooLarge):
                raise Unreachable(f"cannot reach the GitHub API at {self.base}: {classify(error)}") from None
            raise
        return reply

    def _rate_limit_wait(self, reply: Reply) -> float | None:
        """Seconds to wait before retrying a rate-limited answer; raises when that is too long."""
        if reply.status not in (403, 429):
            return None
        headers = reply.headers
        limited = headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers
        if not limited and b"rate limit" not in reply.body.lower():
            return None  # a plain 403 (e.g. a blocked repository)
        wait = retry_after(headers)
        reset = headers.get("x-ratelimit-reset")
        if wait is None and reset and reset.isdigit():
            wait = max(0.0, int(reset) - time.time()) + 1
        if wait is None:
            wait = 60.0
        if wait > self.max_wait:
            raise RateLimited(time.time() + wait)
        return wait


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return (parts.scheme, parts.hostname or "", port)


def _json(reply: Reply) -> dict[str, Any]:
    try:
        data = json.loads(reply.body)
    except (ValueError, RecursionError):
        raise ValueError(f"malformed JSON from the API (HTTP {reply.status})") from None
    if not isinstance(data, dict):
        raise ValueError("unexpected JSON from the API (not an object)")
    return data


def _record(repo: dict[str, Any], old: dict[str, Any] | None, etag: str | None) -> dict[str, Any]:
    """The stored record for the API's answer; its types are checked by :func:`_checked` before storing."""
    license_info = repo.get("license")
    return {
        **(old or {}),
        "full_name": repo.get("full_name"),
        "html_url": repo.get("html_url"),
        "stars": repo.get("stargazers_count"),
        "forks": repo.get("forks_count"),
        "open_issues": repo.get("open_issues_count"),
        "pushed_at": repo.get("pushed_at"),
        "archived": repo.get("archived", False),
        "license": license_info.get("spdx_id") if isinstance(license_info, dict) else license_info,
        "default_branch": repo.get("default_branch"),
        "etag": etag,
    }


def _checked(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` checked against the stored schema; ValueError (the repository is rejected) if it does not fit."""
    checked = repodata.checked_record(record)
    if isinstance(checked, str):
        raise ValueError(f"unexpected data from the API ({checked}); not stored")
    return checked


def token_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """GITHUB_TOKEN, or None when unset; a value no token can have is a usage error, not a network failure."""
    token = (environ if environ is not None else os.environ).get(TOKEN_ENV) or None
    if token is not None and not _TOKEN.fullmatch(token):
        raise InvalidValueError(
            f"{TOKEN_ENV} is malformed: it contains a line break, a space or another character no token has",
            hint=f"set {TOKEN_ENV} to the token alone (no quotes, no trailing newline), or unset it",
        )
    return token


_TOKEN = re.compile(r"^[\x21-\x7e]+$")  # printable ASCII without spaces, which every GitHub token is


async def refresh_repo(client: GitHubClient, slug: str, old: dict[str, Any] | None) -> Outcome:
    """Fetch one repository (and its latest release); on failure keep ``old``."""
    old_etag = (old or {}).get("etag")
    try:
        reply = await client.get(f"/repos/{slug}", etag=old_etag if old else None)
        if reply.status == 304 and old:
            record = {**old, "checked_at": now_iso()}
            status, message = "unchanged", "not modified (no quota used)"
        elif reply.status == 404:
            return Outcome(
                repo=slug,
                status="not-found",
                message="repository not found (deleted, private or renamed away)",
                data=old,
            )
        elif reply.status != 200:
            return Outcome(repo=slug, status="error", message=f"HTTP {reply.status}", data=old)
        else:
            record = _record(_json(reply), old, reply.headers.get("etag"))
            record["fetched_at"] = record["checked_at"] = now_iso()
            record = _checked(record)
            moved = (record.get("full_name") or slug).lower() != slug
            status = "moved" if moved else "updated"
            message = f"renamed to {record['full_name']}; update the catalog URL" if moved else "updated"
        release = await client.get(
            f"/repos/{record.get('full_name') or slug}/releases/latest", etag=record.get("release_etag")
        )
        if release.status == 200:
            data = _json(release)
            record["latest_release"] = {"tag": data.get("tag_name"), "published_at": data.get("published_at")}
            record["release_etag"] = release.headers.get("etag")
        elif release.status == 404:
            record["latest_release"] = None
            record["release_etag"] = None
        return Outcome(repo=slug, status=status, message=message, data=_checked(record))
    except ValueError as error:
        return Outcome(repo=slug, status="error", message=str(error), data=old)
    except httpx.HTTPError as error:
        return Outcome(repo=slug, status="error", message=classify(error), data=old)


async def refresh_all(
    client: GitHubClient,
    slugs: Sequence[str],
    stored: Mapping[str, dict[str, Any]],
    *,
    concurrency: int = 4,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> tuple[list[Outcome], RateLimited | None]:
    """Refresh every slug; a rate-limit stop returns what was done and the stop."""
    gate = asyncio.Semaphore(concurrency)
    stop: RateLimited | None = None

    async def one(slug: str) -> Outcome:
        nonlocal stop
        async with gate:
            if stop is not None:
                return Outcome(
                    repo=slug, status="skipped", message="not fetched: rate limit reached", data=stored.get(slug)
                )
            try:
                outcome = await refresh_repo(client, slug, stored.get(slug))
            except RateLimited as limited:
                stop = limited
                outcome = Outcome(
                    repo=slug, status="skipped", message="not fetched: rate limit reached", data=stored.get(slug)
                )
        if on_outcome is not None:
            on_outcome(outcome)
        return outcome

    outcomes = list(await asyncio.gather(*(one(slug) for slug in slugs)))
    return outcomes, stop
