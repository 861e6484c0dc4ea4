"""The live preview (`build.py serve`): driven in Chromium, and probed for what it must refuse."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..conftest import REPO, ROOTS

pytestmark = pytest.mark.root("preview")

CHROMIUM = Path("/usr/bin/chromium")
CHAPTER = (ROOTS / "preview/chapters/01-test.yaml").read_text(encoding="utf-8")


class Served:
    def __init__(self, project):
        self.project = project
        self.process = subprocess.Popen(
            [sys.executable, str(REPO / "build.py"), "serve", "--port", "0"],
            cwd=project.root,
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
        )
        line = self.process.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert match, line
        self.port = int(match[1])
        self.url = f"http://127.0.0.1:{self.port}/"

    def request(self, path: str, headers: dict | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        for name, value in {"Host": f"127.0.0.1:{self.port}", **(headers or {})}.items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()

    def state(self) -> dict:
        return json.loads(self.request("/state.json")[1])

    def wait_generation(self, generation: int, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.state()
            if state["generation"] >= generation and not state["building"]:
                return state
            time.sleep(0.2)
        raise AssertionError(f"no build {generation} within {timeout} s")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def served(project):
    """`build.py serve` on tests/roots/preview/, once its first build is done."""
    server = Served(project)
    try:
        server.wait_generation(1)
        yield server
    finally:
        server.stop()


def test_listens_on_loopback_only(served):
    listening = Path("/proc/net/tcp").read_text().splitlines()[1:]
    local = [row.split()[1] for row in listening if row.split()[3] == "0A"]  # state LISTEN
    ours = [address for address in local if int(address.split(":")[1], 16) == served.port]
    assert ours == ["0100007F:" + f"{served.port:04X}"]


def test_refuses_foreign_hosts_origins_traversal_symlinks_and_folders(served, tmp_path):
    assert served.request("/")[0] == 200
    assert served.request("/", {"Host": f"evil.example:{served.port}"})[0] == 403
    assert served.request("/state.json", {"Origin": "http://evil.example"})[0] == 403
    assert served.request("/state.json", {"Origin": f"http://localhost:{served.port}"})[0] == 200
    assert served.request("/files/booklet.proof.pdf")[0] == 200
    assert served.request("/files/booklet.proof.html")[0] == 200
    assert served.request("/files/booklet.web/index.html")[0] == 200  # the web edition, beside the proof
    assert served.request("/files/booklet.web/reader.css")[0] == 200
    assert served.request("/files/../booklet.yaml")[0] == 403
    assert served.request("/files/%2e%2e/booklet.yaml")[0] == 403
    assert served.request("/files/..%2fbooklet.yaml")[0] == 403
    assert served.request("/files/booklet.proof")[0] == 404  # a folder: never listed
    assert served.request("/files/")[0] == 403
    secret = tmp_path / "secret.json"
    secret.write_text("{}")
    os.symlink(secret, served.project.root / "dist" / "link.json")
    assert served.request("/files/link.json")[0] == 403
    assert served.request("/etc/passwd")[0] == 404


@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (make system installs it)"
)
def test_the_page_reloads_on_an_edit_and_shows_a_broken_file_while_the_server_lives(served):
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    chapter = served.project.root / "chapters" / "01-test.yaml"
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(bypass_csp=True)  # lets Playwright evaluate its own probes
            page.goto(served.url)
            page.wait_for_selector("#page-1 img")
            generation = int(page.evaluate("document.body.dataset.generation"))
            assert page.locator("#error").count() == 0

            # an edit: the page reloads by itself, with the change and the page it is on
            chapter.write_text(CHAPTER.replace("第一段文字", "黔东南第一段文字"), encoding="utf-8")
            page.wait_for_function(
                f"Number(document.body.dataset.generation) > {generation}", timeout=120_000
            )
            page.wait_for_load_state()
            assert "text.simplified-char" in page.inner_text("#findings")
            assert page.evaluate("document.body.dataset.changedPage") is not None
            assert page.locator("figure.changed").count() == 1
            generation = int(page.evaluate("document.body.dataset.generation"))

            # a broken file: the error shows, the last good pages stay, the server lives
            chapter.write_text(CHAPTER + "  - paragraph: [unclosed\n", encoding="utf-8")
            page.wait_for_function(
                f"Number(document.body.dataset.generation) > {generation}", timeout=120_000
            )
            page.wait_for_selector("#error")
            error = page.inner_text("#error")
            assert "chapters/01-test.yaml:" in error and "yaml.syntax" in error
            assert page.locator("#pages img").count() >= 1
            assert served.process.poll() is None
            generation = int(page.evaluate("document.body.dataset.generation"))

            # fixed again: the error goes
            chapter.write_text(CHAPTER, encoding="utf-8")
            page.wait_for_function(
                f"Number(document.body.dataset.generation) > {generation}", timeout=120_000
            )
            page.wait_for_selector("#page-1 img")
            assert page.locator("#error").count() == 0
        finally:
            browser.close()
