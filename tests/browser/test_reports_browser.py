"""The owner's reports page in Chromium: change the range, read a chart's figures, switch a
preset (it applies at once) and download an export."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from reports.services.backfill import reports_backfill
from tests.factories import make_channel_account, make_user, make_workspace
from tests.reports import timeline as t
from tests.reports.conftest import write_timeline

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
STEP = 10000


@pytest.fixture
def shop():
    workspace = make_workspace("Shop A", "shop-a")
    owner = make_user("owner@a.test", "Chủ Shop", workspace, "owner")
    agents = {
        t.LAN: make_user("lan@a.test", "Lan", workspace, "agent"),
        t.MINH: make_user("minh@a.test", "Minh", workspace, "agent"),
        t.HUNG: make_user("hung@a.test", "Hùng", workspace, "agent"),
    }
    page = make_channel_account(workspace, "facebook", "1001", "Shop A fanpage")
    write_timeline(page, agents)
    reports_backfill(workspace_ids=[workspace.pk])
    return owner


def logged_in(browser, live_server_url, user, viewport):
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]}, base_url=live_server_url,
        accept_downloads=True,
    )  # fmt: skip
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
          "url": live_server_url}]
    )  # fmt: skip
    return context


@pytest.mark.parametrize("viewport", [(1440, 900), (1280, 720)])
def test_range_chart_preset_and_export(browser, live_server_url, shop, viewport, tmp_path):
    context = logged_in(browser, live_server_url, shop, viewport)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/w/shop-a/reports/")
    expect(page.get_by_test_id("kpis")).to_be_visible(timeout=STEP)
    expect(page.get_by_test_id("report-empty")).to_be_visible()  # nothing in the last 7 days

    # A custom range: March 2026, where the scripted conversation happened.
    page.get_by_test_id("report-start").fill("2026-03-01")
    page.get_by_test_id("report-end").fill("2026-03-31")
    page.get_by_test_id("report-apply").click()
    page.wait_for_url("**range=custom**", timeout=STEP)
    expect(page.get_by_test_id("report-period")).to_contain_text("01/03/2026 – 31/03/2026")
    handled = page.get_by_test_id("kpi-handled").get_by_test_id("kpi-value")
    expect(handled).to_have_text("1")
    expect(page.get_by_test_id("kpi-revenue").get_by_test_id("kpi-value")).to_have_text("500.000 ₫")

    # The chart's figures: one conversation handled on each of Mon 2, Tue 3 and Wed 4 March.
    chart = page.get_by_test_id("chart-handled_conversations")
    bars = chart.locator("g.bar")
    expect(bars).to_have_count(31)
    values = {b.get_attribute("data-label"): b.get_attribute("data-value")
              for b in bars.all()}  # fmt: skip
    assert (values["02/03"], values["03/03"], values["04/03"], values["05/03"]) == (
        "1",
        "1",
        "1",
        "0",
    )
    assert chart.locator("g.bar[data-label='03/03'] title").text_content() == "03/03: 1"
    box = chart.locator("g.bar[data-label='03/03'] rect").bounding_box()
    assert box and box["height"] > 20  # drawn, not a zero-height bar

    # The "?" says what a figure means.
    help_toggle = page.get_by_test_id("kpi-close_rate").locator("summary")
    help_toggle.click()
    expect(page.get_by_test_id("kpi-close_rate").locator("details p")).to_be_visible()

    # The agents' table and its export.
    agents = page.get_by_test_id("table-agents")
    expect(agents).to_contain_text("Lan")
    with page.expect_download() as download:
        page.get_by_test_id("export-agents-csv").click()
    saved = tmp_path / "agents.csv"
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("Nhân viên,")
    assert any(line.startswith("Hùng,") for line in text.splitlines())

    # A preset applies at once.
    page.locator("label.chip", has_text="30 ngày").click()
    page.wait_for_url("**range=30d**", timeout=STEP)
    expect(page.locator("label.chip.chip-on")).to_have_text("30 ngày")
    assert errors == []
    page.screenshot(path=str(tmp_path / "reports.png"), full_page=True)
    context.close()
