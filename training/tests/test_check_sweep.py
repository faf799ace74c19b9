"""check_sweep: PyTorch against a sweep's answers, file by file, on a shipped model. The sweep's
answers here come from the CLI (classify() on Node WASM, what bench:accuracy's node-wasm runs)
on one val file per class and its re-encoded variant."""
import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from dctvision_train.variants import make_variants
from tests.helpers import ROOT, VAL

MODEL = "downsampling"


class CheckSweep(unittest.TestCase):
    def test_agrees_with_the_library_and_catches_one_changed_answer(self):
        stamp, entries = make_variants(VAL, 1)
        sets = {"val": [e["source"] for e in entries], "variants": [e["file"] for e in entries]}
        top1 = {}
        for name, files in sets.items():
            cli = subprocess.run(["node", "bin/dctvision.js", "classify", *files, "--model", MODEL, "--model-url", str(ROOT / "models" / MODEL),
                                  "--top", "1", "--json", "--backend", "wasm"], check=True, cwd=ROOT, capture_output=True, text=True)
            got = {x["file"]: x["predictions"][0]["className"] for x in json.loads(cli.stdout)}
            top1[name] = [got[f] for f in files]
        result = {"variant_set": stamp["version"], "per_class": 1,
                  "runs": {MODEL: {"node-wasm": {"top1": top1}}}}

        def check(r):
            with tempfile.TemporaryDirectory() as d:
                f = Path(d) / "accuracy.json"
                f.write_text(json.dumps(r))
                return subprocess.run([sys.executable, "-m", "dctvision_train.check_sweep", str(f), "--val", str(VAL)],
                                      cwd=ROOT / "training", capture_output=True, text=True)

        same = check(result)
        self.assertEqual(same.returncode, 0, same.stdout + same.stderr[-2000:])
        n = len(entries)
        for name in sets:
            self.assertIn(f"| {MODEL} | {name} | {n} | {n} |", same.stdout)

        names = json.loads((ROOT / "models" / MODEL / "model.json").read_text())["classNames"]
        top1["variants"][3] = next(c for c in names if c != top1["variants"][3])
        changed = check(result)
        self.assertEqual(changed.returncode, 1, changed.stdout + changed.stderr[-2000:])
        self.assertIn(f"| {MODEL} | variants | {n} | {n - 1} |", changed.stdout)
        self.assertIn(f"| {MODEL} | val | {n} | {n} |", changed.stdout)


if __name__ == "__main__":
    unittest.main()
