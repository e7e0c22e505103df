"""Shared fixtures: a minimal valid scenario, a helper that writes one to disk, the app in headless Chromium."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

import browser

# The smallest scenario that loads: one contact type, one shift, one day of
# 60-minute intervals (so a one-day per-interval table has 24 values). A few
# hundred incidents a day keeps a run well under a second.
MINIMAL_SCENARIO: dict[str, Any] = {
    "name": "minimal",
    "days": 1,
    "interval_min": 60,
    "contact_types": [
        {
            "id": "calls",
            "volume": {"per_day": 200},
            "handle_time_s": {"dist": "exponential", "mean": 180},
            "patience_s": {"dist": "exponential", "mean": 300},
        }
    ],
    "agents": {"shifts": [{"id": "day", "start": "08:00", "length_h": 8, "headcount": 2}]},
}


@pytest.fixture
def minimal_scenario() -> dict[str, Any]:
    """A fresh deep copy of MINIMAL_SCENARIO, safe to mutate."""
    return copy.deepcopy(MINIMAL_SCENARIO)


def write_scenario(tmp_path: Path, data: dict | str, csvs: dict[str, str] | None = None) -> Path:
    """Write ``data`` (a dict, dumped as YAML, or raw YAML text) and the named CSV files into tmp_path.

    Returns the path of the scenario file.
    """
    for name, text in (csvs or {}).items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    path = tmp_path / "scenario.yaml"
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(name="write_scenario")
def _write_scenario_fixture():
    """The ``write_scenario(tmp_path, data, csvs={})`` helper, as a fixture."""
    return write_scenario


# ------------------------------------------------------------------ browser

def _need(ok: bool, why: str) -> None:
    """Skip a browser test where Chromium or Playwright is missing; fail instead under CI, which must run it."""
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{why}; CI must run the browser test (see .ci/run)")
    pytest.skip(why)


@pytest.fixture(scope="module")
def chrome():
    """(a headless Chromium, the URL of the app served on the bundled default scenario), one per test module."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _need(False, "the playwright package is not installed")
    _need(browser.chromium_path() is not None, "chromium is not installed (apt-get install chromium)")
    with browser.serve_app() as url, browser.chromium() as chromium:
        yield chromium, url
