"""Pure logic: the admin guard with no token configured, metric direction, audit ordering."""

import asyncio
import json

import httpx

from inference.app import create_app
from inference.settings import ServiceSettings
from registry.audit import AUDIT_TAG_PREFIX, read
from registry.comparison import compare_metrics, lower_is_better
from registry.version_view import VersionView


def test_admin_endpoints_refuse_everyone_without_a_configured_token() -> None:
    app = create_app(ServiceSettings(admin_token=None))  # lifespan not started: the guard answers first

    async def call() -> list[int]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            bare = await client.post("/admin/reload")
            bearer = await client.post("/admin/reload", headers={"Authorization": "Bearer anything"})
            status = await client.get("/admin/model", headers={"Authorization": "Bearer "})
            return [bare.status_code, bearer.status_code, status.status_code]

    assert asyncio.run(call()) == [403, 403, 403]
    assert ServiceSettings(admin_token="").admin_token is None


def version(ref: str, **metrics: float) -> VersionView:
    return VersionView("m", ref, ref, (), None, "none", metrics, {}, "", None, {})


def test_lower_is_better_metrics_prefer_the_smaller_value() -> None:
    rows = {
        row.metric: row
        for row in compare_metrics(
            version("a", auc=0.9, logloss=0.30, f1=0.5), version("b", auc=0.8, logloss=0.25, recall=0.4)
        )
    }
    assert lower_is_better("val_logloss") and not lower_is_better("auc")
    assert (rows["auc"].better, rows["logloss"].better) == ("a", "b")
    assert rows["logloss"].delta is not None and abs(rows["logloss"].delta + 0.05) < 1e-12
    assert (rows["f1"].better, rows["recall"].better) == ("-", "-")


def test_audit_entries_read_oldest_first_and_skip_foreign_or_broken_tags() -> None:
    entry = {
        "actor": "ci",
        "action": "promote",
        "stage": "production",
        "from_version": "1",
        "to_version": "2",
        "reason": "r",
    }
    tags = {
        f"{AUDIT_TAG_PREFIX}b": json.dumps({**entry, "at": "2026-01-02T00:00:00+00:00"}),
        f"{AUDIT_TAG_PREFIX}a": json.dumps({**entry, "at": "2026-01-03T00:00:00+00:00", "to_version": "3"}),
        f"{AUDIT_TAG_PREFIX}c": "not json",
        "owner": "team",
    }
    assert [t.to_version for t in read(tags)] == ["2", "3"]
