"""Every test runs with TZ pinned, and with HOME, config and data folders in a temp dir,
so no test can touch the user's real data."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

TEST_TZ = "Europe/Berlin"
os.environ["TZ"] = TEST_TZ
time.tzset()

T0 = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)  # 15:00 in Berlin


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("COCKPIT_CONFIG_DIR", str(home / "config" / "cockpit"))
    monkeypatch.setenv("COCKPIT_DB", str(tmp_path / "cockpit.db"))
    monkeypatch.setenv("COCKPIT_USER", "tester")
    monkeypatch.setenv("TZ", TEST_TZ)
    monkeypatch.delenv("COCKPIT_DEBUG", raising=False)
    return tmp_path
