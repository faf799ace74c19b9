"""Top-1 of each network on progressive JPEGs cut after each scan: what a page knows while the
file downloads. Val files are rewritten progressive with `jpegtran` (same coefficients), cut
after scan k with an EOI appended (a valid, shorter file, what a browser holds by then), and
classified through the library's input pipeline (scripts/prep-inputs.mjs) by the exported
networks in PyTorch.

  python3 -m dctvision_train.progressive_eval --limit-per-class 30 --json ../docs/results/progressive-top1.json
  python3 -m dctvision_train.progressive_eval --models ../models/late-concat runs/candidate --script dc-band-sa"""
import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

import torch

from .data import library_inputs, list_images
from .export import load_exported
from .progressive import component_count, scan_ends
from .train import use_all_cores

ROOT = Path(__file__).resolve().parents[2]

# Scan scripts for `jpegtran -scans` (components 0 Y, 1 Cb, 2 Cr; "Ss-Se, Ah, Al"): the shapes encoders
# other than libjpeg write. "libjpeg" is jpegtran's own -progressive.
SCRIPTS = {
    "libjpeg": None,
    # DC first, then a short lowest luma band, then the rest, no successive approximation
    "dc-band": "0,1,2: 0-0, 0, 0;\n0: 1-2, 0, 0;\n1: 1-63, 0, 0;\n2: 1-63, 0, 0;\n0: 3-63, 0, 0;\n",
    # the same with successive approximation: each band first without its lowest bit
    "dc-band-sa": "0,1,2: 0-0, 0, 1;\n0: 1-2, 0, 1;\n1: 1-63, 0, 1;\n2: 1-63, 0, 1;\n0: 3-63, 0, 1;\n"
                  "0,1,2: 0-0, 1, 0;\n0: 1-63, 1, 0;\n1: 1-63, 1, 0;\n2: 1-63, 1, 0;\n",
}


def progressive_copies(files, script, out_dir):
    """Each file rewritten progressive under out_dir (kept between runs), and the cut copies after each scan."""
    out_dir.mkdir(parents=True, exist_ok=True)
    scans_file = None
    if SCRIPTS[script]:
        scans_file = out_dir / "scans.txt"
        scans_file.write_text(SCRIPTS[script])
    cuts = []
    for f in files:
        prog = out_dir / f"{f.parent.name}-{f.stem}.jpg"
        if not prog.exists():
            cmd = ["jpegtran", "-copy", "none", *(["-scans", str(scans_file)] if scans_file else ["-progressive"]), "-outfile", str(prog), str(f)]
            subprocess.run(cmd, check=True)
        data = prog.read_bytes()
        ends = scan_ends(data)
        per_file = []
        for k, end in enumerate(ends[:-1], 1):
            part = out_dir / f"{prog.stem}.s{k}.jpg"
            if not part.exists():
                part.write_bytes(data[:end] + b"\xff\xd9")
            per_file.append((part, (end + 2) / len(data), end + 2))
        per_file.append((prog, 1.0, len(data)))
        cuts.append(per_file)
    return cuts


def predictions_per_scan(model_dir, cuts, smoothing=True):
    """[files][scans] top-1 class of each cut (-1 where the library refuses it). `smoothing`: the
    library's default estimate of the lowest AC coefficients a cut has not sent (False: zeros)."""
    model, _ = load_exported(model_dir)
    scans = len(cuts[0])
    flat = [c[k][0] for c in cuts for k in range(scans)]
    preds = []
    with torch.no_grad():
        for x, ok in library_inputs(flat, model_dir=model_dir, batch=64, smoothing=smoothing):
            preds += model(x).argmax(1).masked_fill(~ok, -1).tolist()
    return [preds[i * scans:(i + 1) * scans] for i in range(len(cuts))]


def summary(preds, labels, cuts, rate):
    """Top-1 after each scan; and per file, the first scan from which the verdict no longer changes:
    the median share of bytes it needs and the median time to it at `rate` bit/s (transfer alone)."""
    scans = len(preds[0])
    top1 = [round(sum(p[k] == int(y) for p, y in zip(preds, labels)) / len(preds), 4) for k in range(scans)]
    stable = []
    for p, c in zip(preds, cuts):
        k = scans - 1
        while k > 0 and p[k - 1] == p[-1]:
            k -= 1
        stable.append((c[k][1], c[k][2]))
    share = statistics.median(s for s, _ in stable)
    ms = statistics.median(b * 8 / rate * 1000 for _, b in stable)
    return dict(top1=top1, stable_bytes_share=round(share, 4), stable_ms=round(ms, 1))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", nargs="*", default=None, help="exported model folders (default: all of ../models)")
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "imagenette-224"))
    p.add_argument("--limit-per-class", type=int, default=30)
    p.add_argument("--script", choices=sorted(SCRIPTS), default="libjpeg")
    p.add_argument("--json", default=None, help="write the table here")
    p.add_argument("--merge", action="store_true",
                   help="with --models and --json: replace those networks' rows in the table --json holds, keep the others "
                        "(the evaluation is deterministic: the full command gives the same rows)")
    p.add_argument("--rate", type=float, default=2e6, help="bit/s for the time to a verdict no later scan changes")
    p.add_argument("--no-smoothing", dest="smoothing", action="store_false",
                   help="bands a cut lacks stay zero (by default the library estimates the lowest ones from neighbouring DC values)")
    args = p.parse_args(argv)
    use_all_cores()
    models = [Path(m).resolve() for m in args.models] if args.models else sorted(d for d in (ROOT / "models").iterdir() if (d / "model.json").exists())
    val = Path(args.data) / "val"
    files, labels, _, _ = list_images(val, args.limit_per_class)
    colour = [i for i, f in enumerate(files) if component_count(f.read_bytes()) == 3]  # the scripts are for YCbCr
    if len(colour) < len(files):
        print(f"{len(files) - len(colour)} grayscale files left out", flush=True)
    files, labels = [files[i] for i in colour], labels[colour]
    cuts = progressive_copies(files, args.script, ROOT / "build" / "progressive" / args.script)
    scans = {len(c) for c in cuts}
    if len(scans) != 1:
        raise SystemExit(f"files with different scan counts {sorted(scans)}")
    fractions = [round(statistics.median(c[k][1] for c in cuts), 4) for k in range(len(cuts[0]))]
    if args.merge and not (args.json and args.models and Path(args.json).exists()):
        raise SystemExit("--merge needs --models and an existing --json table")
    rows, stable = {}, {}
    print(f"{'scan':>24} " + " ".join(f"{k + 1:>6}" for k in range(len(fractions))) + f"   stable verdict (bytes, ms at {args.rate / 1e6:g} Mbit/s)")
    for m in models:
        key = str(m.relative_to(ROOT) if m.resolve().is_relative_to(ROOT) else m)
        s = summary(predictions_per_scan(m, cuts, args.smoothing), labels, cuts, args.rate)
        rows[key], stable[key] = s["top1"], dict(bytes_share=s["stable_bytes_share"], ms=s["stable_ms"])
        print(f"{key:>24} " + " ".join(f"{t:6.1%}" for t in s["top1"]) + f"   {s['stable_bytes_share']:.0%}, {s['stable_ms']:.0f} ms", flush=True)
    print(f"{'bytes (median)':>24} " + " ".join(f"{f:6.0%}" for f in fractions))
    command = "cd training && python3 -m dctvision_train.progressive_eval " + " ".join(sys.argv[1:] if argv is None else argv)
    if args.merge:
        old = json.loads(Path(args.json).read_text())
        if (old["script"], old["smoothing"], old["files"], old["bytes_median"]) != (args.script, args.smoothing, len(files), fractions):
            raise SystemExit(f"{args.json} holds another evaluation (script, smoothing or files differ)")
        rows, stable, command = {**old["top1"], **rows}, {**old["stable_verdict"], **stable}, old["command"]
    result = dict(script=args.script, smoothing=args.smoothing, scans=len(fractions), files=len(files), bytes_median=fractions, top1=rows,
                  stable_verdict=stable, rate_bits_per_s=args.rate,
                  made_by="jpegtran " + ("-progressive" if SCRIPTS[args.script] is None else "-scans") + ", cut after each scan + EOI",
                  command=command)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
