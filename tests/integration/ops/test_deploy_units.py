"""The systemd units in deploy/ pass `systemd-analyze verify` without a single warning.

They are checked unchanged, inside a scratch root directory (--root) that holds the system's own
units and a stand-in executable at each path the units start, since /opt/praxis-inkasso is not
installed here. Skipped only where systemd-analyze is missing and CI is not set."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
UNITS = sorted(p for p in (ROOT / "deploy").iterdir() if p.suffix in (".service", ".timer"))
SYSTEM_UNITS = Path("/usr/lib/systemd/system")
ANALYZE = shutil.which("systemd-analyze")

pytestmark = pytest.mark.skipif(
    ANALYZE is None and not os.environ.get("CI"), reason="systemd-analyze is not installed here"
)


def started_programs(unit: Path) -> set[str]:
    programs = set()
    for line in unit.read_text().splitlines():
        key, _, value = line.partition("=")
        if key.startswith("Exec"):
            programs.add(shlex.split(value)[0].lstrip("-@+!:"))
    return programs


@pytest.fixture(scope="module")
def scratch_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("root")
    shutil.copytree(SYSTEM_UNITS, root / "usr/lib/systemd/system", symlinks=True)
    for unit in UNITS:
        shutil.copy(unit, root / "usr/lib/systemd/system" / unit.name)
        for program in started_programs(unit):
            stand_in = root / program.lstrip("/")
            stand_in.parent.mkdir(parents=True, exist_ok=True)
            stand_in.write_text("#!/bin/sh\n")
            stand_in.chmod(0o755)
    return root


def test_the_repository_has_units_for_worker_dashboard_and_backup() -> None:
    assert [u.name for u in UNITS] == [
        "praxis-inkasso-backup.service",
        "praxis-inkasso-backup.timer",
        "praxis-inkasso-dashboard.service",
        "praxis-inkasso-worker.service",
    ]
    assert "/opt/praxis-inkasso/.venv/bin/inkasso run --health-port 9108" in UNITS[3].read_text()
    assert "inkasso dashboard --host 127.0.0.1 --port 8501" in UNITS[2].read_text()


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_each_unit_passes_systemd_analyze_verify_without_warnings(unit: Path, scratch_root: Path) -> None:
    assert ANALYZE is not None, "CI is set: systemd-analyze must be installed"
    done = subprocess.run(
        [ANALYZE, "verify", "--man=no", f"--root={scratch_root}", f"/usr/lib/systemd/system/{unit.name}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stderr + done.stdout) == (0, "")
