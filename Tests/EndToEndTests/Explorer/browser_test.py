"""The explorer in a real browser: Debian's chromium and chromium-driver, driven by Selenium, headless.

Loads the page, moves a lever with the keyboard, waits for the table, saves the scenario, and checks
that the probabilities shown equal `coopsim run` of the saved file exactly; then switches to
Vietnamese and checks the labels. With a second argument, writes screenshots (EN and VI) there.

Usage: python3 browser_test.py COOPSIM_BINARY [SCREENSHOT_DIR]
"""
import os
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from explorer_common import Server, check, cli_targets, key

binary = sys.argv[1]
shots = sys.argv[2] if len(sys.argv) > 2 else None
tmp = tempfile.mkdtemp(prefix="coopsim-explorer-browser-")
server = Server(binary, ["Scenarios/hcmc-baseline.toml", "Scenarios/hcmc-2024-plan.toml"], os.path.join(tmp, "explorer"))
options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1100", "--lang=en-US"]:
    options.add_argument(a)
driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
wait = WebDriverWait(driver, 60)
try:
    driver.get(server.url)
    status = lambda: driver.find_element(By.ID, "status")
    wait.until(lambda d: status().get_attribute("data-state") == "idle" and int(status().get_attribute("data-seq")) >= 1)
    check(Select(driver.find_element(By.ID, "scenario")).first_selected_option.get_attribute("value") == "hcmc-2024-plan",
          "the page opens on the plan")
    check(Select(driver.find_element(By.ID, "baseline")).first_selected_option.get_attribute("value") == "hcmc-baseline",
          "with its baseline")
    first = {r.get_attribute("data-metric"): r.find_element(By.CSS_SELECTOR, "td.prob").get_attribute("data-probability")
             for r in driver.find_elements(By.CSS_SELECTOR, "#targets tbody tr")}
    check(len(first) >= 4, f"the plan's targets shown: {first}")

    # Move the training lever 10 steps up (+5 percentage points in every year) with the keyboard, as a user would.
    seq_before = int(status().get_attribute("data-seq"))
    slider = driver.find_element(By.ID, "lever-training")
    driver.execute_script("arguments[0].focus()", slider)
    for _ in range(10):
        slider.send_keys(Keys.ARROW_RIGHT)
    wait.until(lambda d: status().get_attribute("data-state") == "idle" and int(status().get_attribute("data-seq")) > seq_before)
    time.sleep(0.5)
    wait.until(lambda d: status().get_attribute("data-state") == "idle")
    shown = {}
    for r in driver.find_elements(By.CSS_SELECTOR, "#targets tbody tr"):
        k = (r.get_attribute("data-metric"), r.get_attribute("data-year"), r.get_attribute("data-op"), r.get_attribute("data-value"))
        shown[k] = r.find_element(By.CSS_SELECTOR, "td.prob").get_attribute("data-probability")
    # Probabilities said as the reports say them: never a certain 0.0% / 100.0% for a share of paths.
    for r in driver.find_elements(By.CSS_SELECTOR, "#targets tbody tr"):
        cell = r.find_element(By.CSS_SELECTOR, "td.prob")
        p, text = cell.get_attribute("data-probability"), cell.text
        if p == "":
            continue
        check(not text.startswith(("0.0%", "100.0%")), f"{r.get_attribute('data-metric')}: {text!r} for probability {p}")
        if float(p) in (0.0, 1.0):
            check(text.startswith(("< ", "> ")), f"{r.get_attribute('data-metric')}: a probability of {p} by its bound, {text!r}")
    if shots:
        os.makedirs(shots, exist_ok=True)
        driver.save_screenshot(os.path.join(shots, "explorer-en.png"))

    # Save, then run the saved file from the command line.
    name = driver.find_element(By.ID, "save-name")
    name.clear()
    name.send_keys("browser-moved-training")
    driver.find_element(By.ID, "save").click()
    kept = lambda: driver.find_element(By.ID, "kept")
    wait.until(lambda d: kept().get_attribute("data-state") in ("ok", "error"))
    check(kept().get_attribute("data-state") == "ok", f"saved: {kept().text}")
    saved = kept().get_attribute("data-file")
    text = open(saved, encoding="utf-8").read()
    check("training = {" in text, "the saved file changes the training lever")
    cli = {key(r): r["probability"] for r in cli_targets(binary, saved, os.path.join(tmp, "cli"))}
    check(set(cli) == set(shown), "the same targets")
    for k in sorted(shown):
        check(shown[k] == cli[k], f"{k[0]} {k[1]}: page {shown[k]} == coopsim run of the saved file {cli[k]}")
    moved = [k[0] for k in shown if first.get(k[0]) != shown[k]]
    check("trained_share" in moved, f"moving the training lever changed the trained-share probability ({moved})")

    # Vietnamese.
    driver.find_element(By.ID, "lang-vi").click()
    check(driver.find_element(By.TAG_NAME, "h1").text == "coopsim: khám phá kịch bản", "title in Vietnamese")
    heads = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "#targets thead th")]
    check(heads == ["Mục tiêu", "Xác suất", "Khoảng 95%", "Kịch bản gốc", "Thay đổi"], f"table headers in Vietnamese: {heads}")
    check(driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "vi", "html lang=vi")
    cells = [r.find_element(By.CSS_SELECTOR, "td.prob").get_attribute("data-probability")
             for r in driver.find_elements(By.CSS_SELECTOR, "#targets tbody tr")]
    check(sorted(cells) == sorted(shown.values()), "the same probabilities after switching language")
    if shots:
        driver.save_screenshot(os.path.join(shots, "explorer-vi.png"))
finally:
    driver.quit()
    server.stop()
print("explorer in the browser: all checks passed")
