"""How far a top-1 probability can be trusted: for each shipped model, its top-1 accuracy on
the val files whose top-1 probability falls below a threshold, through the library's input
pipeline. The demo marks an answer as unsure below the threshold where the networks are
right less than half the time (the median over the eight of each one's threshold).

  python3 -m dctvision_train.confidence --limit-per-class 100 --json ../docs/results/confidence.json"""
import argparse
import json
import statistics
import sys
from pathlib import Path

import torch

from .data import library_logits, list_images
from .export import load_exported
from .train import use_all_cores

ROOT = Path(__file__).resolve().parents[2]
STEPS = [round(0.05 * i, 2) for i in range(2, 20)]


def top1_probabilities(model_dir, files, labels):
    model, _ = load_exported(model_dir)
    probs, hits = [], []
    start = 0
    for y, ok in library_logits(model, files, model_dir=model_dir, batch=64):
        top, cls = y.softmax(1).max(1)
        probs += top.tolist()
        hits += (ok & (cls == labels[start:start + len(cls)])).tolist()
        start += len(cls)
    return probs, hits


def summarize(probs, hits):
    rows = []
    for t in STEPS:
        below = [h for p, h in zip(probs, hits) if p < t]
        rows.append(dict(threshold=t, files_below=len(below), share_below=round(len(below) / len(probs), 4),
                         top1_below=round(sum(below) / len(below), 4) if below else None))
    # the highest threshold under which the model is still right at most half the time
    unsure = max([r["threshold"] for r in rows if r["top1_below"] is not None and r["top1_below"] <= 0.5] or [STEPS[0]])
    return rows, unsure


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default=str(ROOT / "models"))
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "imagenette-224"))
    p.add_argument("--limit-per-class", type=int, default=None)
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    use_all_cores()
    files, labels, _, _ = list_images(Path(args.data) / "val", args.limit_per_class)
    out = {}
    for d in sorted(x for x in Path(args.models).iterdir() if (x / "model.json").exists()):
        probs, hits = top1_probabilities(d, files, labels)
        rows, unsure = summarize(probs, hits)
        out[d.name] = dict(unsure_below=unsure, top1=round(sum(hits) / len(hits), 4), rows=rows)
        print(f"{d.name:26s} top-1 {out[d.name]['top1']:.4f}; right at most half the time below p = {unsure:.2f} "
              f"({next(r for r in rows if r['threshold'] == unsure)['share_below']:.1%} of val files)", flush=True)
    threshold = statistics.median(m["unsure_below"] for m in out.values())
    result = dict(threshold=threshold, val_files=len(files), models=out,
                  command="cd training && python3 -m dctvision_train.confidence" + "".join(f" {a}" for a in (argv or sys.argv[1:])))
    print(f"demo threshold (median of the eight): {threshold:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
