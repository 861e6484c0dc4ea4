#!/usr/bin/env python3
"""Benchmark: `make bench` → dist/bench.md, dist/bench.json and docs/performance.md.

Builds the real catalogue in a scratch copy of the project (.cache/bench/project) with a full
set of generated camera-like photographs (4000×3000 JPEGs, 3–5 MB, one per figure, made
deterministically and kept in the cache), and reports medians of several runs of each phase,
peak memory (max RSS of the build process), PDF sizes, the same HTML rendered by WeasyPrint
alone (the baseline), and a scaling series. It reports; it never passes or fails.

    .venv/bin/python bench/run.py [--runs 3] [--scaling 1,4,12] [--profile PHASE]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CACHE = REPO / ".cache" / "bench"
PROJECT = CACHE / "project"
PHOTOS = CACHE / "photos"  # generated once, hard-linked or copied into scratch projects
DIST = REPO / "dist"
PERFORMANCE_PAGE = REPO / "docs" / "performance.md"  # the current table, committed with the code
PYTHON = sys.executable


def image_refs() -> list[str]:
    from booklet.assets.collect import image_refs as refs_of
    from booklet.content.validate import load_book
    from booklet.core.findings import Report

    book = load_book(REPO / "booklet.yaml", REPO, Report())
    return sorted({ref for placed in book.all_blocks() for ref, _ in refs_of(placed)})


def make_photo(ref: str) -> bytes:
    """A deterministic camera-like JPEG: smooth colour fields plus sensor-like noise."""
    from PIL import Image

    rng = random.Random(hashlib.sha256(ref.encode()).digest())
    base = Image.frombytes("RGB", (40, 30), rng.randbytes(40 * 30 * 3)).resize((4000, 3000), Image.BICUBIC)
    noise = Image.frombytes("RGB", (4000, 3000), rng.randbytes(4000 * 3000 * 3))
    out = io.BytesIO()
    Image.blend(base, noise, 0.12).save(out, "JPEG", quality=90)
    return out.getvalue()


def ensure_photos(refs: list[str]) -> None:
    for ref in refs:
        target = PHOTOS / ref
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        data = make_photo(ref)
        target.with_suffix(".tmp").write_bytes(data)
        target.with_suffix(".tmp").rename(target)


def make_project(folder: Path, repeat: int = 1) -> Path:
    """A scratch project: the repo's styles and edition, chapters repeated `repeat` times, photos linked."""
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "chapters").mkdir(parents=True)
    shutil.copytree(REPO / "styles", folder / "styles")
    edition = (REPO / "booklet.yaml").read_text(encoding="utf-8")
    names = re.findall(r"^\s*-\s*(chapters/\S+\.yaml)\s*$", edition, flags=re.M)
    listed = []
    number = 0
    for _ in range(repeat):
        for name in names:
            number += 1
            text = (REPO / name).read_text(encoding="utf-8")
            text = re.sub(r"^number:\s*\d+", f"number: {number}", text, count=1, flags=re.M)
            target = f"chapters/{number:03d}-{Path(name).stem}.yaml" if repeat > 1 else name
            (folder / target).write_text(text, encoding="utf-8")
            listed.append(target)
    head = edition.split("\nchapters:")[0]
    if repeat > 1:  # the chapters are renamed: the first edition's page plan no longer applies
        head = re.sub(r"\npage_plan:\n(?:  .*\n)+", "\n", head + "\n").rstrip("\n")
    (folder / "booklet.yaml").write_text(
        head + "\nchapters:\n" + "".join(f"  - {n}\n" for n in listed), encoding="utf-8"
    )
    link_tree(PHOTOS, folder)
    return folder


def link_tree(source: Path, target: Path) -> None:
    """Hard links of every file under `source` (the renderer reads no symlink out of a project)."""
    for path in source.rglob("*"):
        if path.is_file():
            linked = target / path.relative_to(source)
            linked.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, linked)
            except OSError:
                shutil.copyfile(path, linked)


def run(args: list[str], cwd: Path) -> tuple[float, float, float, subprocess.CompletedProcess | None]:
    """Wall seconds, CPU seconds and peak memory (MB) of one build. CPU is user + system time of the
    process and of every worker it waited for (wait4's usage, as /usr/bin/time reports it); memory
    is the largest sum, sampled every 100 ms, of the proportional set size of the process and all
    its workers (shared pages counted once), or the process's own max RSS if that is larger."""
    import tempfile
    import threading

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(args, cwd=cwd, stdout=out, stderr=err)
        peak = [0.0]
        done = threading.Event()

        def sample():
            while not done.wait(0.1):
                peak[0] = max(peak[0], tree_pss_mb(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        print(f"  ! {' '.join(args)} exited {process.returncode}: {stderr.decode()[-500:]}", file=sys.stderr)
    peak_mb = max(peak[0], usage.ru_maxrss / 1024)
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, peak_mb, subprocess.CompletedProcess(args, process.returncode, stdout, stderr)


def tree_pss_mb(pid: int) -> float:
    """Proportional set size of a process and its descendants, in MB (0 when it has gone)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(child) for child in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return total / 1024


def serve_loop(project: Path, chapter: str, runs: int) -> dict | None:
    """Median time from saving a chapter to the new proof PDF with `build.py serve` running."""
    sys.path.insert(0, str(REPO / "bench"))
    from proof_loop import edit_loop

    try:
        to_pdf, to_preview = edit_loop(project, chapter, runs)
    except Exception as exc:
        print(f"  ! serve loop: {exc}", file=sys.stderr)
        return None
    return {
        "median_s": round(statistics.median(to_pdf), 2),
        "runs_s": [round(t, 2) for t in to_pdf],
        "peak_mb": None,
        "to_preview_s": round(statistics.median(to_preview), 2),
    }


def forget_laid_out_parts(project: Path) -> None:
    """Forget the laid-out parts (their PDFs and overlays); keep what was learnt of the page starts."""
    for path in (project / ".cache" / "parts").glob("*"):
        if path.suffix in (".pdf", ".part"):
            path.unlink()


def supports(flag: str) -> bool:
    help_text = subprocess.run(
        [PYTHON, str(REPO / "build.py"), "--help"], capture_output=True, text=True
    ).stdout
    return flag in help_text


def measure(name: str, runs: int, prepare, args: list[str], cwd: Path, results: dict) -> None:
    times, cpus, peaks = [], [], []
    for _ in range(runs):
        prepare()
        seconds, cpu, peak, _ = run(args, cwd)
        times.append(seconds)
        cpus.append(cpu)
        peaks.append(peak)
    results[name] = {
        "median_s": round(statistics.median(times), 2),
        "cpu_s": round(statistics.median(cpus), 2),
        "runs_s": [round(t, 2) for t in times],
        "peak_mb": round(max(peaks)),
    }
    r = results[name]
    print(
        f"  {name:<36} {r['median_s']:7.2f} s {r['cpu_s']:7.2f} CPU-s {r['peak_mb']:6d} MB", file=sys.stderr
    )


def profile(phase: str, project: Path) -> Path:
    """cProfile of one in-process build phase → dist/bench-<phase>.prof and a text summary."""
    import cProfile
    import pstats

    from booklet.app.build import build
    from booklet.app.check import check
    from booklet.app.project import Options

    options = Options(edition_file=project / "booklet.yaml", output=project / "dist" / "profile.pdf")
    target = DIST / f"bench-{phase}.prof"
    profiler = cProfile.Profile()
    profiler.enable()
    (check if phase == "check" else build)(options)
    profiler.disable()
    profiler.dump_stats(target)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(25)
    target.with_suffix(".txt").write_text(text.getvalue())
    return target


def versions() -> dict:
    from booklet.core.versions import versions as package_versions

    found = package_versions()
    return {
        "python": found["python"],
        "weasyprint": found.get("weasyprint"),
        "pango": found.get("pango"),
        "cores": os.cpu_count(),
        "machine": platform.machine(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--scaling",
        default="1,4,12",
        help="repeat counts of the content (≈ 100, 320 and 950 pages; at most 12: chapters are "
        "numbered up to 99)",
    )
    parser.add_argument(
        "--scaling-runs", type=int, default=3, help="builds of each scaled edition (the median is kept)"
    )
    parser.add_argument(
        "--profile", metavar="PHASE", choices=["check", "build"], help="write a cProfile of a phase"
    )
    args = parser.parse_args()

    DIST.mkdir(exist_ok=True)
    refs = image_refs()
    print(f"photos: {len(refs)} (generated once into {PHOTOS.relative_to(REPO)})", file=sys.stderr)
    ensure_photos(refs)
    photo_mb = sum((PHOTOS / r).stat().st_size for r in refs) / 1e6
    project = make_project(PROJECT)
    build = [PYTHON, str(REPO / "build.py"), "-q"]
    results: dict = {}

    def cold():
        shutil.rmtree(project / ".cache", ignore_errors=True)

    def nothing():
        pass

    chapter = project / "chapters" / "04-impact.yaml"
    original = chapter.read_text(encoding="utf-8")

    edits = iter(range(1000))

    def edit():  # a real change of printed text, so the chapter's pages are laid out again
        chapter.write_text(
            original.replace("paragraph: ", f"paragraph: 第{next(edits)}次修改。", 1), encoding="utf-8"
        )

    print(f"phases (median of {args.runs}):", file=sys.stderr)
    measure("check", args.runs, nothing, build + ["check"], project, results)
    measure("print build, cold", args.runs, cold, build, project, results)

    def forget_parts():  # photos stay prepared; every page is laid out afresh
        forget_laid_out_parts(project)

    force = ["--force"] if supports("--force") else []  # laid out again though nothing changed
    measure(
        "print build, warm",
        args.runs,
        forget_parts,
        build + force + ["--html", "dist/booklet.html"],
        project,
        results,
    )
    measure(
        "print build, parts remembered",
        args.runs,
        nothing,
        build + force + ["--html", "dist/booklet.html"],
        project,
        results,
    )
    run(build, project)  # the record of a build without --html, which the no-op compares with
    measure("print build, nothing changed", args.runs, nothing, build, project, results)
    proof = ["--proof"] if supports("--proof") else []
    measure(
        "proof build" + ("" if proof else " (no --proof yet: plain build)"),
        args.runs,
        forget_parts,
        build + force + proof + ["-o", "dist/proof.pdf"],
        project,
        results,
    )
    measure(
        "edit one chapter → proof",
        args.runs,
        edit,
        build + proof + ["-o", "dist/proof.pdf"],
        project,
        results,
    )
    chapter.write_text(original, encoding="utf-8")
    loop = serve_loop(project, "chapters/04-impact.yaml", args.runs)
    if loop:
        results["edit one chapter → proof, in serve"] = loop
        print(f"  {'edit one chapter → proof, in serve':<28} {loop['median_s']:7.2f} s", file=sys.stderr)
    baseline = [
        PYTHON,
        "-m",
        "weasyprint",
        "-q",
        "-u",
        project.as_uri() + "/",
        "dist/booklet.html",
        "dist/baseline.pdf",
    ]
    measure("WeasyPrint alone (baseline)", args.runs, nothing, baseline, project, results)

    sizes = {
        name: round((project / "dist" / name).stat().st_size / 1e6, 1)
        for name in ("booklet.pdf", "proof.pdf", "baseline.pdf")
        if (project / "dist" / name).exists()
    }
    pages = int(
        re.search(
            r"Pages:\s+(\d+)",
            subprocess.run(
                ["pdfinfo", str(project / "dist/booklet.pdf")], capture_output=True, text=True
            ).stdout,
        )[1]
    )

    composition = composition_figures(project / "dist" / "booklet.composition.json")
    print(f"composition: {composition}", file=sys.stderr)

    scaling = []
    print("scaling:", file=sys.stderr)
    for repeat in [int(n) for n in args.scaling.split(",") if n]:
        folder = make_project(CACHE / f"scale-{repeat}", repeat)
        link_tree(project / ".cache" / "images", folder / ".cache" / "images")  # the same photos, prepared
        run(build, folder)  # lays out once: the start folios are known, as in a warm build
        measured = []
        for _ in range(args.scaling_runs):  # warm builds: every page laid out again
            forget_laid_out_parts(folder)
            seconds, cpu, peak, _ = run(build + force, folder)
            measured.append((seconds, cpu, peak))
        seconds = statistics.median(secs for secs, _, _ in measured)
        cpu = statistics.median(cpu for _, cpu, _ in measured)
        peak = max(peak for _, _, peak in measured)
        info = subprocess.run(
            ["pdfinfo", str(folder / "dist/booklet.pdf")], capture_output=True, text=True
        ).stdout
        count = int(re.search(r"Pages:\s+(\d+)", info)[1]) if "Pages" in info else 0
        scaling.append(
            {
                "repeat": repeat,
                "pages": count,
                "seconds": round(seconds, 2),
                "cpu_s": round(cpu, 2),
                "peak_mb": round(peak),
                "runs_s": [round(secs, 2) for secs, _, _ in measured],
            }
        )
        print(f"  ×{repeat:<3} {count:5d} pages {seconds:7.2f} s {peak:6.0f} MB", file=sys.stderr)
        shutil.rmtree(folder)

    base = results["WeasyPrint alone (baseline)"]
    ratios = {
        "warm print / baseline, wall": round(results["print build, warm"]["median_s"] / base["median_s"], 2),
        "warm print / baseline, CPU": round(
            results["print build, warm"]["cpu_s"] / max(base["cpu_s"], 0.01), 2
        ),
        "cold print / baseline, wall": round(results["print build, cold"]["median_s"] / base["median_s"], 2),
        "cold print / baseline, CPU": round(
            results["print build, cold"]["cpu_s"] / max(base["cpu_s"], 0.01), 2
        ),
    }
    if len(scaling) >= 2 and scaling[0]["seconds"]:
        first, last = scaling[0], scaling[-1]
        ratios["largest / smallest time"] = round(last["seconds"] / first["seconds"], 2)
        ratios["largest / smallest pages"] = round(last["pages"] / max(first["pages"], 1), 2)
    report = {
        "versions": versions(),
        "runs": args.runs,
        "scaling_runs": args.scaling_runs,
        "photos": len(refs),
        "photos_mb": round(photo_mb),
        "pages": pages,
        "phases": results,
        "ratios": ratios,
        "pdf_mb": sizes,
        "scaling": scaling,
        "composition": composition,
    }
    if args.profile:
        report["profile"] = str(profile(args.profile, project).relative_to(REPO))
    (DIST / "bench.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))
    (DIST / "bench.md").write_text(markdown(report))
    write_performance_page(report)
    print((DIST / "bench.md").read_text())
    return 0


def composition_figures(path: Path) -> dict:
    """The composition audit of the print build (pdf/composition.py), counted: holes, figures
    moved and shrunk, photos under nominal size, table headers wrapping."""
    try:
        audit = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    counts = {name.replace("_", " "): len(items) for name, items in audit.items()}
    counts["largest hole (share of the text block)"] = max((h["share"] for h in audit["holes"]), default=0)
    return counts


def composition_table(report: dict) -> list[str]:
    if not report.get("composition"):
        return []
    return [
        "",
        "Composition of the print build (its composition audit, `dist/booklet.composition.json`):",
        "",
        "| composition | count |",
        "| --- | --- |",
        *(f"| {name} | {value} |" for name, value in report["composition"].items()),
    ]


def machine_line(report: dict) -> str:
    v = report["versions"]
    line = (
        f"Python {v['python']}, WeasyPrint {v['weasyprint']}, Pango {v['pango']}, {v['cores']} cores. "
        f"{report['pages']} pages, {report['photos']} photos ({report['photos_mb']} MB of 4000×3000 JPEGs)."
    )
    if "runs" in report:
        runs, builds = report["runs"], report["scaling_runs"]
        line += (
            f" Medians of {runs} run{'s' * (runs != 1)} of each phase and of {builds} "
            f"build{'s' * (builds != 1)} of each scaled edition."
        )
    return line


def markdown(report: dict) -> str:
    """dist/bench.md: the machine line and the tables."""
    lines = ["# Benchmark", "", machine_line(report), "", *tables(report), *composition_table(report)]
    if "profile" in report:
        lines += ["", f"Profile: `{report['profile']}` (text summary beside it)."]
    return "\n".join(lines) + "\n"


def performance_page(report: dict) -> str:
    """docs/performance.md, the whole page: what the bench measures, the machine line, the tables."""
    repeats = [str(s["repeat"]) for s in report["scaling"]]
    if len(repeats) > 1:
        series = f"The scaling series repeats the content {', '.join(repeats[:-1])} and {repeats[-1]} times"
    else:
        times = "time" if repeats == ["1"] else "times"
        series = f"The scaling series repeats the content {''.join(repeats) or 'no'} {times}"
    intro = f"""\
# Performance

This page is written by `make bench` (`.venv/bin/python bench/run.py`), which rewrites it on every
run; do not edit it by hand. The bench builds the real catalogue in a scratch copy of the project
(`.cache/bench/`, never committed) with a generated photograph for every figure (a 4000×3000 JPEG
of 3–5 MB, made deterministically), and times each phase several times:

- **check**: `build.py check`, no PDF;
- **print build, cold**: the print PDF with an empty `.cache`, so every photo is converted;
- **print build, warm**: the photos already prepared, every page laid out afresh;
- **print build, parts remembered**: a forced rebuild (`--force`) that finds every laid-out part
  remembered;
- **print build, nothing changed**: the same command again with nothing changed: the build compares
  its inputs with the record of the last one and does nothing;
- **proof build**: the proof PDF and its report, every page laid out afresh;
- **edit one chapter → proof**: the first paragraph of 四．幫扶成效 changed, then a proof from the
  command line (only that chapter's part is laid out again);
- **edit one chapter → proof, in serve**: the same edit with `build.py serve` running, from saving
  the file to the new proof PDF;
- **WeasyPrint alone (baseline)**: the same book's HTML (`build.py --html`, styles inlined) rendered
  by WeasyPrint alone.

CPU is the user and system time of the build and of every worker process it waited for (as
`/usr/bin/time` counts it). Peak memory is the largest sum, sampled every 100 ms, of the proportional set size of the build and
all its worker processes (none is given for the serve loop, whose server runs throughout). The
ratios compare the print builds with the baseline, and the largest scaled edition with the
smallest. {series}
(each repeat a copy of every chapter, renumbered, in one synthetic edition) and builds each edition
warm. The bench reports; it never fails. Timings on one machine can drift by ±15 % over minutes, so
compare two versions of the code by builds taken in turn, not by two runs of the bench.

To regenerate this page, run `make bench` (about 15 minutes on two cores); it also writes
`dist/bench.md` and `dist/bench.json`. `.venv/bin/python bench/run.py --help` lists the options
(`--runs`, `--scaling`, `--scaling-runs`, and `--profile check` or `--profile build`, which
writes a cProfile of that phase to `dist/`).
"""
    lines = [intro, "## Last run", "", machine_line(report), "", *tables(report)]
    return "\n".join(lines) + "\n"


def write_performance_page(report: dict, target: Path = PERFORMANCE_PAGE) -> None:
    target.write_text(performance_page(report), encoding="utf-8")


def tables(report: dict) -> list[str]:
    lines = [
        "| phase | median (s) | CPU (s) | runs (s) | peak memory (MB) |",
        "| --- | ---: | ---: | --- | ---: |",
    ]
    for name, r in report["phases"].items():
        peak = "—" if r["peak_mb"] is None else r["peak_mb"]  # the serve loop: a long-running process
        cpu = r.get("cpu_s", "—")  # the serve loop: the server's CPU is not the loop's
        lines.append(f"| {name} | {r['median_s']} | {cpu} | {', '.join(map(str, r['runs_s']))} | {peak} |")
    if report["ratios"]:
        lines += ["", "| ratio | value |", "| --- | ---: |"]
        lines += [f"| {k} | {v} |" for k, v in report["ratios"].items()]
    if report["pdf_mb"]:
        lines += ["", "| PDF | MB |", "| --- | ---: |"]
        lines += [f"| {k} | {v} |" for k, v in report["pdf_mb"].items()]
    lines += [
        "",
        "| content × | pages | median (s) | CPU (s) | runs (s) | peak memory (MB) |",
        "| ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    lines += [
        f"| {s['repeat']} | {s['pages']} | {s['seconds']} | {s.get('cpu_s', '—')} | "
        f"{', '.join(map(str, s.get('runs_s', [])))} | "
        f"{s['peak_mb']} |"
        for s in report["scaling"]
    ]
    return lines


if __name__ == "__main__":
    sys.exit(main())
