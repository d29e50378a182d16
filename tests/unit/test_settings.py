from dataclasses import dataclass

import pytest

from shared.settings import ServiceSettings, SettingsError, describe, load_settings, setting

pytestmark = pytest.mark.unit


@dataclass(frozen=True)
class Example:
    url: str = setting()
    port: int = setting(8000)
    ratio: float = setting(0.5)
    debug: bool = setting(False)
    hosts: tuple[str, ...] = setting(())
    token: str = setting("", env="EXAMPLE_TOKEN", secret=True)


def test_reads_and_converts_each_type():
    settings = load_settings(Example, {
        "RELAIS_URL": "redis://x", "RELAIS_PORT": "9000", "RELAIS_RATIO": "0.25",
        "RELAIS_DEBUG": "yes", "RELAIS_HOSTS": "a, b", "EXAMPLE_TOKEN": "s3cret"})
    assert settings == Example("redis://x", 9000, 0.25, True, ("a", "b"), "s3cret")


def test_missing_required_variable_is_named():
    with pytest.raises(SettingsError, match="RELAIS_URL: required"):
        load_settings(Example, {})


@pytest.mark.parametrize("variable,value,expected", [
    ("RELAIS_PORT", "eighty", "RELAIS_PORT: expected int, got 'eighty'"),
    ("RELAIS_RATIO", "half", "RELAIS_RATIO: expected float"),
    ("RELAIS_DEBUG", "maybe", "RELAIS_DEBUG: expected bool"),
])
def test_malformed_value_names_the_variable(variable, value, expected):
    with pytest.raises(SettingsError, match=expected):
        load_settings(Example, {"RELAIS_URL": "u", variable: value})


def test_overrides_win_and_unknown_overrides_are_refused():
    assert load_settings(Example, {"RELAIS_URL": "env"}, url="override").url == "override"
    with pytest.raises(SettingsError, match="unknown settings: nope"):
        load_settings(Example, {"RELAIS_URL": "u"}, nope=1)


def test_describe_masks_secrets():
    described = describe(load_settings(Example, {"RELAIS_URL": "u", "EXAMPLE_TOKEN": "t"}))
    assert described["EXAMPLE_TOKEN"] == "***"
    assert described["RELAIS_PORT"] == 8000


def test_service_settings_validate_their_values():
    assert load_settings(ServiceSettings, {}).broker_visibility_timeout == 300.0
    with pytest.raises(SettingsError, match="RELAIS_BROKER_VISIBILITY_TIMEOUT"):
        load_settings(ServiceSettings, {"RELAIS_BROKER_VISIBILITY_TIMEOUT": "0"})
    with pytest.raises(SettingsError, match="RELAIS_LOG_LEVEL"):
        load_settings(ServiceSettings, {"RELAIS_LOG_LEVEL": "LOUD"})
