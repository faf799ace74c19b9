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
            per_file.append((part, (end + 2) / len(data)))
        per_file.append((prog, 1.0))
        cuts.append(per_file)
    return cuts


def top1_per_scan(model_dir, cuts, labels):
    """[scans] top-1 over the files (a cut the library refuses counts as wrong)."""
    model, _ = load_exported(model_dir)
    scans = len(cuts[0])
    flat = [c[k][0] for c in cuts for k in range(scans)]
    hits = []
    with torch.no_grad():
        start = 0
        for x, ok in library_inputs(flat, model_dir=model_dir, batch=64):
            y = model(x).argmax(1)
            want = torch.tensor([int(labels[(start + i) // scans]) for i in range(len(y))])
            hits += (ok & (y == want)).tolist()
            start += len(y)
    return [round(sum(hits[k::scans]) / len(cuts), 4) for k in range(scans)]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", nargs="*", default=None, help="exported model folders (default: all of ../models)")
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "imagenette-224"))
    p.add_argument("--limit-per-class", type=int, default=30)
    p.add_argument("--script", choices=sorted(SCRIPTS), default="libjpeg")
    p.add_argument("--json", default=None, help="write the table here")
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
    rows = {}
    for m in models:
        name = json.loads((m / "model.json").read_text()).get("name", m.name) if (m / "model.json").exists() else m.name
        rows[str(m.relative_to(ROOT) if m.resolve().is_relative_to(ROOT) else m)] = top1 = top1_per_scan(m, cuts, labels)
        print(f"{name:>22} " + " ".join(f"{t:6.1%}" for t in top1), flush=True)
    print(f"{'bytes (median)':>22} " + " ".join(f"{f:6.0%}" for f in fractions))
    result = dict(script=args.script, scans=len(fractions), files=len(files), bytes_median=fractions, top1=rows,
                  made_by="jpegtran " + ("-progressive" if SCRIPTS[args.script] is None else "-scans") + ", cut after each scan + EOI",
                  command="cd training && python3 -m dctvision_train.progressive_eval " + " ".join(sys.argv[1:]))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
