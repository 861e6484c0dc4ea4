"""Live preview: `build.py serve` — a local server that rebuilds the proof (and the web edition, at
/files/<edition>.web/index.html) when the sources change.

Bound to 127.0.0.1 only; opens nothing by itself. It serves a preview page (the proof's pages as
images, the findings), a server-sent-event stream that tells the page to reload and which page
changed, and the files of the build output folder — nothing else. Requests whose Host or Origin
is not this loopback server, paths that leave the output folder (.., symbolic links) and folders
are refused. A build that fails shows its findings in the page; the last good preview stays and
the server keeps running.
"""

from __future__ import annotations

import json
import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from booklet.app.build import build
from booklet.app.project import Options, project_root
from booklet.app.reader import build_reader
from booklet.core.findings import BuildError, Finding
from booklet.proof.stamp import proof_output

HOST = "127.0.0.1"
POLL_SECONDS = 0.25
SETTLE_SECONDS = 0.1  # an editor writes a file in several steps
WATCHED = ("chapters", "styles", "assets")
CONTENT_TYPES = {
    ".png": "image/png",
    ".pdf": "application/pdf",
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".css": "text/css; charset=utf-8",  # the web edition's
    ".jpg": "image/jpeg",
    ".svg": "image/svg+xml",
}


@dataclass
class PreviewState:
    generation: int = 0
    building: bool = False
    pages: list[tuple[int, str]] = field(default_factory=list)  # (number, file under the output folder)
    digests: dict[int, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None  # the last build's failure; the pages are the last good ones
    changed_page: int | None = None
    built_at: str = ""
    seconds: float = 0.0
    marks: list = field(default_factory=list)  # the marks of the annotated proof handed to serve
    marks_from: str = ""  # that proof, or why it was refused


class Preview:
    """The current proof and its findings; rebuilt on demand, never lost to a failed build."""

    def __init__(self, options: Options, log: Callable[[str], None]):
        self.options = options
        self.log = log
        self.root = project_root(options.edition_file)
        self.output = options.output or proof_output(options.edition_file, self.root)
        self.folder = self.output.parent
        self.web = (
            self.folder / f"{options.edition_file.stem}.web"
        )  # the web edition, rebuilt beside the proof
        self.state = PreviewState()
        self.changed = threading.Condition()
        self._build_lock = threading.Lock()

    def read_annotations(self, pdf: Path) -> None:
        """The marks of an annotated proof, shown beside the pages (and tracked for the next proof)."""
        from booklet.app.annotations import run

        try:
            outcome = run(pdf, self.options.edition_file)
        except BuildError as exc:
            self.log(f"annotations: {exc}")
            marks, said = [], f"{pdf.name}: {exc}"
        else:
            marks, said = outcome.marks, pdf.name
            self.log(f"{len(marks)} marks read from {pdf}")
        with self.changed:
            self.state.marks, self.state.marks_from = marks, said

    def snapshot(self) -> PreviewState:
        with self.changed:
            return replace(self.state)

    def rebuild(self, reason: str) -> None:
        with self._build_lock:
            with self.changed:
                self.state.building = True
            started = time.perf_counter()
            update: dict = {}
            try:
                result = build(
                    replace(self.options, output=self.output, profile="proof", audit=False, preflight=False)
                )
                images = _page_images(self.output)
                build_reader(replace(self.options, output=self.web, profile="web"), "web")  # 1–2 s more
                digests = {number: digest for number, _, digest in images}
                previous = self.state.digests
                changed = [n for n in sorted(digests) if previous.get(n) != digests[n]]
                update = dict(
                    pages=[(n, f) for n, f, _ in images],
                    digests=digests,
                    findings=result.report.findings,
                    error=None,
                    changed_page=(changed[0] if changed and previous else None),
                )
            except BuildError as exc:
                report = exc.report.findings if exc.report else []
                lines = [f.format() for f in report if f.severity == "error"] or [str(exc)]
                update = dict(error="\n".join(lines), findings=report, changed_page=None)
            except Exception as exc:
                update = dict(error=f"internal error: {type(exc).__name__}: {exc}", changed_page=None)
                if os.environ.get("BOOKLET_DEBUG"):
                    traceback.print_exc()
            seconds = time.perf_counter() - started
            with self.changed:
                for key, value in update.items():
                    setattr(self.state, key, value)
                self.state.building = False
                self.state.generation += 1
                self.state.built_at = time.strftime("%H:%M:%S")
                self.state.seconds = seconds
                self.changed.notify_all()
            status = "failed" if self.state.error else f"page {self.state.changed_page or '-'} changed"
            self.log(f"rebuilt ({reason}) in {seconds:.1f} s: {status}")

    def wait(self, generation: int, timeout: float) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.state.generation != generation, timeout=timeout)
            return self.state.generation


def _page_images(pdf: Path) -> list[tuple[int, str, str]]:
    """(page number, file relative to the output folder, layout signature) of the proof's page images."""
    folder = pdf.parent / pdf.stem
    signatures = json.loads((folder / "pages.json").read_text(encoding="utf-8"))
    digits = len(str(len(signatures)))
    return sorted(
        (int(n), f"{folder.name}/page-{int(n):0{digits}d}.png", signature)
        for n, signature in signatures.items()
    )


# ---------------------------------------------------------------- watching the sources


def source_stamp(root: Path, edition_file: Path) -> dict[str, tuple[int, int]]:
    """path → (mtime ns, size) of every file a build reads."""
    stamp: dict[str, tuple[int, int]] = {}
    files = [edition_file.resolve()]
    for name in WATCHED:
        folder = root / name
        if folder.is_dir():
            files.extend(p for p in folder.rglob("*") if p.is_file())
    for file in files:
        try:
            info = file.stat()
        except OSError:
            continue
        stamp[str(file)] = (info.st_mtime_ns, info.st_size)
    return stamp


def watch(preview: Preview, stop: threading.Event) -> None:
    last = source_stamp(preview.root, preview.options.edition_file)
    preview.rebuild("start")
    while not stop.wait(POLL_SECONDS):
        now = source_stamp(preview.root, preview.options.edition_file)
        if now == last:
            continue
        time.sleep(SETTLE_SECONDS)
        now = source_stamp(preview.root, preview.options.edition_file)
        changed = sorted({*now} ^ {*last} | {k for k in now if k in last and now[k] != last[k]})
        last = now
        names = ", ".join(Path(c).name for c in changed[:3])
        preview.rebuild(f"{names} changed")


# ---------------------------------------------------------------- HTTP


def make_handler(preview: Preview, port: int):
    from booklet.html.document import make_environment

    template = make_environment().get_template("preview.html")
    hosts = {f"{HOST}:{port}", f"localhost:{port}", f"[::1]:{port}"}
    origins = {f"http://{host}" for host in hosts}
    root_folder = preview.folder.resolve()

    class Handler(BaseHTTPRequestHandler):
        server_version = "booklet-preview"
        sys_version = ""

        def log_message(self, format, *args):
            pass

        def do_HEAD(self):
            self.do_GET(head=True)

        def do_GET(self, head: bool = False):
            if self.headers.get("Host", "") not in hosts:
                return self._refuse(HTTPStatus.FORBIDDEN, "this server answers to 127.0.0.1 only")
            origin = self.headers.get("Origin")
            if origin is not None and origin not in origins:
                return self._refuse(HTTPStatus.FORBIDDEN, "cross-origin requests are refused")
            path = urlsplit(self.path).path
            if path == "/":
                page = template.render(
                    state=preview.snapshot(),
                    pdf=preview.output.name,
                    report=preview.output.with_suffix(".html").name,
                    web=f"{preview.web.name}/index.html",
                )
                return self._send(page.encode(), "text/html; charset=utf-8", head)
            if path == "/state.json":
                return self._send(
                    json.dumps(_state_json(preview.snapshot()), ensure_ascii=False).encode(),
                    "application/json",
                    head,
                )
            if path == "/events":
                return self._events()
            if path.startswith("/files/"):
                return self._file(path[len("/files/") :], head)
            return self._refuse(HTTPStatus.NOT_FOUND, "not found")

        def do_POST(self):
            self._refuse(HTTPStatus.METHOD_NOT_ALLOWED, "read only")

        do_PUT = do_DELETE = do_PATCH = do_POST

        def _file(self, raw: str, head: bool):
            name = unquote(raw)
            parts = name.split("/")
            if not name or "\\" in name or "\0" in name or any(p in ("", ".", "..") for p in parts):
                return self._refuse(HTTPStatus.FORBIDDEN, "bad path")
            target = root_folder.joinpath(*parts)
            try:
                real = target.resolve(strict=True)
            except (OSError, RuntimeError):
                return self._refuse(HTTPStatus.NOT_FOUND, "not found")
            if not real.is_relative_to(root_folder):
                return self._refuse(HTTPStatus.FORBIDDEN, "outside the build output")
            if not real.is_file() or real.suffix.lower() not in CONTENT_TYPES:
                return self._refuse(HTTPStatus.NOT_FOUND, "not found")  # folders are never listed
            self._send(real.read_bytes(), CONTENT_TYPES[real.suffix.lower()], head)

        def _events(self):
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            generation = preview.snapshot().generation
            try:
                self.wfile.write(b"retry: 1000\n\n")
                self.wfile.flush()
                while not self.server.stopping.is_set():
                    now = preview.wait(generation, timeout=10)
                    if now == generation:
                        self.wfile.write(b": keep-alive\n\n")
                    else:
                        generation = now
                        data = json.dumps(_state_json(preview.snapshot()), ensure_ascii=False)
                        self.wfile.write(f"event: rebuilt\ndata: {data}\n\n".encode())
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                return

        def _send(self, body: bytes, content_type: str, head: bool = False):
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header(
                "Content-Security-Policy",
                "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'",
            )
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def _refuse(self, status: HTTPStatus, why: str):
            body = f"{status.value} {status.phrase}: {why}\n".encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def _state_json(state: PreviewState) -> dict:
    return {
        "generation": state.generation,
        "building": state.building,
        "error": state.error,
        "changed_page": state.changed_page,
        "pages": len(state.pages),
        "findings": len(state.findings),
        "marks": len(state.marks),
        "seconds": round(state.seconds, 2),
    }


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int, handler):
        self.stopping = threading.Event()
        super().__init__((HOST, port), handler)


def serve(options: Options, port: int, log: Callable[[str], None], annotations: Path | None = None) -> int:
    preview = Preview(options, log)
    try:
        server = PreviewServer(port, lambda *a: None)
    except OSError as exc:
        log(f"cannot listen on {HOST}:{port}: {exc.strerror}")
        return 4
    port = server.server_address[1]
    server.RequestHandlerClass = make_handler(preview, port)
    stop = threading.Event()
    log(f"preview at http://{HOST}:{port}/ — Ctrl-C stops")
    if annotations is not None:  # before the first build, which then shows them tracked
        preview.read_annotations(annotations)
    watcher = threading.Thread(target=watch, args=(preview, stop), daemon=True)
    watcher.start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.stopping.set()
        server.server_close()
    return 0
