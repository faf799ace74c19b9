"""The re-encoded variant sets of scripts/make-variants.mjs for the evaluation script and
check_sweep, in the folders bench:accuracy uses too: build/variants-<per class>[-<fixed>], made
or found up to date (the script is deterministic and keeps a set whose stamp matches)."""
import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def make_variants(val_dir, per_class, fix=""):
    """(stamp: set.json, entries: manifest.json) of the set made from per_class val files of each class.
    fix: a control set with parameters held fixed (make-variants.mjs --fix), e.g. long=224,aspect=1:1;
    it gets its own folder, or each set's stamp would remake the shared one each time."""
    vdir = ROOT / "build" / f"variants-{per_class}{'-' + fix.translate(str.maketrans('=:,', '-x-')) if fix else ''}"
    subprocess.run(["node", str(ROOT / "scripts" / "make-variants.mjs"), "--val", str(val_dir), "--out", str(vdir),
                    "--per-class", str(per_class), *(["--fix", fix] if fix else [])], check=True, cwd=ROOT)
    return json.loads((vdir / "set.json").read_text()), json.loads((vdir / "manifest.json").read_text())
