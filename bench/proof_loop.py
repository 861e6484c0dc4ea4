"""Benchmark (not a test): how fast a proof comes back.

    .venv/bin/python bench/proof_loop.py [--runs N] [--chapter chapters/08-afterword.yaml]

Works on a copy of the project in a temporary folder (the real chapters are never touched) and prints
  cold   the median wall time of `build.py --proof` in a fresh process, page images drawn from scratch;
  edit   the median time from saving one chapter to the new proof PDF on disk, and to the preview's
         state saying the rebuild is done (page images and report included), with `build.py serve` running.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def copy_project(into: Path) -> Path:
    for name in ("booklet.yaml", "chapters", "styles", "assets"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, into / name)
        elif source.is_file():
            shutil.copy2(source, into / name)
    return into


def cold(project: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        shutil.rmtree(project / "dist", ignore_errors=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, str(REPO / "build.py"), "-q", "--proof"], cwd=project, check=True)
        times.append(time.perf_counter() - started)
    return times


def state(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/state.json", timeout=30) as response:
        return json.load(response)


def edit_loop(project: Path, chapter: str, runs: int) -> tuple[list[float], list[float]]:
    server = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "serve", "--port", "0"],
        cwd=project,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        port = int(server.stderr.readline().rsplit(":", 1)[1].split("/")[0])
        while state(port)["generation"] < 1 or state(port)["building"]:
            time.sleep(0.1)
        pdf = project / "dist" / "booklet.proof.pdf"
        file = project / chapter
        original = file.read_text(encoding="utf-8")
        to_pdf, to_preview = [], []
        for run in range(runs):
            generation = state(port)["generation"]
            before = pdf.stat().st_mtime_ns
            text = original.replace("paragraph: ", f"paragraph: 第{run}次修改。", 1)
            saved = time.perf_counter()
            saved_ns = time.time_ns()
            file.write_text(text, encoding="utf-8")
            while True:
                now = state(port)
                if now["generation"] > generation and not now["building"]:
                    break
                time.sleep(0.02)
            to_preview.append(time.perf_counter() - saved)
            written = pdf.stat().st_mtime_ns
            assert written != before, "the proof PDF was not rewritten"
            to_pdf.append((written - saved_ns) / 1e9)
        return to_pdf, to_preview
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--chapter", default="chapters/08-afterword.yaml")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        project = copy_project(Path(temp))
        cold_times = cold(project, max(1, args.runs // 2))
        to_pdf, to_preview = edit_loop(project, args.chapter, args.runs)
    print(
        f"cold build.py --proof: median {statistics.median(cold_times):.2f} s  ({', '.join(f'{t:.2f}' for t in cold_times)})"
    )
    print(
        f"edit → proof PDF:      median {statistics.median(to_pdf):.2f} s  ({', '.join(f'{t:.2f}' for t in to_pdf)})"
    )
    print(
        f"edit → preview ready:  median {statistics.median(to_preview):.2f} s  ({', '.join(f'{t:.2f}' for t in to_preview)})"
    )


if __name__ == "__main__":
    main()
