"""PyTorch against a bench:accuracy result, file by file.

  python3 -m dctvision_train.check_sweep ../build/bench/accuracy.json

`npm run bench:accuracy` classifies a sample of val files and their re-encoded variants with
classify() on each backend; its Node WASM answers are the library's. This classifies the very
same files (the sweep's build/variants-<N>/manifest.json) with each model's shipped weights in
PyTorch, through the library's input pipeline as the evaluation script does (making that
folder first when a fresh clone lacks it: scripts/make-variants.mjs is deterministic), and prints per
network and set how many top-1 answers are the same and both top-1 figures. A sweep's accuracy
that differs from metrics.json is then either the sample (PyTorch gets the same figure) or the
library (it does not). Exits 1 when any file disagrees.
"""
import argparse
import json
import sys
from pathlib import Path

import torch

from .train import use_all_cores
from .data import library_top1
from .export import load_exported
from .variants import ROOT, make_variants


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("result", nargs="?", default=str(ROOT / "build" / "bench" / "accuracy.json"))
    p.add_argument("--backend", default="node-wasm", help="the sweep's backend to compare with (it must have classified every file)")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--val", default=str(ROOT.parent / "shared" / "data" / "imagenette-224" / "val"), help="the val folder the sweep sampled")
    args = p.parse_args(argv)
    use_all_cores()
    r = json.loads(Path(args.result).read_text())
    stamp, entries = make_variants(args.val, r["per_class"])
    if stamp["version"] != r["variant_set"]:
        raise SystemExit(f"the sweep ran on variant set {r['variant_set']}; scripts/make-variants.mjs makes set {stamp['version']}: rerun npm run bench:accuracy")
    sets = {"val": [e["source"] for e in entries], "variants": [e["file"] for e in entries]}
    print("| network | set | files | same top-1 | PyTorch top-1 | sweep top-1 |\n|---|---|---:|---:|---:|---:|")
    differ = 0
    for mid, runs in r["runs"].items():
        out = ROOT / "models" / mid
        model, doc = load_exported(out)
        names = doc["classNames"]
        class_ids = json.loads((out / "metrics.json").read_text())["class_ids"]  # the val folder names, in output order
        labels = [names[class_ids.index(e["label"])] for e in entries]
        for name, files in sets.items():
            got = runs[args.backend]["top1"][name]
            if len(got) != len(files):
                raise SystemExit(f"{mid} {args.backend} classified {len(got)} of the {len(files)} {name} files")
            py = library_top1(model, files, model_dir=out, batch=args.batch)
            py = [names[int(i)] if i >= 0 else None for i in py]
            same = sum(a == b for a, b in zip(py, got))
            differ += len(files) - same
            acc = lambda top1: 100 * sum(t == l for t, l in zip(top1, labels)) / len(files)
            print(f"| {mid} | {name} | {len(files)} | {same} | {acc(py):.1f} | {acc(got):.1f} |", flush=True)
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
