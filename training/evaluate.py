#!/usr/bin/env python3
"""Evaluate a trained checkpoint on the real val files and export it for the browser.

  python3 training/evaluate.py --checkpoint runs/late-concat-rfa/last.pt \
      --data ../shared/data/imagenette-224 --out models/late-concat-rfa --ts-images 1000

Folds BN, exports model.json + float16 shards to --out, then evaluates *the exported
weights* in PyTorch (CPU) on every val file, reading each file's exact coefficients
with libjpeg (not simulated), and runs the TypeScript engine on the first
--ts-images files (scripts/ts-eval.mjs: the library's own WASM decoder + engine) to
measure top-1 agreement. Writes --out/metrics.json; nothing else writes it."""
import argparse
import json
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dctvision_train.data import exact_inputs, list_images  # noqa: E402
from dctvision_train.export import export_model, read_model  # noqa: E402
from dctvision_train.model import Network, load_inference_tensors  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--data", required=True, help="folder with val/ (or the val folder itself)")
    p.add_argument("--out", required=True)
    p.add_argument("--limit-per-class", type=int, default=None, help="evaluate on fewer files (smoke tests only)")
    p.add_argument("--ts-images", type=int, default=1000)
    p.add_argument("--ts-backend", default="cpu")
    p.add_argument("--batch", type=int, default=64)
    args = p.parse_args(argv)

    ck = torch.load(args.checkpoint, map_location="cpu")  # plain dict of tensors and builtins: fine with weights_only
    model = Network(ck["network"], ck["width"], ck["classes"])
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in ck["state_dict"].items()})
    model.eval().fold_()
    out = Path(args.out)
    doc = export_model(model, out, ck["class_names"], dtype="float16")
    _, tensors = read_model(out)          # evaluate what ships: float16 weights read back
    load_inference_tensors(model, tensors)

    data = Path(args.data)
    val_dir = data / "val" if (data / "val").is_dir() else data
    files, labels, class_ids, _ = list_images(val_dir, args.limit_per_class)
    if class_ids != ck["class_ids"]:
        raise SystemExit(f"val classes {class_ids} differ from the checkpoint's {ck['class_ids']}")
    kind = doc["input"]["kind"]
    t0 = time.time()
    logits = []
    with torch.no_grad():
        for i in range(0, len(files), args.batch):
            logits.append(model(exact_inputs(files[i:i + args.batch], kind)))
    logits = torch.cat(logits)
    top5 = logits.topk(min(5, logits.shape[1]), dim=1).indices
    top1_ok = (top5[:, 0] == labels).float().mean().item()
    top5_ok = (top5 == labels[:, None]).any(dim=1).float().mean().item()
    print(f"{ck['network']}: top-1 {top1_ok:.4f}, top-5 {top5_ok:.4f} on {len(files)} val files ({time.time() - t0:.0f}s)", flush=True)

    n_ts = min(args.ts_images, len(files))
    agreement = None
    if n_ts:
        r = subprocess.run(["node", str(ROOT / "scripts" / "ts-eval.mjs"), "--model", str(out), "--backend", args.ts_backend],
                           input="\n".join(map(str, files[:n_ts])) + "\n", capture_output=True, text=True, check=True, cwd=ROOT)
        ts_top1 = torch.tensor(json.loads(r.stdout.strip().splitlines()[-1])["top1"])
        agreement = (ts_top1 == top5[:n_ts, 0]).float().mean().item()
        print(f"TypeScript engine agrees with PyTorch on top-1 for {agreement:.4f} of {n_ts} files", flush=True)

    metrics = dict(
        network=ck["network"], width=ck["width"], classes=ck["classes"],
        top1=round(top1_ok, 6), top5=round(top5_ok, 6), val_images=len(files),
        params=doc["params"], macs=doc["macs"], epochs=ck["epochs"], train_seconds=round(ck["train_seconds"], 1),
        hardware=ck["hardware"], recipe=ck["recipe"],
        ts_top1_agreement=None if agreement is None else round(agreement, 6), ts_agreement_images=n_ts,
        evaluated=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        evaluation="exact coefficients read by libjpeg from the real val files; PyTorch on CPU with the exported float16 weights",
        eval_host=f"{platform.machine()} Python {platform.python_version()} torch {torch.__version__}",
    )
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    print(f"wrote {out / 'metrics.json'}")


if __name__ == "__main__":
    main()
