from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.service import Cockpit
from tests.pilot.helpers import make


@pytest.fixture
def cockpit(tmp_path: Path) -> Cockpit:
    return make(tmp_path)
