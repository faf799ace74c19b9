"""How much a trained backbone buys on classes it never saw: fine-tuning against training from
scratch on the same few pictures.

  python3 -m dctvision_train.transfer --network late-concat --json ../docs/results/transfer.json

The shipped networks saw all ten Imagenette classes, so a fine-tune on some of them proves
nothing. Here a backbone is trained (the recipe, a shorter schedule) on five classes only;
then, on the other five with --per-class pictures each, `train --from backbone` (FINETUNE)
is compared with `train` from scratch (RECIPE) on the very same pictures. Every model is
evaluated by evaluate.py on all val files of its classes (the library's input pipeline).
Folders and runs go to build/transfer/ (pictures are symlinked); prints a table, writes JSON."""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BACKBONE_SCHEDULE = [[128, 16], [176, 4], [224, 2, 0.8]]


def link_folder(src, dst, classes, per_class=None):
    for split in ("train", "val"):
        for c in classes:
            (dst / split / c).mkdir(parents=True, exist_ok=True)
            files = sorted((src / split / c).iterdir())
            for f in files[:per_class] if split == "train" and per_class else files:
                link = dst / split / c / f.name
                if not link.exists():
                    os.symlink(f.resolve(), link)
    tsv = src / "classes.tsv"
    if tsv.exists():
        lines = tsv.read_text().splitlines()
        (dst / "classes.tsv").write_text("\n".join([lines[0], *[l for l in lines[1:] if l.split("\t")[0] in classes]]) + "\n")


def step(module, *args, done=None):
    """Runs one documented command, unless `done` (its output) exists: a rerun redoes only what is missing."""
    if done is not None and Path(done).exists():
        print(f"transfer: {done} exists, kept", flush=True)
        return 0.0
    t = time.time()
    print(f"transfer: python3 -m dctvision_train.{module} {' '.join(args)}", flush=True)
    subprocess.run([sys.executable, "-m", f"dctvision_train.{module}", *args], check=True, cwd=ROOT / "training")
    return time.time() - t


def trained(name, run, model, data):
    ck_log = [json.loads(l) for l in (run / "log.jsonl").read_text().splitlines()]
    m = json.loads((model / "metrics.json").read_text())
    return dict(name=name, top1=m["top1"], val_images=m["val_images"], epochs=len(ck_log),
                train_seconds=round(sum(e["epoch_seconds"] for e in ck_log), 1),
                cpu_seconds=round(sum(e["cpu_seconds"] for e in ck_log), 1), data=str(data.relative_to(ROOT)))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--network", default="late-concat")
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "imagenette-224"))
    p.add_argument("--per-class", type=int, default=100, help="pictures per class of the five new classes")
    p.add_argument("--out", default=str(ROOT / "build" / "transfer"))
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    data, out = Path(args.data), Path(args.out)
    classes = sorted(d.name for d in (data / "train").iterdir() if d.is_dir())
    seen, new = classes[: len(classes) // 2], classes[len(classes) // 2:]
    link_folder(data, out / "seen", seen)
    link_folder(data, out / "new", new, args.per_class)
    net = args.network
    ev = ["--ts-images", "0", "--variants", "0"]
    runs = out / "runs"

    step("train", "--data", str(out / "seen"), "--network", net, "--out", str(runs / "backbone"),
         "--set", f"schedule={json.dumps(BACKBONE_SCHEDULE)}", "--val-every", "0", done=runs / "backbone" / "last.pt")
    step("evaluate", "--checkpoint", str(runs / "backbone" / "last.pt"), "--data", str(out / "seen"), "--out", str(out / "backbone"), *ev,
         done=out / "backbone" / "metrics.json")
    for name, how in (("fine-tuned", ["--from", str(out / "backbone")]), ("scratch", ["--network", net])):
        step("train", "--data", str(out / "new"), *how, "--out", str(runs / name), "--val-every", "0", done=runs / name / "last.pt")
        step("evaluate", "--checkpoint", str(runs / name / "last.pt"), "--data", str(out / "new"), "--out", str(out / name), *ev,
             done=out / name / "metrics.json")

    rows = [trained("backbone (five other classes, all their pictures)", runs / "backbone", out / "backbone", out / "seen"),
            trained(f"fine-tuned from the backbone ({args.per_class}/class)", runs / "fine-tuned", out / "fine-tuned", out / "new"),
            trained(f"from scratch ({args.per_class}/class)", runs / "scratch", out / "scratch", out / "new")]
    result = dict(network=net, seen_classes=seen, new_classes=new, per_class=args.per_class,
                  backbone_schedule=BACKBONE_SCHEDULE, rows=rows,
                  command=f"cd training && python3 -m dctvision_train.transfer --network {net}")
    print("| model | epochs | training s (CPU s) | val top-1 % (files) |\n|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['name']} | {r['epochs']} | {r['train_seconds']:.0f} ({r['cpu_seconds']:.0f}) | {100 * r['top1']:.1f} ({r['val_images']}) |")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
