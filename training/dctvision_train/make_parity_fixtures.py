"""Writes test/fixtures/parity/<network>/: a random-weight model (random BN
statistics, so folding matters) exported as the browser loads it, a batch of
inputs and PyTorch's logits for them. The TypeScript engine must reproduce the
logits (test/engine-parity.test.ts). Re-run after changing networks.json:

    python3 -m dctvision_train.make_parity_fixtures
"""
import json
from pathlib import Path

import numpy as np
import torch

from .export import export_model, read_model
from .model import Network, load_inference_tensors, randomize_batchnorm
from .spec import load_specs

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test" / "fixtures" / "parity"
WIDTH, CLASSES, BATCH = 0.125, 10, 2


def inputs_for(plan, gen):
    rgb = plan["input"]["kind"] == "rgb"
    out = {}
    for name, (h, w, c) in plan["inputs"].items():
        out[name] = torch.rand((BATCH, h, w, c), generator=gen) * 255.0 if rgb else torch.randn((BATCH, h, w, c), generator=gen) * 40.0
    return out


def main():
    specs = load_specs()
    for i, name in enumerate(specs["networks"]):
        gen = torch.Generator().manual_seed(1000 + i)
        torch.manual_seed(1000 + i)
        model = Network(name, WIDTH, CLASSES, specs)
        randomize_batchnorm(model, gen)
        # Input BN statistics near the inputs' own, so activations stay in range.
        for s in model.plan["steps"]:
            if s["op"] == "bn":
                bn = model.layers[s["id"]]
                with torch.no_grad():
                    rgb = model.plan["input"]["kind"] == "rgb"
                    bn.running_var.fill_(255.0 ** 2 / 12 if rgb else 1600.0)
                    bn.running_mean.fill_(127.5 if rgb else 0.0)
        model.eval().fold_()
        out_dir = OUT / name
        export_model(model, out_dir, [f"class {k}" for k in range(CLASSES)], dtype="float16")
        # Reference: PyTorch on exactly what was exported (float16 weights read back).
        _, tensors = read_model(out_dir)
        load_inference_tensors(model, tensors)
        # Inputs stored as float16; the reference sees the same rounded values.
        x = {k: v.half().float() for k, v in inputs_for(model.plan, gen).items()}
        with torch.no_grad():
            logits = model({k: v.permute(0, 3, 1, 2) for k, v in x.items()})
        blob = b"".join(v.numpy().astype("<f2").tobytes() for v in x.values())
        (out_dir / "inputs.bin").write_bytes(blob)
        (out_dir / "expected.json").write_text(json.dumps({
            "inputs": {k: list(v.shape) for k, v in x.items()},
            "inputDtype": "float16",
            "logits": logits.numpy().astype(float).round(6).tolist(),
        }) + "\n")
        print(f"{name}: {sum(p.stat().st_size for p in out_dir.iterdir()) / 1e6:.2f} MB, max |logit| {logits.abs().max():.3g}")


if __name__ == "__main__":
    main()
