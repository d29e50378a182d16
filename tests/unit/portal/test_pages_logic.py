"""Charts, the coverage grid, statistics by axis, settings and links: pure logic."""

import os
import stat

import pytest

from services.portal.charts import bar_chart
from services.portal.settings import PortalSettings, secret_key
from services.portal.views.coordinator import coverage_grid, statistics_rows
from services.portal.views.inbox import link_of
from shared.settings import SettingsError, load_settings

pytestmark = pytest.mark.unit


def test_bars_are_scaled_to_the_largest_value_or_target():
    chart = bar_chart("Indicateurs", [("Suivis", 150, 200), ("Médecins", 40, None)])
    suivis, medecins = chart.bars
    assert suivis.target_x > suivis.width + 200  # the target is beyond the value
    assert medecins.width == pytest.approx(suivis.width * 40 / 150, rel=0.01)
    assert "150 / cible 200" in chart.summary and "Médecins : 40" in chart.summary
    assert bar_chart("Vide", [("Rien", 0)]).bars[0].width == 0


def test_the_coverage_grid_flags_gaps():
    grid = coverage_grid({"entries": [
        {"commune": "97408", "need_category": "housing", "organisation_id": "o1",
         "by": "rule", "gap": False},
        {"commune": "97408", "need_category": "isolation", "organisation_id": "o2",
         "by": "fallback", "gap": True},
        {"commune": "97415", "need_category": "housing", "organisation_id": None,
         "by": "none", "gap": True}]})
    assert grid["categories"] == ["housing", "isolation"]
    assert grid["gaps"] == 3  # two flagged, one pair missing altogether
    rows = dict(grid["rows"])
    assert rows["97408"]["housing"] == {"organisation_id": "o1", "gap": False}


def test_statistics_by_axis_add_up_the_fiches_of_each_top_axis():
    axes = [{"id": "A", "code": "A", "title": "Axe A"},
            {"id": "A2", "code": "A2", "title": "Sous-axe", "parent_id": "A"}]
    actions = [{"id": "f1", "axis_id": "A2", "code": "A2-1", "title": "Fiche"}]
    rows = [{"action_id": "f1", "count": 2, "by_status": {"completed": 1, "requested": 1}},
            {"action_id": None, "count": 3, "by_status": {"requested": 3}}]
    result = {r["name"]: r for r in statistics_rows(rows, "axis", actions, axes, {})}
    assert result["A Axe A"]["total"] == 2
    assert result["A Axe A"]["by_status"]["completed"] == 1
    assert result["Sans fiche action"]["total"] == 3


def test_the_secret_key_is_generated_once_in_a_private_file(tmp_path):
    settings = load_settings(PortalSettings, {}, secret_key_file=str(tmp_path / "k"))
    first = secret_key(settings)
    assert len(first) >= 32 and secret_key(settings) == first
    assert stat.S_IMODE(os.stat(tmp_path / "k").st_mode) == 0o600
    configured = load_settings(PortalSettings, {"RELAIS_PORTAL_SECRET_KEY": "s" * 40})
    assert secret_key(configured) == "s" * 40
    with pytest.raises(SettingsError, match="RELAIS_PORTAL_SECRET_KEY"):
        load_settings(PortalSettings, {"RELAIS_PORTAL_SECRET_KEY": "short"})


def test_settings_have_local_defaults_and_name_bad_variables():
    settings = load_settings(PortalSettings, {})
    assert (settings.registry_url, settings.referrals_url, settings.notifications_url) == (
        "http://127.0.0.1:8001", "http://127.0.0.1:8002", "http://127.0.0.1:8003")
    assert not settings.cookie_secure
    assert load_settings(PortalSettings, {"RELAIS_PORTAL_COOKIE_SECURE": "true"}).cookie_secure
    with pytest.raises(SettingsError, match="RELAIS_SESSION_IDLE_MINUTES"):
        load_settings(PortalSettings, {"RELAIS_SESSION_IDLE_MINUTES": "0"})


@pytest.mark.parametrize("notification,expected", [
    ({"summary": {"path": "/signalements/abc"}}, "/signalements/abc"),
    ({"summary": {"path": "//evil.example/x"}}, None),
    ({"summary": {"path": "https://evil.example/"}}, None),
    ({"summary": {"path": "/\\evil.example/"}}, None),
    ({"summary": {}}, None),
])
def test_notification_links_stay_inside_the_portal(notification, expected):
    assert link_of(notification) == expected
