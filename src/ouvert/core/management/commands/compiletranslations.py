"""``ouvert compiletranslations``: compile every ``.po`` catalogue of the package to ``.mo``.

Pure Python (polib), so no system gettext is needed. A catalogue is compiled only when its
``.mo`` is missing or older than the ``.po`` (``--force`` compiles all of them).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import polib
from django.core.management.base import BaseCommand, CommandError

import ouvert

PACKAGE_DIR = Path(ouvert.__file__).resolve().parent


def po_files(root: Path = PACKAGE_DIR) -> list[Path]:
    return sorted(p for p in root.rglob("*.po") if "LC_MESSAGES" in p.parts)


def compile_po(po_path: Path, *, force: bool = False) -> bool:
    """Write ``po_path``'s ``.mo`` next to it; returns False when it was already up to date.

    Fuzzy and untranslated entries are left out, as ``msgfmt`` does by default.
    """
    mo_path = po_path.with_suffix(".mo")
    if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        return False
    try:
        catalogue = polib.pofile(str(po_path), check_for_duplicates=True)
    except (OSError, ValueError) as exc:
        raise CommandError(f"{po_path}: {exc}") from exc
    # Write then rename, so a running server never reads a half-written catalogue.
    fd, tmp = tempfile.mkstemp(dir=mo_path.parent, prefix=".", suffix=".mo")
    os.close(fd)
    try:
        catalogue.save_as_mofile(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a server running as another user must read it
        os.replace(tmp, mo_path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return True


class Command(BaseCommand):
    help = "Compile the package's .po translation catalogues to .mo (no system gettext needed)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Compile even up-to-date catalogues.")

    def handle(self, *args, force: bool = False, **options):
        compiled = 0
        files = po_files()
        for po_path in files:
            if compile_po(po_path, force=force):
                compiled += 1
                if options["verbosity"] >= 2:
                    self.stdout.write(f"compiled {po_path.relative_to(PACKAGE_DIR)}")
        self.stdout.write(f"Translations: {compiled} of {len(files)} catalogues compiled "
                          f"({len(files) - compiled} already up to date).")
