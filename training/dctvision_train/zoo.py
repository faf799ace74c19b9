"""The shipped zoo: the eight networks trained one after the other by train.py's loop with the
one recipe, each evaluated and exported into models/<id>/ when it finishes.

  python3 -m dctvision_train.zoo --budget-minutes 140 --commit
  python3 -m dctvision_train.zoo --status
  python3 -m dctvision_train.zoo --progressive --commit   # teach the shipped ones progressive cuts

Each network trains in OUT/<id>/ (default training/checkpoints/<id>/) exactly as
`train --network <id> --out OUT/<id>` would: a run stopped by the budget leaves its
resume.pt there (with --commit, committed, so a fresh clone continues it) and the next zoo
run continues it; a finished one gets last.pt and log.jsonl, is evaluated and exported by
evaluate.py into models/<id>/ (metrics.json from the full val split), and with --commit the
exported folder and docs/MODELS.md's regenerated table are committed at once.

--progressive fine-tunes each shipped network from models/<id> with the PROGRESSIVE recipe
(train --progressive; its teacher the network as trained on whole files, WHOLE/<id>, frozen) in
OUT/progressive/<id>/, mixes it weight by weight with the shipped one (interpolate.py) at the
first (largest) share of PROGRESSIVE_MIXES whose full-val top-1 is at most 0.3 points below
the whole-file network's,
evaluates that mix in full and lands it in models/<id> (if no share keeps the top-1, the shipped
network stays, the mixes stay in the run folder, and the zoo says so)."""
import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import torch

from .train import Folder, add_recipe_args, fit, overrides, resume_or_new, use_all_cores
from .interpolate import interpolate
from .trainer import PROGRESSIVE, PROGRESSIVE_MIXES, RECIPE, Ranks, epochs_of

ROOT = Path(__file__).resolve().parents[2]
# each network as trained on whole files (before any progressive fine-tune): the teacher of its
# progressive fine-tunes and the top-1 they may not fall 0.3 points below
WHOLE = ROOT / "training" / "whole-file"
ORDER = ["rgb-resnet50", "late-concat-rfa", "late-concat", "upsampling", "deconvolution-rfa", "downsampling",
         "late-concat-rfa-thinner", "upsampling-rfa"]


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "imagenette-224"))
    p.add_argument("--networks", default=",".join(ORDER), help="comma-separated ids, in training order")
    p.add_argument("--out", default=str(ROOT / "training" / "checkpoints"), help="run folders, one per network")
    p.add_argument("--models", default=str(ROOT / "models"), help="where finished networks are exported")
    p.add_argument("--no-export", action="store_true", help="train only")
    p.add_argument("--commit", action="store_true", help="git-commit each exported model, and the resume file when the budget stops a run")
    p.add_argument("--status", action="store_true", help="print what is done and what is left, then exit")
    p.add_argument("--progressive", action="store_true", help="fine-tune the shipped networks on progressive cuts (PROGRESSIVE recipe)")
    add_recipe_args(p)
    args = p.parse_args(argv)
    if args.budget_minutes is None:
        args.budget_minutes = 140
    if args.progressive:
        args.out = str(Path(args.out) / "progressive")
    return args


# the most full-val top-1 a progressive fine-tune may cost a shipped network
MAX_PROGRESSIVE_LOSS = 0.003


def progressive_done(metrics, recipe=PROGRESSIVE):
    """models/<id> already holds a progressive fine-tune (evaluate.py's `fine_tune` with a `partial`
    recipe) with the teacher weight and scan weights `recipe` asks for: one taught otherwise is
    taught again, from itself, by the next `zoo --progressive`."""
    if not metrics.exists():
        return False
    done = (json.loads(metrics.read_text()).get("fine_tune") or {}).get("recipe") or {}
    return ("partial" in done and done.get("teacher", 0.0) == recipe.get("teacher", 0.0)
            and done.get("scan_weights") == recipe.get("scan_weights"))


def reference_top1(net, models):
    """The full-val top-1 a progressive fine-tune of `net` is held to: the whole-file network's, else the shipped one's."""
    whole = WHOLE / net / "metrics.json"
    return json.loads((whole if whole.exists() else models / net / "metrics.json").read_text())["top1"]


def status(args, recipe):
    out, models = Path(args.out), Path(args.models)
    lines = []
    for net in args.networks.split(","):
        metrics, resume, final = models / net / "metrics.json", out / net / "resume.pt", out / net / "last.pt"
        if metrics.exists() and not args.no_export and (not args.progressive or progressive_done(metrics, recipe)):
            m = json.loads(metrics.read_text())
            lines.append(f"  done      {net:26s} top-1 {m['top1']:.4f}  ({m['epochs']} epochs, {m['train_seconds'] / 3600:.2f} h)")
        elif final.exists():
            lines.append(f"  trained   {net:26s} not yet evaluated ({final})")
        elif resume.exists():
            st = torch.load(resume, map_location="cpu")
            lines.append(f"  training  {net:26s} epoch {st['epoch']}/{epochs_of(st['recipe'])}, {st['train_seconds'] / 3600:.2f} h so far")
        else:
            lines.append(f"  pending   {net:26s} {epochs_of(recipe)} epochs")
    return "\n".join(lines)


def git_commit(paths, message, gone=()):
    """Commits `paths` (files or folders) and the removal of `gone` files that git tracks, in the
    repository that holds them (this one, unless --out points into another)."""
    where = next(Path(q) for q in [*paths, *gone] if Path(q).is_dir() or Path(q).parent.is_dir())
    where = where if where.is_dir() else where.parent
    git = lambda *a: subprocess.run(["git", *a], cwd=where, capture_output=True)
    tracked = [str(q) for q in gone if git("ls-files", "--error-unmatch", "--", str(q)).returncode == 0]
    for attempt in range(5):
        ok = all(git("rm", "-q", "--cached", "--", q).returncode == 0 for q in tracked if not Path(q).exists())
        ok = ok and git("add", "-A", "--", *map(str, paths)).returncode == 0
        if ok and git("commit", "-q", "-m", message, "--", *map(str, paths), *tracked).returncode == 0:
            return True
        time.sleep(5)  # another git command held the index lock
    print(f"zoo: could not commit {paths}", flush=True)
    return False


def land_progressive(net, staged, models):
    """The fine-tuned export replaces models/<net> if it keeps the full-val top-1 (see MAX_PROGRESSIVE_LOSS)."""
    old = reference_top1(net, models)
    new = json.loads((staged / "metrics.json").read_text())["top1"]
    if new < old - MAX_PROGRESSIVE_LOSS:
        print(f"zoo: {net}: full-val top-1 {new:.4f} against the whole-file {old:.4f}: kept the shipped one ({staged} holds the other)", flush=True)
        return False
    shutil.rmtree(models / net)
    shutil.copytree(staged, models / net)
    print(f"zoo: {net}: full-val top-1 {new:.4f} (whole-file {old:.4f}): replaces models/{net}", flush=True)
    return True


def evaluate(net, final, models, data, quick=False):
    """evaluate.py (export + full val split + TypeScript agreement and variants unless `quick`) in
    its own process; `final` a checkpoint, or an exported folder (re-evaluated where it is)."""
    src = ["--model", str(final)] if final.is_dir() else ["--checkpoint", str(final), "--out", str(models / net)]
    cmd = [sys.executable, "-m", "dctvision_train.evaluate", *src, "--data", str(data), *(["--ts-images", "0", "--variants", "0"] if quick else [])]
    return subprocess.run(cmd, cwd=ROOT / "training").returncode == 0


def progressive_mix(net, final, out, models, data):
    """The fine-tune exported (quickly) and mixed with the shipped network at each share of
    PROGRESSIVE_MIXES in turn (each mix evaluated quickly); the first that keeps the top-1,
    evaluated in full: its folder; False when no share keeps it; None when an evaluation failed."""
    tuned = out / net / "export"
    if not evaluate(net, final, tuned, data, quick=True):
        return None
    shipped = reference_top1(net, models)
    for alpha in PROGRESSIVE_MIXES:
        mix = out / net / f"mix-{alpha:g}"
        if alpha == 1:  # the fine-tune itself
            shutil.rmtree(mix / net, ignore_errors=True)
            shutil.copytree(tuned / net, mix / net)
        else:
            interpolate(models / net, tuned / net, alpha, mix / net)
        if not evaluate(net, mix / net, mix, data, quick=True):
            return None
        top1 = json.loads((mix / net / "metrics.json").read_text())["top1"]
        print(f"zoo: {net}: the fine-tune at {alpha:g}: full-val top-1 {top1:.4f} (whole-file {shipped:.4f})", flush=True)
        if top1 >= shipped - MAX_PROGRESSIVE_LOSS:
            return mix / net if evaluate(net, mix / net, mix, data) else None
    print(f"zoo: {net}: no mix keeps the full-val top-1: the shipped network stays ({out / net} holds the fine-tune and the mixes)", flush=True)
    return False


def main(argv=None):
    args = parse(argv)
    base = PROGRESSIVE if args.progressive else RECIPE
    recipe = {**base, **overrides(args.set, base)}
    deadline = time.time() + args.budget_minutes * 60
    use_all_cores()
    out, models = Path(args.out).resolve(), Path(args.models).resolve()  # git and evaluate.py run from other folders
    print(f"zoo: {torch.get_num_threads()} threads, deadline in {args.budget_minutes:.0f} min\n{status(args, recipe)}", flush=True)
    if args.status:
        return
    done = (lambda n: progressive_done(models / n / "metrics.json", recipe)) if args.progressive else (lambda n: (models / n / "metrics.json").exists())
    todo = [n for n in args.networks.split(",") if args.no_export or not done(n)]
    if not todo:
        return
    ranks = Ranks(args.device)
    folder = Folder(args.data, ranks, args.limit_per_class, val=bool(args.val_every))
    for net in todo:
        final = out / net / "last.pt"
        if not final.exists():
            teacher = WHOLE / net if args.progressive and recipe.get("teacher") and (WHOLE / net).exists() else None
            run = resume_or_new(net, recipe, folder, ranks, out / net, models / net if args.progressive else None, teacher)
            commit = (lambda resume: git_commit([resume], f"{net}: stopped by the zoo's budget at epoch {run.epoch}/"
                                                          f"{epochs_of(run.recipe)}; the next zoo run resumes it")) if args.commit else None
            # keep time for the evaluation of a network that finishes
            margin = 0 if args.no_export else 240
            if not fit(run, folder, out / net, deadline - margin, args.val_every, args.max_epochs, args.memory_format, commit):
                print(status(args, recipe), flush=True)
                return
            if args.commit:  # the epoch log in, the resume file out; last.pt stays out of git
                git_commit([out / net / "log.jsonl"], f"{net}: trained ({epochs_of(run.recipe)} epochs) by dctvision_train.zoo",
                           gone=[out / net / "resume.pt"])
        if args.no_export:
            continue
        mixed = progressive_mix(net, final, out, models, args.data) if args.progressive else None
        if mixed is False:
            continue
        if mixed if args.progressive else evaluate(net, final, models, args.data):
            if args.progressive and not land_progressive(net, mixed, models):
                continue
            print(f"zoo: {net}: exported to {models / net}", flush=True)
            landed = [models / net]
            if models == (ROOT / "models").resolve():
                # the tables of docs/MODELS.md and the README are generated from metrics.json; a landed model updates them
                if subprocess.run(["node", str(ROOT / "scripts" / "models-table.mjs"), "--write"], cwd=ROOT).returncode == 0:
                    landed += [ROOT / "docs" / "MODELS.md", ROOT / "README.md"]
            if args.commit:
                git_commit(landed, f"models/{net}: trained by dctvision_train.zoo, evaluated by dctvision_train.evaluate")
        else:
            print(f"zoo: {net}: evaluation failed; {final} is kept, run the zoo again to retry", flush=True)
    print(status(args, recipe), flush=True)


if __name__ == "__main__":
    main()
