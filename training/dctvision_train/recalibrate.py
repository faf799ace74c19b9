"""Repairs a final checkpoint whose input BatchNorm statistics are not finite, by
re-estimating them from the training pipeline.

  python3 -m dctvision_train.recalibrate training/checkpoints/late-concat-rfa.pt

Checkpoints written before trainer.half_weights stored BN statistics in float16; an input
BN's running variance of raw DCT coefficients passes float16's 65504 (Y's DC: ~2.6e5) and
became inf, which folds to a zero scale: the channel dropped at inference. An input BN's
statistics depend on the data alone (it is the network's first operation on that input), so
they are re-estimated exactly as training kept them: the variance of the input over batches
of the recipe's last resolution (augmentation + simulated JPEG), averaged over --batches
batches. Only the non-finite entries are replaced; the checkpoint records what was done."""
import argparse
import sys
from pathlib import Path

import torch

from .cpu import use_all_cores
from .data import augment, list_images, load_pixels, network_inputs
from .model import InputBatchNorm, Network
from .trainer import half_weights


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint")
    p.add_argument("--data", default=str(Path(__file__).resolve().parents[3] / "shared" / "data" / "imagenette-224"))
    p.add_argument("--batches", type=int, default=40)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    use_all_cores()
    ck = torch.load(args.checkpoint, map_location="cpu")
    sd = {k: v.float() if v.is_floating_point() else v for k, v in ck["state_dict"].items()}
    model = Network(ck["network"], ck["width"], ck["classes"])
    model.load_state_dict(sd)
    inputs_bn = {name: m for name, m in model.named_modules() if isinstance(m, InputBatchNorm)}
    bad = {n: ~(torch.isfinite(m.running_var) & torch.isfinite(m.running_mean)) for n, m in inputs_bn.items()}
    bad = {n: b for n, b in bad.items() if b.any()}
    others = [k for k, v in sd.items() if v.is_floating_point() and not torch.isfinite(v).all()
              and not any(k.startswith(f"{n}.") for n in bad)]
    if others:
        sys.exit(f"non-finite tensors this script cannot re-estimate: {others}")
    if not bad:
        print("all statistics finite; nothing to do")
        return
    recipe = ck["recipe"]
    size = recipe["schedule"][-1][0]
    files, _, _, _ = list_images(f"{args.data}/train")
    g = torch.Generator().manual_seed(args.seed)
    n = args.batches * recipe["batch"]
    idx = torch.randperm(len(files), generator=g)[:n]
    pixels = load_pixels([files[i] for i in idx])
    seen = {name: [] for name in bad}
    hooks = [inputs_bn[name].register_forward_hook(lambda m, i, o, name=name: seen[name].append(
        (i[0].mean(dim=(0, 2, 3)), i[0].var(dim=(0, 2, 3), unbiased=True)))) for name in bad]
    model.eval()
    with torch.no_grad():
        for j in range(0, n, recipe["batch"]):
            px = pixels[j:j + recipe["batch"]]
            q = torch.randint(recipe["quality"][0], recipe["quality"][1] + 1, (px.shape[0],), generator=g)
            model(network_inputs(augment(px, g, recipe["min_scale"], size), model.plan["input"]["kind"], q))
    for h in hooks:
        h.remove()
    repairs = list(ck.get("repairs", []))
    for name, mask in bad.items():
        mean = torch.stack([m for m, _ in seen[name]]).mean(0)
        var = torch.stack([v for _, v in seen[name]]).mean(0)
        sd[f"{name}.running_mean"][mask] = mean[mask]
        sd[f"{name}.running_var"][mask] = var[mask]
        chans = mask.nonzero().flatten().tolist()
        repairs.append(f"{name} channels {chans}: non-finite running statistics (float16 overflow) re-estimated "
                       f"from {args.batches} training batches at {size} px (var {[round(float(var[c])) for c in chans]})")
        print(repairs[-1])
    ck["state_dict"] = half_weights(sd)
    ck["repairs"] = repairs
    torch.save(ck, args.checkpoint)


if __name__ == "__main__":
    main()
