"""Every environment variable Ouvert reads, in one place.

The README's configuration table is checked against ``VARIABLES`` by a test, so a variable
added here must be documented there (and the reverse).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    help: str


VARIABLES: tuple[Variable, ...] = (
    Variable("OUVERT_HOME", "./var", "Data directory: SQLite database, uploaded files, secret key."),
    Variable(
        "OUVERT_DATABASE_URL",
        "sqlite:///$OUVERT_HOME/ouvert.sqlite3",
        "Database URL; `postgres://user@host:5432/name` for PostgreSQL. SQLite runs in WAL mode.",
    ),
    Variable(
        "OUVERT_SECRET_KEY",
        "generated once into `$OUVERT_HOME/secret_key`",
        "Django secret key (sessions, CSRF, signed tokens).",
    ),
    Variable("OUVERT_DEBUG", "false", "Debug mode; never in production."),
    Variable(
        "OUVERT_ALLOWED_HOSTS",
        "127.0.0.1,localhost,[::1]",
        "Comma-separated host names the site answers to.",
    ),
    Variable(
        "OUVERT_SITE_URL",
        "http://127.0.0.1:8000",
        "Public base URL, used in e-mails, feeds and absolute links.",
    ),
    Variable("OUVERT_DEFAULT_LANGUAGE", "fr", "Language of `/` and of e-mails: `fr` or `en`."),
    Variable(
        "OUVERT_MAX_UPLOAD_SIZE",
        "1073741824",
        "Largest accepted resource upload, in bytes (default 1 GiB).",
    ),
    Variable(
        "OUVERT_EMAIL_URL",
        "file://$OUVERT_HOME/mail",
        "Outgoing mail: `smtp://user:password@host:587?tls=1`, `smtps://...`, "
        "`console:` or `file:///path` (one file per message).",
    ),
    Variable(
        "OUVERT_EMAIL_FROM",
        "Ouvert <no-reply@localhost>",
        "Sender address of the e-mails Ouvert sends.",
    ),
    Variable(
        "OUVERT_SEARCH_BACKEND",
        "auto",
        "Catalog search back end: `auto` (PostgreSQL full text on PostgreSQL, "
        "SQLite FTS5 otherwise), `sqlite` or `postgresql`.",
    ),
    Variable(
        "OUVERT_SEARCH_SYNONYMS",
        "true",
        "Catalog search also finds the French/English and preferred/non-preferred names of "
        "a subject of the Canadian Subject Thesaurus (\"eau potable\" finds \"Drinking water\").",
    ),
    Variable(
        "OUVERT_SEARCH_MEMORY",
        "auto",
        "Catalog search answers from a copy of the index held in memory by each process: auto "
        "(read again in the background after each change, the database answering meanwhile), "
        "always (read before answering) or off (the database always answers).",
    ),
    Variable(
        "OUVERT_TASKS",
        "database",
        "Who runs background tasks: `database` (`ouvert worker` polling the database; "
        "`ouvert serve` starts one), `redis` (workers fed through Redis, needs `OUVERT_REDIS_URL`) "
        "or `immediate` (in the process that queues them, once its transaction commits).",
    ),
    Variable(
        "OUVERT_REDIS_URL",
        "(unset)",
        "Redis server for `OUVERT_TASKS=redis`, e.g. `redis://127.0.0.1:6379/0`.",
    ),
    Variable(
        "OUVERT_PARTICIPATION_FLAG_THRESHOLD",
        "3",
        "Participation: number of flags by different people that hides an idea, comment or "
        "reuse until a moderator reviews it.",
    ),
    Variable(
        "OUVERT_PARTICIPATION_PREMODERATION_DAYS",
        "0",
        "Participation: what accounts younger than this many days post is held for review "
        "before it appears (`0`: no pre-moderation of new accounts).",
    ),
    Variable(
        "OUVERT_PARTICIPATION_EXPORT_ORGANISATION",
        "(unset)",
        "Participation: the organisation (its name) that owns the catalog dataset "
        "`ouvert export-participation DIR --publish` publishes, unless `--organisation` names one.",
    ),
    Variable(
        "OUVERT_TEST_DATABASE_URL",
        "(unset)",
        "Tests only: a PostgreSQL URL; `make test` then runs the suite on it as well.",
    ),
)

_BY_NAME = {v.name: v for v in VARIABLES}


def get(name: str, default: str | None = None) -> str | None:
    """Value of a documented variable (an undocumented name is a programming error)."""
    if name not in _BY_NAME:
        raise KeyError(f"{name} is not declared in ouvert.config.VARIABLES")
    return os.environ.get(name, default)


def get_bool(name: str, default: bool = False) -> bool:
    value = get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def home() -> Path:
    path = Path(get("OUVERT_HOME") or "./var").expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key(home_dir: Path) -> str:
    """The configured key, or one generated on first start and kept in the data directory."""
    configured = get("OUVERT_SECRET_KEY")
    if configured:
        return configured
    key_file = home_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
