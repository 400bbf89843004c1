"""Settings are declared once: documented, written to tenure.toml, overridable from the
environment, and wrong values are named."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tenure import ConfigError, Settings, load_settings
from tenure.settings import CONFIG_FILE, default_toml, iter_settings, settings_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_every_setting_has_help_text() -> None:
    undocumented = [name for name, _, help_text in iter_settings() if not help_text.strip()]

    assert undocumented == []


def test_settings_are_listed() -> None:
    # Guards iter_settings itself: a walker that yielded nothing would pass every test above.
    names = {name for name, _, _ in iter_settings()}

    assert {"company.reporting_currency", "app_db.url", "import.batch_rows"} <= names


def test_docs_page_matches_the_declarations() -> None:
    assert DOCS.read_text(encoding="utf-8") == settings_markdown(), (
        "docs/settings.md is out of date: run `.venv/bin/python -m tenure.settings > "
        "docs/settings.md`"
    )


def test_default_toml_parses_back_to_the_defaults(tmp_path: Path) -> None:
    parsed = tomllib.loads(default_toml())

    for name, default, _ in iter_settings():
        section, _, key = name.rpartition(".")
        if default is None:  # written commented out: "# key ="
            assert key not in parsed[section], name
        else:
            assert parsed[section][key] == default, name
    (tmp_path / CONFIG_FILE).write_text(default_toml(), encoding="utf-8")
    assert load_settings(tmp_path, env={}) == Settings()


def test_missing_toml_means_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path, env={}) == Settings()


def test_env_overrides_the_default(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, env={"TENURE_COMPANY__REPORTING_CURRENCY": "eur"})

    assert settings.company.reporting_currency == "EUR"


def test_env_overrides_the_toml_and_is_parsed_to_the_setting_type(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text(
        '[company]\nreporting_currency = "GBP"\nname = "Acme"\n[import]\nbatch_rows = 2000\n',
        encoding="utf-8",
    )

    settings = load_settings(
        tmp_path,
        env={
            "TENURE_COMPANY__REPORTING_CURRENCY": "eur",
            "TENURE_IMPORT__BATCH_ROWS": "5000",
            "TENURE_WAREHOUSE__THREADS": "4",
            "TENURE_HOME": "/elsewhere",  # not a setting: no double underscore
            "PATH": "/usr/bin",
        },
    )

    assert settings.company.reporting_currency == "EUR"
    assert settings.company.name == "Acme"
    assert settings.imports.batch_rows == 5000
    assert settings.warehouse.threads == 4


def test_load_settings_reads_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TENURE_COMPANY__REPORTING_CURRENCY", "chf")

    assert load_settings(tmp_path).company.reporting_currency == "CHF"


@pytest.mark.parametrize(
    "var", ["TENURE_COMPANY__CURRENCY", "TENURE_BILLING__PLAN", "TENURE_IMPORTS__BATCH_ROWS"]
)
def test_unknown_env_setting_is_named(tmp_path: Path, var: str) -> None:
    with pytest.raises(ConfigError, match=var):
        load_settings(tmp_path, env={var: "x"})


@pytest.mark.parametrize(
    ("var", "value", "setting"),
    [
        ("TENURE_COMPANY__REPORTING_CURRENCY", "euro", "company.reporting_currency"),
        ("TENURE_IMPORT__BATCH_ROWS", "lots", "import.batch_rows"),
        ("TENURE_IMPORT__BATCH_ROWS", "10", "import.batch_rows"),
        ("TENURE_WAREHOUSE__THREADS", "0", "warehouse.threads"),
    ],
)
def test_bad_env_value_names_the_setting_and_the_variable(
    tmp_path: Path, var: str, value: str, setting: str
) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path, env={var: value})

    assert setting in str(err.value)
    assert var in str(err.value)


def test_bad_toml_value_names_the_setting_and_the_file(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text('[company]\nreporting_currency = "dollars"\n')

    with pytest.raises(ConfigError) as err:
        load_settings(tmp_path, env={})

    assert "company.reporting_currency" in str(err.value)
    assert CONFIG_FILE in str(err.value)


def test_unknown_toml_setting_is_named(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text('[company]\ncurrency = "EUR"\n')

    with pytest.raises(ConfigError, match=r"company\.currency"):
        load_settings(tmp_path, env={})


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text("[company\n")

    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(tmp_path, env={})


def test_list_settings_come_from_the_environment_as_comma_separated_words(
    tmp_path: Path,
) -> None:
    settings = load_settings(
        tmp_path,
        env={"TENURE_ADOPTION__KEY_FEATURES": "report_created, alert_created",
             "TENURE_METRICS__PURCHASE_KINDS": ""},
    )

    assert settings.adoption.key_features == ["report_created", "alert_created"]
    assert settings.metrics.purchase_kinds == []


def test_business_hours_must_be_a_daily_window(tmp_path: Path) -> None:
    ok = load_settings(tmp_path, env={"TENURE_SUPPORT__BUSINESS_HOURS": "08:30-17:00"})
    assert ok.support.business_window == (8.5, 17.0)
    for bad in ("9-5", "17:00-09:00", "09:00-25:00"):
        with pytest.raises(ConfigError, match="business_hours"):
            load_settings(tmp_path, env={"TENURE_SUPPORT__BUSINESS_HOURS": bad})
