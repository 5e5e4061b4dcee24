"""Writing a run's forms: each file old or new, never a part, whatever point a run is killed at;
the folder listed once and synced once per run, however many forms it holds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from toolkit.errors import WorkbookError
from toolkit.forms import output
from toolkit.forms.output import FormWriter
from toolkit.sheets import durable

OLD, NEW = b"old form " * 1000, b"new form " * 3000

CHILD = """
import os, sys
from pathlib import Path
from toolkit.sheets import durable
from toolkit.forms.output import FormWriter
stop, seen = int(sys.argv[1]), []
def hook(point):
    seen.append(point)
    if len(seen) == stop:
        print(point, flush=True)
        os._exit(9)
durable.fault_hook = hook
durable.CHUNK = 4096
writer = FormWriter()
try:
    for name in sys.argv[2:]:
        writer.write(Path(name), b"new form " * 3000)
finally:
    writer.finish()
print("done", flush=True)
"""


def temps(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if durable.TEMP_MARK in p.name]


def test_folder_listed_once_and_synced_once(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    listed: list[str] = []
    synced: list[Path] = []
    scandir = os.scandir

    def counting(path: str | Path) -> object:
        listed.append(str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", counting)
    monkeypatch.setattr(output, "fsync_dir", synced.append)
    writer = FormWriter()
    folders = [tmp_path / "审批表", tmp_path / "other"]
    for i in range(30):
        writer.write(folders[i % 2] / f"2611-{i:04d}_客户.docx", NEW)
    assert sorted(listed) == sorted(str(f) for f in folders)
    assert synced == []
    writer.finish()
    assert sorted(synced) == sorted(folders)
    assert all(p.read_bytes() == NEW for f in folders for p in f.iterdir())


def test_replaces_keeping_the_mode_and_refuses_read_only(tmp_path: Path) -> None:
    writer = FormWriter()
    target = tmp_path / "表.docx"
    writer.write(target, OLD)
    target.chmod(0o640)
    writer.write(target, NEW)
    assert target.read_bytes() == NEW and target.stat().st_mode & 0o777 == 0o640
    if sys.platform != "win32":
        target.chmod(0o444)
        with pytest.raises(WorkbookError, match="the file is read-only") as caught:
            writer.write(target, OLD)
        assert caught.value.exit_code == 2 and str(target) in str(caught.value)
        assert target.read_bytes() == NEW
    writer.finish()
    assert temps(tmp_path) == []


def test_temporaries_of_dead_runs_are_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = [tmp_path / f".{stem}{durable.TEMP_MARK}{dead.pid}-{durable._HOST}-abcdef.docx"
             for stem in ("2611-0001_客户", "2611-0002_客户")]
    for s in stale:
        s.write_bytes(b"half")
    writer = FormWriter()
    writer.write(tmp_path / "2611-0001_客户.docx", NEW)
    assert not stale[0].exists() and stale[1].exists()  # only the written form's leftovers
    writer.write(tmp_path / "2611-0002_客户.docx", NEW)
    writer.finish()
    assert temps(tmp_path) == []


def test_killed_at_every_point_each_form_is_old_or_new(tmp_path: Path) -> None:
    targets = [tmp_path / f"2611-000{i}_客户.docx" for i in range(3)]
    outcomes = set()
    for n in range(1, 200):
        for t in targets:
            t.write_bytes(OLD)
        proc = subprocess.run([sys.executable, "-c", CHILD, str(n), *map(str, targets)],
                              capture_output=True, text=True, timeout=60)
        if proc.returncode == 0:
            assert proc.stdout.strip() == "done"
            break
        assert proc.returncode == 9, proc.stderr
        states = [t.read_bytes() for t in targets]
        assert all(s in (OLD, NEW) for s in states), proc.stdout
        outcomes.add((proc.stdout.strip(), tuple(s == NEW for s in states)))
        writer = FormWriter()  # the next run clears what the dead one left
        for t in targets:
            writer.write(t, NEW)
        writer.finish()
        assert temps(tmp_path) == []
    else:
        pytest.fail("the child never finished")
    assert ("atomic-chunk", (False, False, False)) in outcomes
    assert ("atomic-installed", (True, True, True)) in outcomes
