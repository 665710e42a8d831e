"""End to end in a real browser: ``tthc-sim app`` driven by headless Chromium (selenium).

Changes reception staff on the quick scenario, runs, checks the numbers shown against
``sim.compare`` for the same seed and replications, downloads the workbook and the what-if
YAML (which must reproduce the run), and checks that the server answers within a second while
a simulation runs. Chromium and chromedriver come from the system (``.ci/run`` installs
Debian's ``chromium`` and ``chromium-driver``); without them the test is skipped, except in CI
(``CI`` set), where it fails. With ``TTHC_SIM_SCREENSHOTS=DIR`` the main views are saved as
PNG files in DIR (the README's screenshots come from ``TTHC_SIM_SCREENSHOTS=docs``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from clitools import tthc_command

from sim.app import core
from sim.comparison import compare
from sim.scenario import load_scenario

QUICK = "validation/quick.yaml"
REPS, SEED = 3, 7


def _browser_paths() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if chromium and driver:
        return chromium, driver
    missing = "chromium" if not chromium else "chromedriver"
    if os.environ.get("CI"):
        pytest.fail(f"{missing} is not installed (CI must install chromium and chromium-driver)")
    pytest.skip(f"{missing} is not installed (apt-get install chromium chromium-driver)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, timeout: float = 5.0) -> tuple[int, float]:
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        resp.read()
        return resp.status, time.perf_counter() - t0


@pytest.fixture
def server(served: Path, tmp_path: Path) -> Iterator[str]:
    """``tthc-sim app`` on a free local port, serving a copy of the scenarios."""
    port = _free_port()
    log = (tmp_path / "app.log").open("w")
    proc = subprocess.Popen(
        [
            *tthc_command(),
            "app",
            "--port",
            str(port),
            "--scenarios",
            str(served),
            "--sweeps",
            str(tmp_path / "sweeps"),
            "--workers",
            "1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, (tmp_path / "app.log").read_text()
            try:
                if _get(f"{url}/_stcore/health")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the app did not start within 120 s"
            time.sleep(0.3)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=20)
        log.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    chromium, driver_path = _browser_paths()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=vi"):
        opts.add_argument(arg)
    opts.add_argument("--window-size=1400,1000")
    opts.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    drv = webdriver.Chrome(service=Service(driver_path), options=opts)
    drv.downloads = downloads  # type: ignore[attr-defined]
    try:
        yield drv
    finally:
        drv.quit()


def _wait(fn: Callable[[], Any], timeout: float = 120, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            got = fn()
        except Exception:  # stale elements while Streamlit redraws
            got = None
        if got:
            return got
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _set_number(drv: Any, aria_label: str, value: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = _wait(
        lambda: drv.find_element(By.CSS_SELECTOR, f"input[aria-label='{aria_label}']"),
        what=aria_label,
    )
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(value, Keys.ENTER)
    _wait(
        lambda: (
            drv.find_element(By.CSS_SELECTOR, f"input[aria-label='{aria_label}']")
            .get_attribute("value")
            .strip()
            == value
        ),
        what=f"{aria_label} = {value}",
    )
    time.sleep(1.0)  # let the rerun that the new value started finish


def _download(drv: Any, key: str, suffix: str, timeout: float = 60) -> Path:
    from selenium.webdriver.common.by import By

    folder: Path = drv.downloads
    before = set(folder.iterdir())
    button = _wait(lambda: drv.find_element(By.CSS_SELECTOR, f".st-key-{key} button"), what=key)
    _click(drv, button)

    def new_file() -> Path | None:
        fresh = [p for p in set(folder.iterdir()) - before if p.suffix == suffix]
        return fresh[0] if fresh else None

    return _wait(new_file, timeout, what=f"download of {key}")


def _click(drv: Any, element: Any) -> None:
    """Scroll an element to the middle of the window (clear of the page header), click it."""
    drv.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    time.sleep(0.3)
    element.click()


def _settled(drv: Any) -> bool:
    """Whether Streamlit has finished redrawing (no stale element, no running status)."""
    from selenium.webdriver.common.by import By

    return not drv.find_elements(By.CSS_SELECTOR, "[data-stale=true]") and not [
        e for e in drv.find_elements(By.CSS_SELECTOR, "[data-testid=stStatusWidget]") if e.text
    ]


def _shot(drv: Any, name: str, element: Any = None, block: str = "start") -> None:
    target = os.environ.get("TTHC_SIM_SCREENSHOTS")
    if not target:
        return
    _wait(lambda: _settled(drv), what="the page to settle")
    if element is not None:
        drv.execute_script(f"arguments[0].scrollIntoView({{block: '{block}'}});", element)
        time.sleep(0.5)
    Path(target).mkdir(parents=True, exist_ok=True)
    drv.save_screenshot(str(Path(target) / f"app_{name}.png"))


def test_browser_change_run_download(
    server: str, browser: Any, served: Path, tmp_path: Path
) -> None:
    from openpyxl import load_workbook
    from selenium.webdriver.common.by import By

    t_start = time.perf_counter()
    drv = browser
    drv.get(server)
    _wait(
        lambda: drv.find_element(By.CSS_SELECTOR, "input[aria-label='Tiếp nhận (phường)']"),
        what="the form",
    )
    assert "Bàn làm việc" in drv.find_element(By.TAG_NAME, "h1").text
    _shot(drv, "form")

    # an upload whose extends leaves the served folder is refused with a message
    bad = served.parent / "bad.yaml"
    bad.write_text("extends: /etc/passwd\nname: x\n", encoding="utf-8")
    drv.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(bad))
    alert = _wait(
        lambda: [
            e
            for e in drv.find_elements(By.CSS_SELECTOR, "[data-testid=stAlert]")
            if "Không nhận tệp tải lên" in e.text
        ],
        what="the refusal",
    )
    assert "only scenarios of the served folder" in alert[0].text
    _shot(drv, "upload_refused", alert[0], "center")

    _set_number(drv, "Tiếp nhận (phường)", "4")
    _set_number(drv, f"Số lần lặp (ít nhất {core.MIN_REPS}; cùng số ngẫu nhiên)", str(REPS))
    run = _wait(lambda: drv.find_element(By.CSS_SELECTOR, ".st-key-run button"), what="run")
    assert run.is_enabled()
    t_run = time.perf_counter()
    _click(drv, run)
    _wait(lambda: drv.find_elements(By.CSS_SELECTOR, "[data-testid=stProgress]"), what="progress")
    if os.environ.get("TTHC_SIM_SCREENSHOTS"):  # while running, the page is never settled
        drv.save_screenshot(str(Path(os.environ["TTHC_SIM_SCREENSHOTS"]) / "app_progress.png"))
    # the server answers while the simulation runs
    latencies = [_get(server + path)[1] for path in ("/", "/_stcore/health", "/")]
    running = bool(drv.find_elements(By.CSS_SELECTOR, "[data-testid=stProgress]"))
    kpi = _wait(
        lambda: drv.find_elements(By.CSS_SELECTOR, ".st-key-kpi_other [data-testid=stMetricValue]"),
        timeout=600,
        what="the results",
    )
    run_seconds = time.perf_counter() - t_run
    if running:
        assert max(latencies) < 1.0, latencies
    shown = [
        drv.find_element(By.CSS_SELECTOR, f".st-key-kpi_{k} [data-testid=stMetricValue]").text
        for k in ("ref", "other", "diff")
    ]
    assert kpi[0].text == shown[1]

    tabs = _wait(lambda: drv.find_elements(By.CSS_SELECTOR, "[data-testid=stTab]"), what="tabs")
    assert len(tabs) == 6
    units = drv.find_element(By.CSS_SELECTOR, ".st-key-kpi_ref")
    _shot(drv, "results", units)

    _click(drv, tabs[4])
    _wait(lambda: drv.find_elements(By.CSS_SELECTOR, "[data-testid=stTabs] img"), what="plots")
    _shot(drv, "differences", tabs[4])
    _click(drv, tabs[5])

    # the what-if YAML: valid, extends the reference, reproduces the numbers shown
    yaml_file = _download(drv, "dl_yaml", ".yaml")
    saved = served / "downloaded_whatif.yaml"
    shutil.copy(yaml_file, saved)
    assert f"extends: {QUICK}" in saved.read_text(encoding="utf-8")
    whatif = load_scenario(saved)
    assert whatif.staffing.by_unit_type["phường"]["reception"] == 4
    assert (whatif.run.reps, whatif.run.seed) == (REPS, SEED)
    cmp = compare([load_scenario(served / QUICK), whatif], REPS, SEED)
    h = core.headline(cmp)
    assert shown == [core.pct(h["ref"]), core.pct(h["other"]), core.pp(h["diff"])]

    # the workbook: sheets, Vietnamese names, percent cells
    wb = load_workbook(_download(drv, "dl_xlsx", ".xlsx"))
    assert len(wb.sheetnames) >= 4
    texts = {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row}
    assert {"Hồng Gai", "Đông Mai", "Quảng Yên"} <= texts
    formats = {c.number_format for ws in wb.worksheets for row in ws.iter_rows() for c in row}
    assert any("%" in f for f in formats), formats

    html = _download(drv, "dl_summary", ".html").read_text(encoding="utf-8")
    assert shown[1] in html

    # English by the switch
    _click(drv, drv.find_element(By.CSS_SELECTOR, ".st-key-english label"))
    _wait(lambda: "Planner" in drv.find_element(By.TAG_NAME, "h1").text, what="the English page")
    _shot(drv, "english")
    if os.environ.get("TTHC_SIM_SCREENSHOTS"):
        from sim.sweep import run_sweep

        spec = served / "sweep.yaml"
        spec.write_text(
            "name: staffing_x_links\nbase: tiny.yaml\nfactors:\n"
            "  network.link_mbps: [2, 200]\n  staffing.multiplier.reception: [0.3, 0.6, 1.0]\n"
            "reps: 2\nseed: 3\n",
            encoding="utf-8",
        )
        run_sweep(spec, tmp_path / "sweeps" / "staffing_x_links", workers=1)
        _click(drv, drv.find_elements(By.CSS_SELECTOR, "[data-testid=stSidebar] label")[-1])
        _wait(
            lambda: len(drv.find_elements(By.CSS_SELECTOR, "[data-testid=stMain] img")) >= 2,
            what="sweep plots",
        )
        _shot(drv, "sweeps")
    print(
        f"\nbrowser test: run to results {run_seconds:.1f} s; server answers while running "
        f"{[round(x, 3) for x in latencies]} s; whole test {time.perf_counter() - t_start:.1f} s"
    )
