"""Evaluate a trained checkpoint on the real val files and export it for the browser.

  python3 -m dctvision_train.evaluate --checkpoint runs/late-concat-rfa/last.pt \
      --data ../shared/data/imagenette-224 --out ../models/late-concat-rfa

Folds BN, exports model.json + float16 shards to --out, then evaluates *the exported
weights* in PyTorch (CPU) on every val file, with each file's inputs prepared by the
library's own input pipeline (scripts/prep-inputs.mjs: the WebAssembly decoder and
src/prep, what classify() runs - so any JPEG works: any size, chroma layout, orientation),
and classifies the first --ts-images files with the library itself (scripts/ts-eval.mjs:
load() + classifyBatch() on TensorFlow.js) to measure top-1 agreement.
Writes --out/metrics.json; nothing else writes it.

  --model models/<id>   re-evaluates an exported folder (no checkpoint needed)."""
import argparse
import json
import platform
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

from .data import library_logits, library_top1, list_images
from .export import export_model, load_exported
from .model import Network
from .variants import make_variants

ROOT = Path(__file__).resolve().parents[2]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint", help="training checkpoint (last.pt); exported to --out first")
    src.add_argument("--model", help="an exported model folder to re-evaluate (metrics.json written beside it)")
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "imagenette-224"), help="folder with val/ (or the val folder itself)")
    p.add_argument("--out", help="export folder (with --checkpoint)")
    p.add_argument("--limit-per-class", type=int, default=None, help="evaluate on fewer files (smoke tests only)")
    p.add_argument("--ts-images", type=int, default=1000)
    p.add_argument("--ts-backend", default="wasm")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--variants", type=int, default=100, metavar="PER_CLASS",
                   help="also classify re-encoded variants of this many val files per class with the CLI (0: skip)")
    p.add_argument("--variants-fix", default="", metavar="KEY=VALUE,...",
                   help="a control set: variant parameters held fixed (make-variants.mjs --fix), e.g. long=224,aspect=1:1")
    args = p.parse_args(argv)

    if args.checkpoint:
        if not args.out:
            p.error("--checkpoint needs --out")
        # Our own checkpoints: dicts of tensors and builtins (torch 1.13 has no weights_only).
        ck = torch.load(args.checkpoint, map_location="cpu")
        bad = [k for k, v in ck["state_dict"].items() if v.is_floating_point() and not torch.isfinite(v).all()]
        if bad:  # an inf BN variance folds to a zero scale: the channel would vanish silently
            raise SystemExit(f"{args.checkpoint}: non-finite tensors {bad}: not exported")
        model = Network(ck["network"], ck["width"], ck["classes"])
        model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in ck["state_dict"].items()})
        model.eval().fold_()
        out = Path(args.out).resolve()  # the Node scripts run from the repository root
        export_model(model, out, ck["class_names"], dtype="float16")
    else:
        out = Path(args.model).resolve()
        ck = json.loads((out / "metrics.json").read_text()) if (out / "metrics.json").exists() else {}
    model, doc = load_exported(out)       # evaluate what ships: float16 weights read back
    ck = dict(ck, network=doc["network"], width=doc["width"], classes=doc["classes"])

    data = Path(args.data)
    val_dir = data / "val" if (data / "val").is_dir() else data
    files, labels, class_ids, _ = list_images(val_dir, args.limit_per_class)
    if "class_ids" in ck and class_ids != ck["class_ids"]:
        raise SystemExit(f"val classes {class_ids} differ from the checkpoint's {ck['class_ids']}")
    t0 = time.time()
    logits, refused = [], 0
    for y, ok in library_logits(model, files, model_dir=out, batch=args.batch):
        y[~ok] = float("nan")             # a file the library refuses counts as wrong
        refused += int((~ok).sum())
        logits.append(y)
    logits = torch.cat(logits).nan_to_num(nan=-1e9)
    if refused:
        print(f"{refused} val files were refused by the library's decoder", flush=True)
    top5 = logits.topk(min(5, logits.shape[1]), dim=1).indices
    top1_ok = (top5[:, 0] == labels).float().mean().item()
    top5_ok = (top5 == labels[:, None]).any(dim=1).float().mean().item()
    print(f"{ck['network']}: top-1 {top1_ok:.4f}, top-5 {top5_ok:.4f} on {len(files)} val files ({time.time() - t0:.0f}s)", flush=True)

    n_ts = min(args.ts_images, len(files))
    agreement = None
    if n_ts:
        r = subprocess.run(["node", str(ROOT / "scripts" / "ts-eval.mjs"), "--model", str(out), "--backend", args.ts_backend],
                           input="\n".join(map(str, files[:n_ts])) + "\n", capture_output=True, text=True, check=True, cwd=ROOT)
        ts = json.loads(r.stdout.strip().splitlines()[-1])
        ts_top1 = torch.tensor(ts["top1"])
        agreement = (ts_top1 == top5[:n_ts, 0]).float().mean().item()
        print(f"the library (classifyBatch, tfjs {ts['backend']}) agrees with PyTorch on top-1 for {agreement:.4f} of {n_ts} files", flush=True)

    val_top1 = {str(f.resolve()): int(top5[i, 0]) == int(labels[i]) for i, f in enumerate(files)}
    variants = evaluate_variants(args, out, val_dir, class_ids, model, val_top1) if args.variants else None
    # The first two val files of each class with PyTorch's top-1: what CI checks each backend against.
    ci_sample = [dict(file=str(files[i].relative_to(val_dir)), label=int(labels[i]), top1=int(top5[i, 0]))
                 for i in range(len(files)) if i < 2 or labels[i] != labels[i - 2]]
    # The demo's sample pictures are val files: what the model says for each (the demo test checks the page shows it).
    names = json.loads((out / "model.json").read_text())["classNames"]
    index = {str(f.relative_to(val_dir)): i for i, f in enumerate(files)}
    demo_samples = {}
    for sample in json.loads((ROOT / "public" / "samples" / "samples.json").read_text()):
        i = index.get(sample["source"].split("val/", 1)[-1])
        if i is not None:
            demo_samples[sample["file"]] = names[int(top5[i, 0])]

    metrics = dict(
        network=ck["network"], width=ck["width"], classes=ck["classes"],
        top1=round(top1_ok, 6), top5=round(top5_ok, 6), val_images=len(files),
        params=doc["params"], macs=doc["macs"], **training_totals(ck), class_ids=class_ids,
        **({"repairs": ck["repairs"]} if ck.get("repairs") else {}),
        ts_top1_agreement=None if agreement is None else round(agreement, 6), ts_agreement_images=n_ts,
        ts_backend=ts["backend"] if n_ts else None, refused_files=refused, variants=variants, ci_sample=ci_sample, demo_samples=demo_samples,
        evaluated=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        evaluation="the real val files through the library's input pipeline (scripts/prep-inputs.mjs); PyTorch on CPU with the exported float16 weights",
        eval_host=f"{platform.machine()} Python {platform.python_version()} torch {torch.__version__}",
    )
    # a re-evaluated folder keeps what its training recorded beyond the totals (a fine-tune, a mix)
    metrics.update({k: ck[k] for k in ("fine_tune", "mix") if ck.get(k) and k not in metrics})
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    print(f"wrote {out / 'metrics.json'}")


def training_totals(ck):
    """Epochs, seconds and recipe of the checkpoint's training; a fine-tune of a network of this
    repository (`prior`) counts that network's training too and keeps its recipe beside its own
    (and, where that network was itself a fine-tune or a mix, those as `before`)."""
    own = dict(epochs=ck.get("epochs"), train_seconds=round(ck["train_seconds"], 1) if "train_seconds" in ck else None,
               hardware=ck.get("hardware"), recipe=ck.get("recipe"))
    prior = ck.get("prior")
    if not prior or own["epochs"] is None or prior.get("epochs") is None:
        return own
    return dict(epochs=prior["epochs"] + own["epochs"], train_seconds=round((prior.get("train_seconds") or 0) + (own["train_seconds"] or 0), 1),
                hardware=prior.get("hardware") or own["hardware"], recipe=prior.get("recipe"),
                fine_tune=dict(epochs=own["epochs"], train_seconds=own["train_seconds"], recipe=own["recipe"], source=ck.get("fine_tuned_from"),
                               **({"teacher": ck["teacher"]} if ck.get("teacher") else {}),
                               **({"before": {k: prior[k] for k in ("fine_tune", "mix") if prior.get(k)}}
                                  if prior.get("fine_tune") or prior.get("mix") else {})))


def evaluate_variants(args, out, val_dir, class_ids, model, val_top1):
    """Top-1 on re-encoded variants (scripts/make-variants.mjs: 256-1024 px, other aspect ratios,
    q50-95, 4:4:4/4:2:2/4:2:0, progressive, EXIF-rotated) of a fixed sample of val files of each
    class, classified the way users do it - `dctvision classify --json` - and by PyTorch on the
    same files through the library's input pipeline; `top1_sources` is the val top-1 on the
    files they were made from (`val_top1`: resolved path -> correct, completed here for sources
    outside a --limit-per-class run), the like-for-like reference."""
    stamp, entries = make_variants(val_dir, args.variants, args.variants_fix)
    sources = [str(Path(e["source"]).resolve()) for e in entries]  # val_top1's keys are resolved paths
    source = {f: class_ids.index(e["label"]) for f, e in zip(sources, entries)}
    missing = sorted(set(source) - set(val_top1))
    if missing:
        top1 = library_top1(model, missing, model_dir=out, batch=args.batch)
        val_top1 = dict(val_top1, **{f: int(t) == source[f] for f, t in zip(missing, top1)})
    files = [e["file"] for e in entries]
    labels = torch.tensor([class_ids.index(e["label"]) for e in entries])
    cli = subprocess.run(["node", str(ROOT / "bin" / "dctvision.js"), "classify", *files, "--model", model.plan["name"],
                          "--model-url", str(out), "--top", "1", "--json", "--backend", args.ts_backend],
                         capture_output=True, text=True, cwd=ROOT)
    got = {r["file"]: r["predictions"][0]["className"] for r in json.loads(cli.stdout)}
    names = json.loads((out / "model.json").read_text())["classNames"]
    cli_top1 = torch.tensor([names.index(got[f]) if f in got else -1 for f in files])
    py = library_top1(model, files, model_dir=out, batch=args.batch)
    # the same files through the exact operators (all 64 frequencies, no truncation)
    exact = library_top1(model, files, model_dir=out, batch=args.batch, exact=True)
    # Top-1 per value of each variant parameter, beside the val top-1 of the same files as they are:
    # which sizes, qualities, layouts or orientations cost (or gain) accuracy.
    by_param = {}
    for key in ("long", "aspect", "quality", "sampling", "progressive", "orientation"):
        groups = {}
        for i, e in enumerate(entries):
            groups.setdefault(str(e[key]), []).append(i)
        by_param[key] = {value: dict(files=len(ix), top1_cli=round((cli_top1[ix] == labels[ix]).float().mean().item(), 4),
                                     top1_sources=round(sum(val_top1[sources[i]] for i in ix) / len(ix), 4))
                         for value, ix in groups.items()}
    result = dict(files=len(files), per_class=args.variants, set=stamp["version"], **({"fixed": stamp["fixed"]} if "fixed" in stamp else {}),
                  top1_cli=round((cli_top1 == labels).float().mean().item(), 6),
                  top1_pytorch=round((py == labels).float().mean().item(), 6),
                  top1_pytorch_exact_prep=round((exact == labels).float().mean().item(), 6),
                  cli_pytorch_agreement=round((cli_top1 == py).float().mean().item(), 6), failed=int((cli_top1 < 0).sum()),
                  top1_sources=round(sum(val_top1[f] for f in sources) / len(entries), 6),
                  by_param=by_param,
                  made_by="scripts/make-variants.mjs (ImageMagick), sampled sources: long side 256-1024, "
                          "aspect 1:1/4:3/3:4/16:9/3:2 (mirror-extended), q50-95, 4:2:0/4:2:2/4:4:4, baseline/progressive, EXIF 1/3/6/8")
    print(f"variants: CLI top-1 {result['top1_cli']:.4f}, PyTorch top-1 {result['top1_pytorch']:.4f} "
          f"(exact operators {result['top1_pytorch_exact_prep']:.4f}) on {len(files)} files; "
          f"their source files {result['top1_sources']:.4f}", flush=True)
    return result


if __name__ == "__main__":
    main()
