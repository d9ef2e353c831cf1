"""Retake docs/screenshots/inbox-*.png and reports-*.png from a running server with the
demo data.

    make run            # or: manage.py seed_demo && uvicorn web.asgi:application
    .venv/bin/python docs/screenshots/take_screenshots.py http://127.0.0.1:8000 174

The second argument is the conversation shown (any open one of the demo workspace).
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
HERE = Path(__file__).resolve().parent


def logged_in(browser, base: str, email: str):
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", "demo12345")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def reports(browser, base: str) -> None:
    """The owner's page (whole, at 1440; the first screen at 1280) and an agent's own."""
    owner = logged_in(browser, base, "owner@shopdemo.vn")
    owner.goto(f"{base}/w/shop-demo/reports/?range=7d")
    owner.screenshot(path=HERE / "reports-owner-1440.png", full_page=True)
    owner.set_viewport_size({"width": 1280, "height": 720})
    owner.screenshot(path=HERE / "reports-owner-1280.png")
    agent = logged_in(browser, base, "lan@shopdemo.vn")
    agent.set_viewport_size({"width": 1280, "height": 720})
    agent.goto(f"{base}/w/shop-demo/reports/?range=7d")
    agent.screenshot(path=HERE / "reports-agent-1280.png")


def main(base: str, conversation: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        reports(browser, base)
        page = logged_in(browser, base, "lan@shopdemo.vn")
        page.goto(f"{base}/w/shop-demo/c/{conversation}/")
        page.wait_for_selector('#inbox[data-synced="1"]')
        for width, height in ((1440, 900), (1280, 720)):
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_timeout(400)
            page.screenshot(path=HERE / f"inbox-{width}.png")
        browser.close()


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000",
        sys.argv[2] if len(sys.argv) > 2 else "174",
    )
