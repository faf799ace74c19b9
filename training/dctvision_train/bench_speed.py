"""Inference throughput of the eight networks (the paper's speed table), in one run:
random weights, BN folded, batch 256, bf16 autocast + channels_last on CUDA, after
warm-up, median over repeats; each network's images/s and its ratio to the RGB baseline.

  python3 -m dctvision_train.bench_speed --width 1.0 --classes 1000 --json speed-w1.json"""
import argparse
import json
import statistics
import time
from pathlib import Path

import torch

from .model import Network
from .spec import baseline_id, load_specs


def throughput(name, width, classes, batch, repeats, iters, device):
    model = Network(name, width, classes).to(device).eval().fold_()
    cuda = device.type == "cuda"
    if cuda:
        model = model.to(memory_format=torch.channels_last)
    x = {k: torch.randn(batch, c, h, w, device=device) for k, (h, w, c) in model.plan["inputs"].items()}
    if cuda:
        x = {k: v.contiguous(memory_format=torch.channels_last) for k, v in x.items()}
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    rates = []
    with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=cuda):
        for _ in range(3):
            model(x)
        sync()
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(iters):
                model(x)
            sync()
            rates.append(batch * iters / (time.perf_counter() - t0))
    return statistics.median(rates), model.plan["params"], model.plan["macs"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--width", type=float, default=1.0)
    p.add_argument("--classes", type=int, default=1000)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    device = torch.device(args.device)
    rows = {}
    specs = load_specs()
    for name in specs["networks"]:
        ips, params, macs = throughput(name, args.width, args.classes, args.batch, args.repeats, args.iters, device)
        rows[name] = dict(images_per_s=ips, params=params, macs=macs)
    base = rows[baseline_id(specs)]["images_per_s"]
    for r in rows.values():
        r["ratio_to_baseline"] = r["images_per_s"] / base
    result = dict(width=args.width, classes=args.classes, batch=args.batch, repeats=args.repeats, iters=args.iters,
                  device=torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
                  precision="bf16 autocast, channels_last" if device.type == "cuda" else "float32",
                  torch=torch.__version__, networks=rows)
    print(f"| network | params | GMACs | images/s | ÷ RGB |  (width {args.width}, batch {args.batch}, {result['device']})")
    for n, r in rows.items():
        print(f"| {n} | {r['params'] / 1e6:.2f} M | {r['macs'] / 1e9:.2f} | {r['images_per_s']:.0f} | {r['ratio_to_baseline']:.2f} |")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    return result


if __name__ == "__main__":
    main()
