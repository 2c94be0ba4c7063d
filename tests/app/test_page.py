"""The page in a real browser: `python -m tunablecnn.app` driven by headless Chromium through selenium.

Open a picture, read the result back from the page, move the alpha slider, read it again:
each result must be `load_model(...)` at the alpha the page shows (within 1 gray level) and the
two must differ. Skipped, with the reason in pytest's summary, where Gradio, selenium, Chromium
or chromedriver is missing or Chromium cannot start; with TUNABLECNN_REQUIRE_BROWSER=1 (as CI
sets it) those are failures instead. TUNABLECNN_APP_SCREENSHOT=docs/app.png keeps the
screenshot the test takes (the README's figure).
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import cv2
import numpy as np
import pytest

from tunablecnn import load_model
from tunablecnn.app import sample_image, sample_names

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"  # Debian's chromium and chromium-driver
MODEL = "adafm-unet16-gray-15-50"
START_TIMEOUT, WAIT = 180, 60  # seconds: the app's start (TensorFlow, Gradio, the model), one page update
REQUIRED = os.environ.get("TUNABLECNN_REQUIRE_BROWSER") == "1"


def _unavailable(reason):
    if REQUIRED:
        pytest.fail(f"browser test cannot run: {reason} (TUNABLECNN_REQUIRE_BROWSER=1 says it must)")
    pytest.skip(f"browser test skipped: {reason}")


def _import(module):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        _unavailable(f"{module.split('.')[0]} is not installed (pip install \".[test,app]\")")


@pytest.fixture(scope="module")
def downloads(tmp_path_factory):
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
    _import("gradio")
    webdriver = _import("selenium.webdriver")
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(path)]
    if missing:
        _unavailable(f"no {' or '.join(missing)} (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1500"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads)})
    try:
        driver = webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER), options=options)
    except Exception as error:  # selenium raises WebDriverException and OSError subclasses alike
        _unavailable(f"Chromium cannot start ({str(error).splitlines()[0]})")
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def app_url(browser, tmp_path_factory):
    port = _free_port()
    log = tmp_path_factory.mktemp("app") / "app.log"
    with open(log, "w") as output:
        process = subprocess.Popen([sys.executable, "-m", "tunablecnn.app", "--port", str(port), "--model", MODEL],
                                   cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_for_server(process, url, log)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_result_follows_the_alpha_slider_and_equals_load_model(browser, app_url, downloads, tmp_path):
    from selenium.webdriver.common.by import By

    picture = sample_image(sample_names()[1])[60:316, 150:406]  # a noisy face, 256x256
    cv2.imwrite(str(tmp_path / "noisy.png"), picture)
    browser.get(app_url)
    _wait(browser, lambda: browser.find_elements(By.CSS_SELECTOR, "#input input[type=file]"))
    browser.find_element(By.CSS_SELECTOR, "#input input[type=file]").send_keys(str(tmp_path / "noisy.png"))
    first, source = _result_for(browser, 0.5, None)
    alpha = _drag_slider(browser, "#alpha", 0.2)
    second, _ = _result_for(browser, alpha, source)
    denoiser = load_model(MODEL)
    for shown, value in ((first, 0.5), (second, alpha)):
        assert np.abs(shown.astype(int) - denoiser(picture, alpha=value)).max() <= 1, f"alpha {value}"
    assert np.abs(first.astype(int) - second).mean() > 0.25  # the slider changed the result
    _keep_screenshot(browser, tmp_path)
    np.testing.assert_array_equal(_downloaded(browser, downloads, alpha), second)


def _result_for(browser, alpha, previous):
    """`(result image, its address)` once the page shows a new result (not at `previous`) for `alpha`."""
    from selenium.webdriver.common.by import By

    def shown():
        images = browser.find_elements(By.CSS_SELECTOR, "#result img")
        source = images[0].get_attribute("src") if images else None
        done = source not in (None, previous) and f"alpha {alpha:.2f}" in browser.find_element(By.ID, "stats").text
        return source if done else None

    source = _wait(browser, shown)
    return _read(source), source


def _drag_slider(browser, selector, fraction):
    """Click the slider's track at `fraction` of its width, as a person would; return the value it took."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    track = browser.find_element(By.CSS_SELECTOR, f"{selector} input[type=range]")
    ActionChains(browser).move_to_element_with_offset(track, int((fraction - 0.5) * track.size["width"]), 0) \
        .click().perform()
    number = browser.find_element(By.CSS_SELECTOR, f"{selector} input[type=number]")
    _wait(browser, lambda: abs(float(number.get_attribute("value")) - 0.5) > 0.05)
    return float(number.get_attribute("value"))


def _downloaded(browser, folder, alpha):
    """The file the download button gives, read once the browser has saved it in `folder`."""
    from selenium.webdriver.common.by import By

    browser.find_element(By.ID, "download").click()
    names = _wait(browser, lambda: [n for n in os.listdir(folder) if n.startswith(f"denoised-alpha{alpha:.2f}-")
                                    and n.endswith(".png")])
    return cv2.imread(str(folder / names[0]), cv2.IMREAD_UNCHANGED)


def _read(url):
    with urllib.request.urlopen(url, timeout=WAIT) as response:
        return cv2.imdecode(np.frombuffer(response.read(), np.uint8), cv2.IMREAD_UNCHANGED)


def _keep_screenshot(browser, tmp_path):
    path = tmp_path / "app.png"
    browser.execute_script("window.scrollTo(0, 0)")
    assert browser.save_screenshot(str(path))
    target = os.environ.get("TUNABLECNN_APP_SCREENSHOT")
    if target:
        shutil.copyfile(path, os.path.join(ROOT, target) if not os.path.isabs(target) else target)


def _wait(browser, condition):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, WAIT, poll_frequency=0.2).until(lambda _: condition())


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_server(process, url, log):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"python -m tunablecnn.app exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"python -m tunablecnn.app did not answer at {url} within {START_TIMEOUT} s:\n"
                f"{log.read_text()[-3000:]}")
