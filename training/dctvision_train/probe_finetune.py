"""A cheap probe of a change to the recipe's last stage: fine-tune a finished checkpoint for a
few epochs under recipe overrides, then evaluate it on the real val files (evaluate.py, the
library's input pipeline). Run it twice - with and without the change, same epochs and learning
rate - and compare: the fine-tuning itself is not the effect, the difference between the arms is.

  python3 -m dctvision_train.probe_finetune --checkpoint checkpoints/late-concat.pt --out ../runs/probe/lc-sharp \
      --set sharp=0.5 --set 'schedule=[[224,2,0.8]]' --set lr=2e-4 --set warmup=0

The fine-tuned checkpoint and its metrics.json land in --out (a probe: nothing is shipped)."""
import argparse
import json
import subprocess
import sys
from pathlib import Path

import torch

from .cpu import use_all_cores
from .data import list_images, load_pixels
from .trainer import RECIPE, Run
from .zoo import ROOT, overrides_of


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True, help="a finished checkpoint (<id>.pt)")
    p.add_argument("--out", required=True)
    p.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "imagenette-224"))
    p.add_argument("--set", action="append", default=[], metavar="KEY=JSON", help="recipe overrides (schedule, lr, sharp...)")
    p.add_argument("--memory-format", choices=["nchw", "channels_last"], default="channels_last")
    p.add_argument("--limit-per-class", type=int, default=None, help="smoke tests only")
    args = p.parse_args(argv)
    use_all_cores()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    ck = torch.load(args.checkpoint, map_location="cpu")
    # the checkpoint's own recipe: an entry it predates keeps the trainer's default for it (e.g. no
    # sharp pictures), not today's RECIPE - only the --set entries differ between the arms
    recipe = {k: v for k, v in ck["recipe"].items() if k != "text"} if isinstance(ck.get("recipe"), dict) else dict(RECIPE)
    recipe.update(overrides_of(args))
    files, labels, class_ids, class_names = list_images(Path(args.data) / "train", args.limit_per_class)
    run = Run(ck["network"], recipe, ck["classes"], len(files), class_ids, class_names)
    run.model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in ck["state_dict"].items()})
    run.set_memory_format(args.memory_format)
    pixels = load_pixels(files)
    while not run.done:
        print(json.dumps(run.train_epoch(pixels, labels)), flush=True)
    final = run.final_checkpoint()
    final["epochs"] = f"{ck.get('epochs')} + {run.epoch} fine-tuning"
    torch.save(final, out / "finetuned.pt")
    subprocess.run([sys.executable, "-m", "dctvision_train.evaluate", "--checkpoint", str(out / "finetuned.pt"), "--out", str(out / "model"),
                    "--data", args.data, "--ts-images", "0", "--variants", "0",
                    *(["--limit-per-class", str(args.limit_per_class)] if args.limit_per_class else [])],
                   check=True, cwd=ROOT / "training")


if __name__ == "__main__":
    main()
