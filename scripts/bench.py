"""Benchmark the toolkit on large registers against the bare read and openpyxl, side by side.

Every measurement is one fresh process (its own imports, its own peak memory, read with
wait4), timed wall-clock from outside as a user would time the command, and all of them run
interleaved in one run, so the ratios compare like with like on this machine's current load.

    scripts/bench                        # 10k, 100k and 300k rows, 3 runs each; bench/results.md
    scripts/bench --quick                # 10k rows, 1 run: a smoke test (bench/cache/quick.md)
    scripts/bench --sizes 100000 --runs 5
    scripts/bench --runs 5,5,3           # runs per size
    scripts/bench --baseline main        # also run `check` as built from another revision
    scripts/bench --profile 100000       # where `check --dry-run --json` spends its time

Stages: the bare python-calamine read of the register sheet; `check --dry-run --json`;
`check` writing back (into a fresh copy each run); the same `check` again with nothing to
change (it must leave the file, its time stamp and .bak/ untouched); `stats` and `forms` when
the command line has them; openpyxl's naive load-modify-save (at --naive-sizes only: it takes
a minute per 100,000 rows and loses parts of the workbook). Registers are generated once and
cached in bench/cache/ (not committed). The targets are those of docs/performance.md.
"""

from __future__ import annotations

import argparse
import compileall
import hashlib
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / "cache"
RESULTS = ROOT / "bench" / "results.md"
AS_OF = datetime(2026, 11, 24, 9, 0)
SHEET = "投诉记录"
SIZES = (10_000, 100_000, 300_000)
NAIVE_SIZES = (10_000, 100_000)
LINEAR = 1.15  # a log-log slope up to this counts as linear (start-up costs bend it below 1)

# Targets at 100,000 rows (docs/performance.md).
T_DRY, T_DRY_PEAK, T_WRITE, T_WRITE_PEAK_MB = 2.0, 2.0, 0.25, 1536
T_NOOP, T_STATS, T_FORMS_PER_S = 1.1, 2.5, 50.0


# ---------------------------------------------------------------------------
# The registers


def build(rows: int, path: Path) -> None:
    """A register of `rows` demo-like cases, written the way Excel writes (shared strings)."""
    import xlsxwriter

    try:
        from toolkit.demo.data import demo_rows  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        from toolkit.demo_data import demo_rows  # type: ignore[import-not-found, no-redef, unused-ignore]
    from toolkit.register import STAFF_COLUMNS

    sample = demo_rows(AS_OF)
    tmp = path.with_suffix(".tmp.xlsx")
    book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False,
                                          "strings_to_numbers": False})
    sheet = book.add_worksheet(SHEET)
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for c, col in enumerate(STAFF_COLUMNS):
        sheet.write_string(0, c, col.zh)
    per_month: dict[str, int] = {}
    for i in range(rows):
        src = sample[i % len(sample)]
        received = src.get("received_at")
        for c, col in enumerate(STAFF_COLUMNS):
            value = src.get(col.key)
            if col.key == "case_id" and isinstance(received, datetime):
                month = received.strftime("%y%m")
                per_month[month] = per_month.get(month, 0) + 1
                value = f"{month}-{per_month[month]:04d}"
            if col.key == "customer" and value:
                value = f"{value}{i // len(sample)}"  # distinct customers per copy
            if col.key == "phone" and value:
                value = _phone_of_copy(str(value), i // len(sample))
            if value is None:
                continue
            if isinstance(value, datetime):
                sheet.write_datetime(i + 1, c, value, date_fmt)
            elif isinstance(value, (int, float)):
                sheet.write_number(i + 1, c, value)
            else:
                sheet.write_string(i + 1, c, str(value))
    book.close()  # no rule sheets: the built-in defaults apply
    tmp.replace(path)


def _phone_of_copy(phone: str, copy: int) -> str:
    """The sample's phone number made the copy's own: its last four digits moved on by the
    copy number. With the number shared, every copy's case of a category would re-contact the
    copy before: 99 % re-contacts, where the demo sample has 5 % (and 8 % repeats)."""
    head, tail = phone[:-4], phone[-4:]
    if not tail.isdigit():
        return phone
    return f"{head}{(int(tail) + copy * 7919) % 10000:04d}"


# Part of the cached file's name: a register built by an older generator is built again.
GENERATION = 2


def register(rows: int) -> Path:
    path = CACHE / f"register-{rows}-g{GENERATION}.xlsx"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        print(f"building a {rows:,}-row register in {path} …", file=sys.stderr, flush=True)
        # In a child process: a stage forked from a parent that had grown while building would
        # report the parent's size as its own peak (ru_maxrss counts the memory at fork).
        subprocess.run([sys.executable, __file__, "--build", str(rows), str(path)], check=True)
    return path


# ---------------------------------------------------------------------------
# Stages that are not a `complaints` command run as `bench.py --stage NAME PATH`


def stage(name: str, path: Path) -> None:
    if name == "read":
        import python_calamine

        book = python_calamine.CalamineWorkbook.from_path(str(path))
        rows = book.get_sheet_by_name(SHEET).to_python(skip_empty_area=False)
        assert len(rows) > 1
    elif name == "naive":
        import openpyxl

        wb = openpyxl.load_workbook(path)
        ws = wb[SHEET]
        first = ws.max_column + 1
        for r in range(2, ws.max_row + 1):
            for c in range(6):
                ws.cell(row=r, column=first + c, value=f"x{r}")
        wb.save(path)
    elif name == "profile":
        _profile(path)
    else:
        raise SystemExit(f"unknown stage {name}")


def _profile(path: Path) -> None:
    """`check --dry-run --json` under cProfile, in this process; the summary on stdout."""
    import cProfile
    import io
    import pstats

    from toolkit.cli import main

    sys.argv = ["complaints", "check", str(path), "--as-of", AS_OF.isoformat(), "--dry-run",
                "--json"]
    profiler = cProfile.Profile()
    real_stdout, sys.stdout = sys.stdout, io.TextIOWrapper(io.BytesIO())  # the JSON
    profiler.enable()
    try:
        main()
    except SystemExit:
        pass
    finally:
        profiler.disable()
        sys.stdout = real_stdout
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(25)
        print(f"### by {order}\n\n```\n{_trim_stats(out.getvalue())}\n```\n")


def _trim_stats(text: str) -> str:
    lines = text.strip().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return "\n".join(lines[max(start - 2, 0):])


# ---------------------------------------------------------------------------
# Running one measurement


@dataclass
class Sample:
    seconds: float
    peak_mib: float
    note: str = ""


@dataclass
class Stage:
    name: str
    label: str
    samples: dict[int, list[Sample]] = field(default_factory=dict)  # rows -> samples
    skipped: str = ""

    def seconds(self, rows: int) -> float | None:
        got = self.samples.get(rows)
        return statistics.median(s.seconds for s in got) if got else None

    def peak(self, rows: int) -> float | None:
        got = self.samples.get(rows)
        return max(s.peak_mib for s in got) if got else None

    def notes(self, rows: int) -> str:
        return "; ".join(sorted({s.note for s in self.samples.get(rows, []) if s.note}))


def timed(cmd: list[str], *, stdout: Path | None = None, ok: tuple[int, ...] = (0, 1)) -> Sample:
    """Run `cmd` as a fresh process: wall-clock seconds and its own peak resident memory."""
    out = stdout.open("wb") if stdout else subprocess.DEVNULL
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, cwd=ROOT)
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if stdout:
            out.close()  # type: ignore[union-attr]
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}:\n{err.decode()[-2000:]}")
    return Sample(seconds, usage.ru_maxrss / 1024)  # ru_maxrss is in KiB on Linux


def cli_has(cli: list[str], command: str) -> str | None:
    """The --help text of `complaints COMMAND`, None when there is no such command."""
    got = subprocess.run([*cli, command, "--help"], capture_output=True, text=True, cwd=ROOT)
    return got.stdout if got.returncode == 0 else None


def state(path: Path) -> tuple[str, int, tuple[str, ...]]:
    """What a run that writes nothing must leave as it was: content, time stamp, backups."""
    bak = path.parent / ".bak"
    backups = tuple(sorted(p.name for p in bak.iterdir())) if bak.is_dir() else ()
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns, backups


class Bench:
    def __init__(self, cli: list[str], work: Path, tag: str = "") -> None:
        self.cli, self.work, self.tag = cli, work, tag
        self.stats_help = cli_has(cli, "stats")
        self.forms_help = cli_has(cli, "forms")
        suffix = f" ({tag})" if tag else ""
        self.stages = {s.name: s for s in (
            Stage("read", "bare python-calamine read"),
            Stage("dry", f"`check --dry-run --json`{suffix}"),
            Stage("write", f"`check` writing back{suffix}"),
            Stage("noop", f"`check` again, nothing to change{suffix}"),
            Stage("dry-written", f"`check --dry-run --json` of the written copy{suffix}"),
            Stage("stats", f"`stats`{suffix}"),
            Stage("forms", f"`forms`{suffix}"),
            Stage("naive", "openpyxl naive load/modify/save (lossy)"),
        )}
        if self.stats_help is None:
            self.stages["stats"].skipped = "no `stats` command on this branch yet"
        if self.forms_help is None:
            self.stages["forms"].skipped = "no `forms` command on this branch yet"

    def check(self, path: Path, *extra: str, stdout: Path | None = None) -> Sample:
        return timed([*self.cli, "check", str(path), "--as-of", AS_OF.isoformat(), *extra],
                     stdout=stdout)

    def run(self, name: str, rows: int, source: Path) -> None:
        st = self.stages[name]
        if st.skipped:
            return
        work = self.work
        work.mkdir(parents=True, exist_ok=True)
        book = work / "book.xlsx"
        if name == "read":
            sample = timed([sys.executable, __file__, "--stage", "read", str(source)], ok=(0,))
        elif name == "dry":
            sample = self.check(source, "--dry-run", "--json", stdout=work / "check.json")
            json.loads((work / "check.json").read_bytes())  # a whole document came out
        elif name == "write":
            shutil.rmtree(work / ".bak", ignore_errors=True)
            shutil.copyfile(source, book)
            before = state(book)
            sample = self.check(book)
            if state(book)[0] == before[0]:
                sample.note = "did not change the file"
        elif name == "noop":
            if not book.exists():
                raise SystemExit("the no-op run needs the write run before it")
            before = state(book)
            sample = self.check(book)
            after = state(book)
            sample.note = "wrote nothing" if after == before else (
                "REWROTE the file" if after[0] != before[0] else
                "touched the file or .bak/ (" + ", ".join(
                    what for what, a, b in zip(("content", "time stamp", ".bak"), before, after,
                                               strict=True) if a != b) + ")")
        elif name == "dry-written":  # the no-op's like-for-like: the same file, dry
            sample = self.check(book, "--dry-run", "--json", stdout=work / "check.json")
        elif name == "stats":
            sample = self.stats(source)
        elif name == "forms":
            sample = self.forms(source)
        else:  # naive
            copy = work / "naive.xlsx"
            shutil.copyfile(source, copy)
            sample = timed([sys.executable, __file__, "--stage", "naive", str(copy)], ok=(0,))
        st.samples.setdefault(rows, []).append(sample)

    def stats(self, source: Path) -> Sample:
        help_text = self.stats_help or ""
        book = self.work / "stats.xlsx"
        shutil.copyfile(source, book)
        extra = ["--dry-run"] if "--dry-run" in help_text else []
        if not extra and "--out" in help_text:
            extra = ["--out", str(self.work / "stats-out.xlsx")]
        return timed([*self.cli, "stats", str(book), "--as-of", AS_OF.isoformat(), *extra])

    def forms(self, source: Path) -> Sample:
        help_text = self.forms_help or ""
        out = self.work / "forms"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        book = self.work / "forms.xlsx"
        shutil.copyfile(source, book)
        extra: list[str] = []
        for option in ("--out-dir", "--out"):
            if option in help_text:
                extra = [option, str(out)]
                break
        sample = timed([*self.cli, "forms", str(book), "--as-of", AS_OF.isoformat(), *extra])
        made = sum(1 for p in out.rglob("*") if p.is_file())
        sample.note = f"{made} forms, {made / sample.seconds:.0f} a second"
        return sample


# ---------------------------------------------------------------------------
# Reporting


def machine() -> list[str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or cpu
    ram = "?"
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        ram = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    libs = []
    for name in ("python-calamine", "openpyxl", "orjson", "holidays", "click", "defusedxml",
                 "xlsxwriter"):
        try:
            libs.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    return [f"- CPU: {cpu}, {os.cpu_count()} cores; RAM {ram}",
            f"- {platform.system()} {platform.release()}; Python {platform.python_version()}",
            "- " + ", ".join(libs)]


def slope(points: list[tuple[int, float]]) -> float | None:
    """The exponent k of time ∝ rows^k, fitted by least squares on the logs."""
    if len(points) < 2:
        return None
    xs = [math.log(r) for r, _ in points]
    ys = [math.log(max(s, 1e-6)) for _, s in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else None


def report(benches: list[Bench], sizes: list[int], runs: dict[int, int], loads: tuple[str, str],
           files: dict[int, Path]) -> str:
    main = benches[0]
    read = main.stages["read"]
    out = [f"# Benchmark ({datetime.now():%Y-%m-%d %H:%M})", "",
           "Made by `scripts/bench` (the measurement is described in its docstring and in "
           "docs/performance.md). Each number is the median of the runs at its size ("
           + ", ".join(f"{r:,}: {runs.get(r, 0)}" for r in sizes)
           + "), each a fresh process, wall clock; peak is the process's maximum resident "
           "memory. All stages ran interleaved in one run; the compared pairs (bare read and "
           "dry run, no-op and dry run of the written copy) swap places every other run.", "",
           *machine(), f"- load average at the start: {loads[0]}; at the end: {loads[1]}", ""]
    stages = [s for b in benches for s in b.stages.values()
              if b is main or s.name in ("dry", "write", "noop", "dry-written")]
    for rows in sizes:
        size = files[rows].stat().st_size / 1e6
        out += [f"## {rows:,} rows ({size:.1f} MB)", "",
                "| measurement | seconds | × bare read | peak MiB | × bare peak | note |",
                "|---|---:|---:|---:|---:|---|"]
        base, base_peak = read.seconds(rows), read.peak(rows)
        for st in stages:
            secs, peak = st.seconds(rows), st.peak(rows)
            if secs is None or peak is None:
                why = st.skipped or "not run at this size"
                out.append(f"| {st.label} | — | — | — | — | {why} |")
                continue
            ratio = f"{secs / base:.2f}" if base else "—"
            pratio = f"{peak / base_peak:.2f}" if base_peak else "—"
            out.append(f"| {st.label} | {secs:.2f} | {ratio} | {peak:.0f} | {pratio} | "
                       f"{st.notes(rows)} |")
        out.append("")
    out += targets(benches, sizes)
    out += ["## Linear from the smallest to the largest size?", "",
            f"Exponent k of seconds ∝ rows^k, least squares over the sizes; k ≤ {LINEAR} "
            "counts as linear (the fixed start-up cost bends it below 1).", "",
            "| measurement | k (all sizes) | k (two largest) | µs per row at the largest | "
            "verdict |", "|---|---:|---:|---:|---|"]
    for st in stages:
        points = [(r, s) for r in sizes if (s := st.seconds(r)) is not None]
        k, k2 = slope(points), slope(points[-2:])
        if k is None or k2 is None:
            continue
        r, s = points[-1]
        verdict = "linear" if max(k, k2) <= LINEAR else "NOT linear"
        out.append(f"| {st.label} | {k:.2f} | {k2:.2f} | {s / r * 1e6:.0f} | {verdict} |")
    out.append("")
    return "\n".join(out)


def targets(benches: list[Bench], sizes: list[int]) -> list[str]:
    at = 100_000 if 100_000 in sizes else max(sizes)
    out = [f"## Targets at {at:,} rows", "",
           "| target | measured | met |", "|---|---:|---|"]
    for b in benches:
        s = b.stages
        tag = f" ({b.tag})" if b.tag else ""
        read = benches[0].stages["read"].seconds(at)
        peak = benches[0].stages["read"].peak(at)
        naive = benches[0].stages["naive"].seconds(at)

        def row(what: str, value: float | None, limit: float, unit: str = "×",
                more: bool = False, *, tag: str = tag) -> str:
            if value is None:
                return f"| {what}{tag} | — | not measured |"
            met = value >= limit if more else value <= limit
            return f"| {what}{tag} | {value:.2f}{unit} | {'yes' if met else 'NO'} |"

        dry, dpeak = s["dry"].seconds(at), s["dry"].peak(at)
        write, wpeak, noop = s["write"].seconds(at), s["write"].peak(at), s["noop"].seconds(at)
        out.append(row(f"`check --dry-run --json` ≤ {T_DRY}× bare read",
                       dry / read if dry and read else None, T_DRY))
        out.append(row(f"its peak ≤ {T_DRY_PEAK}× the bare read's",
                       dpeak / peak if dpeak and peak else None, T_DRY_PEAK))
        out.append(row(f"`check` writing ≤ {T_WRITE}× openpyxl naive",
                       write / naive if write and naive else None, T_WRITE))
        out.append(row(f"its peak ≤ {T_WRITE_PEAK_MB} MiB", wpeak, T_WRITE_PEAK_MB, " MiB"))
        same = s["dry-written"].seconds(at)
        out.append(row(f"second `check`, nothing to change, ≤ {T_NOOP}× the dry run of the "
                       "same (written) file", noop / same if noop and same else None, T_NOOP))
        out.append(row(f"… ≤ {T_NOOP}× the dry run of the original file (6 columns and "
                       "校验报告 fewer)", noop / dry if noop and dry else None, T_NOOP))
        noted = s["noop"].notes(at)
        verdict = "not measured" if not noted else "yes" if noted == "wrote nothing" else "NO"
        out.append(f"| … and it writes nothing{tag} | {noted or '—'} | {verdict} |")
        if b is not benches[0]:
            continue  # stats and forms are measured for this tree only
        st = s["stats"].seconds(at)
        out.append(row(f"`stats` ≤ {T_STATS}× bare read", st / read if st and read else None,
                       T_STATS) if not s["stats"].skipped
                   else f"| `stats`{tag} | — | {s['stats'].skipped} |")
        if s["forms"].skipped:
            out.append(f"| `forms`{tag} | — | {s['forms'].skipped} |")
        else:
            note = s["forms"].notes(at)
            rate = float(note.split(", ")[1].split()[0]) if ", " in note else None
            out.append(row(f"`forms` ≥ {T_FORMS_PER_S:.0f} forms a second", rate,
                           T_FORMS_PER_S, "/s", more=True))
    out.append("")
    return out


def replay(log: Path, benches: list[Bench], wanted: list[int]) -> list[int]:
    """Fill the stages from the progress lines of a run (at the wanted sizes); the sizes that
    have samples."""
    labels = {st.label: st for b in reversed(benches) for st in b.stages.values()}
    sizes: list[int] = []
    for line in log.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\s*([\d,]+) run \d+/\d+  (.+?)\s+([\d.]+) s\s+(\d+) MiB  ?(.*)$", line)
        if not m or m.group(2) not in labels:
            continue
        rows = int(m.group(1).replace(",", ""))
        if rows not in wanted:
            continue
        labels[m.group(2)].samples.setdefault(rows, []).append(
            Sample(float(m.group(3)), float(m.group(4)), m.group(5).strip()))
        if rows not in sizes:
            sizes.append(rows)
    return sizes


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


# ---------------------------------------------------------------------------
# Baseline: `check` as built from another revision, run side by side


def baseline_cli(rev: str) -> tuple[list[str], str]:
    commit = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()
    tree = CACHE / f"baseline-{commit}"
    exe = tree / ".venv" / "bin" / "complaints"
    if not exe.exists():
        print(f"installing {rev} ({commit}) into {tree} …", file=sys.stderr, flush=True)
        shutil.rmtree(tree, ignore_errors=True)
        tree.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", commit], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        subprocess.run([sys.executable, "-m", "venv", str(tree / ".venv")], check=True)
        subprocess.run([str(tree / ".venv" / "bin" / "pip"), "install", "--quiet", str(tree)],
                       check=True)
    return [str(exe)], commit


def own_cli() -> list[str]:
    # pip compiles a package's bytecode as it installs it (the baseline's install did); an
    # editable install leaves that to the first import, and PYTHONDONTWRITEBYTECODE (set here,
    # and on CI) forbids it, so every run would compile the toolkit again: 0.2-0.3 s that no
    # installed copy pays. Compiled up front, both trees start alike.
    compileall.compile_dir(str(ROOT / "toolkit"), quiet=1)
    exe = Path(sys.executable).with_name("complaints")
    return [str(exe)] if exe.exists() else [sys.executable, "-c",
                                            "from toolkit.cli import main; main()"]


def _order(names: list[str], run: int) -> list[str]:
    """The stages of one run. Each compared pair (the bare read and the dry run; the no-op
    and the dry run of the same file) swaps places every other run, so neither member is
    always the one that follows a heavy process (the write-back, openpyxl): measured in
    docs/performance.md, the run right after the write-back is the slower one."""
    if run % 2:
        for a, b in (("read", "dry"), ("noop", "dry-written")):
            if a in names and b in names:
                i, j = names.index(a), names.index(b)
                names[i], names[j] = b, a
    return names


def _runs(text: str, sizes: list[int], *, quick: bool) -> dict[int, int]:
    if quick:
        return dict.fromkeys(sizes, 1)
    counts = [int(n) for n in text.split(",")]
    if len(counts) == 1:
        counts *= len(sizes)
    if len(counts) != len(sizes) or min(counts) < 1:
        raise SystemExit(f"--runs {text}: one number, or one per size ({len(sizes)})")
    return dict(zip(sizes, counts, strict=True))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--stage":
        stage(sys.argv[2], Path(sys.argv[3]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--build":
        build(int(sys.argv[2]), Path(sys.argv[3]))
        return
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="10,000 rows, one run (a smoke test)")
    p.add_argument("--sizes", help="comma-separated row counts (default 10000,100000,300000)")
    p.add_argument("--runs", default="3", help="runs per size (median; default 3), or one "
                   "number per size, comma-separated (e.g. 5,5,3)")
    p.add_argument("--naive-sizes", help="sizes at which to run openpyxl (default 10000,100000)")
    p.add_argument("--baseline", metavar="REV", help="also run `check` built from REV")
    p.add_argument("--baseline-sizes", help="sizes at which to run the baseline (default: all)")
    p.add_argument("--only", help="comma-separated stages "
                   "(read,dry,write,noop,dry-written,stats,forms,naive)")
    p.add_argument("--out", type=Path, help="where to write the report (default "
                   "bench/results.md; bench/cache/quick.md with --quick)")
    p.add_argument("--from-log", type=Path, metavar="LOG",
                   help="write the report from the progress lines of an earlier (perhaps "
                   "interrupted) run, as saved from stderr")
    p.add_argument("--profile", type=int, metavar="ROWS",
                   help="profile `check --dry-run --json` on ROWS rows and print the summary")
    args = p.parse_args()

    if args.profile:
        source = register(args.profile)
        subprocess.run([sys.executable, __file__, "--stage", "profile", str(source)], check=True,
                       cwd=ROOT)
        return
    sizes = [10_000] if args.quick else (
        [int(s) for s in args.sizes.split(",")] if args.sizes else list(SIZES))
    runs_at = _runs(args.runs, sizes, quick=args.quick)
    naive_sizes = ({int(s) for s in args.naive_sizes.split(",")} if args.naive_sizes
                   else set(NAIVE_SIZES))
    only = set(args.only.split(",")) if args.only else None
    baseline_sizes = ({int(s) for s in args.baseline_sizes.split(",")} if args.baseline_sizes
                      else set(sizes))
    out = args.out or (CACHE / "quick.md" if args.quick else RESULTS)

    files = {rows: register(rows) for rows in sizes}
    benches = [Bench(own_cli(), CACHE / "work")]
    if args.baseline:
        cli, commit = baseline_cli(args.baseline)
        benches.append(Bench(cli, CACHE / "work-baseline", tag=f"before: {commit}"))
    if args.from_log:
        sizes = replay(args.from_log, benches, sizes)
        runs_at = {r: max(len(st.samples.get(r, [])) for b in benches
                          for st in b.stages.values()) for r in sizes}
        text = report(benches, sizes, runs_at, ("see the log", load()), files)
        out.write_text(text + "\n", encoding="utf-8")
        print(text)
        return
    loads = [load()]
    for rows in sizes:
        for i in range(runs_at[rows]):
            for b in benches:
                for name in _order(list(b.stages), i):
                    st = b.stages[name]
                    if only and name not in only:
                        continue
                    if b is not benches[0] and (name in ("read", "naive", "stats", "forms")
                                                or rows not in baseline_sizes):
                        continue
                    if name == "naive" and rows not in naive_sizes:
                        continue
                    b.run(name, rows, files[rows])
                    got = st.samples.get(rows, [])
                    if got:
                        s = got[-1]
                        print(f"{rows:>8,} run {i + 1}/{runs_at[rows]}  {st.label:<48}"
                              f"{s.seconds:>8.2f} s"
                              f"{s.peak_mib:>7.0f} MiB  {s.note}", file=sys.stderr, flush=True)
    loads.append(load())
    text = report(benches, sizes, runs_at, (loads[0], loads[1]), files)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n", encoding="utf-8")
    print(text)
    print(f"\nwritten to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
