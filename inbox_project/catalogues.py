"""Compile the gettext catalogues (.po -> .mo) without GNU gettext on the machine.

Django's `compilemessages` needs `msgfmt`; a fresh machine may not have it, so the install
step compiles with polib instead. Only stale catalogues are rewritten.
"""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def compile_all(root: Path = ROOT) -> int:
    written = 0
    for po_path in sorted((root / "locale").glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written += 1
    return written


if __name__ == "__main__":
    count = compile_all()
    if count:
        print(f"compiled {count} message catalogue(s)")
