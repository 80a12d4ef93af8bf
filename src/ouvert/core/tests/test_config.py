"""Configuration: the README documents every variable of ``ouvert.config``, and settings parse them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ouvert import config
from ouvert import settings as ouvert_settings

README = Path(__file__).resolve().parents[4] / "README.md"


def readme_configuration_table() -> dict[str, str]:
    """{name: default} from the first table under the README's "Configuration" heading."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"^## Configuration\b.*?$(.*?)(?=^## )", text, re.M | re.S)
    assert match, "README.md has no '## Configuration' section"
    rows: dict[str, str] = {}
    in_table = False
    for line in match.group(1).splitlines():
        if not line.startswith("|"):
            if in_table:
                break
            continue
        in_table = True
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or set(cells[0]) <= {"-", ":", " "} or cells[0].lower() == "variable":
            continue
        name = cells[0].strip("`")
        rows[name] = _plain(cells[1])
    assert rows, "the Configuration section has no table"
    return rows


def _plain(cell: str) -> str:
    """A table cell as it reads in the code: without Markdown code marks and escaped pipes."""
    return cell.replace("\\|", "|").replace("`", "").strip()


def test_readme_documents_every_variable_and_only_those():
    documented = readme_configuration_table()
    declared = {v.name for v in config.VARIABLES}
    assert not declared - documented.keys(), f"missing from the README: {sorted(declared - documented.keys())}"
    assert not documented.keys() - declared, f"not in config.VARIABLES: {sorted(documented.keys() - declared)}"


@pytest.mark.parametrize("variable", config.VARIABLES, ids=lambda v: v.name)
def test_readme_default_matches_the_code(variable):
    assert readme_configuration_table()[variable.name] == _plain(variable.default)


def test_undeclared_variable_is_a_programming_error():
    with pytest.raises(KeyError, match="not declared"):
        config.get("OUVERT_NO_SUCH_THING")


@pytest.mark.parametrize(("value", "expected"), [
    ("1", True), ("true", True), ("Yes", True), ("on", True),
    ("0", False), ("false", False), ("no", False), ("", False),
])
def test_get_bool(monkeypatch, value, expected):
    monkeypatch.setenv("OUVERT_DEBUG", value)
    assert config.get_bool("OUVERT_DEBUG") is expected


def test_get_bool_default_when_unset(monkeypatch):
    monkeypatch.delenv("OUVERT_DEBUG", raising=False)
    assert config.get_bool("OUVERT_DEBUG", default=True) is True


# --- secret key ---------------------------------------------------------------------------

def test_secret_key_is_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("OUVERT_SECRET_KEY", raising=False)
    first = config.secret_key(tmp_path)
    key_file = tmp_path / "secret_key"
    assert len(first) >= 50
    assert key_file.read_text().strip() == first
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert config.secret_key(tmp_path) == first


def test_configured_secret_key_wins_and_nothing_is_written(monkeypatch, tmp_path):
    monkeypatch.setenv("OUVERT_SECRET_KEY", "from-the-environment")
    assert config.secret_key(tmp_path) == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_home_is_created(monkeypatch, tmp_path):
    monkeypatch.setenv("OUVERT_HOME", str(tmp_path / "data"))
    assert config.home() == (tmp_path / "data").resolve()
    assert (tmp_path / "data").is_dir()


# --- settings parsing ---------------------------------------------------------------------

def test_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path):
    db = ouvert_settings._database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "x.sqlite3")
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert "foreign_keys=ON" in db["OPTIONS"]["init_command"]
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert db["CONN_MAX_AGE"] == 60  # kept between requests; see settings._database


def test_postgresql_url():
    db = ouvert_settings._database("postgres://ouvert:secret@db.example:5433/portal")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
        "ouvert", "secret", "db.example", 5433, "portal")
    assert "init_command" not in db.get("OPTIONS", {})
    assert db["CONN_MAX_AGE"] == 60


def test_email_smtp_with_starttls():
    mail = ouvert_settings._email("smtp://user:pass@mail.example:587?tls=1")
    assert mail == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example", "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "user", "EMAIL_HOST_PASSWORD": "pass",
        "EMAIL_USE_SSL": False, "EMAIL_USE_TLS": True,
    }


def test_email_smtps_defaults_to_port_465():
    mail = ouvert_settings._email("smtps://mail.example")
    assert mail["EMAIL_PORT"] == 465
    assert mail["EMAIL_USE_SSL"] is True
    assert mail["EMAIL_USE_TLS"] is False
    assert mail["EMAIL_HOST_USER"] == ""


def test_email_console_and_file():
    assert ouvert_settings._email("console:")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    mail = ouvert_settings._email("file:///var/spool/ouvert")
    assert mail["EMAIL_BACKEND"].endswith("filebased.EmailBackend")
    assert mail["EMAIL_FILE_PATH"] == "/var/spool/ouvert"


def test_email_unknown_scheme_says_which_variable():
    with pytest.raises(ValueError, match="OUVERT_EMAIL_URL"):
        ouvert_settings._email("pigeon://coop")
