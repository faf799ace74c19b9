"""Weight-space interpolation of two exported models of the same network (Wortsman et al.,
"Robust fine-tuning of zero-shot models", CVPR 2022: WiSE-FT): each tensor (1 - alpha) * A +
alpha * B, written as an exported folder. With A a shipped network and B its fine-tune, alpha
trades what the fine-tune learned against what A already did well.

  python3 -m dctvision_train.interpolate ../models/late-concat runs/prog/export --alpha 0.5 --out runs/prog/mix50

The folded tensors are interpolated (batch norm already folded into the convolutions), so the
result is an ordinary network of the same shape; metrics.json comes from `evaluate --model`."""
import argparse
import json
from pathlib import Path

from .export import export_model, load_exported, read_model
from .model import load_inference_tensors, named_inference_tensors


def interpolate(a_dir, b_dir, alpha, out_dir):
    """Writes the interpolated model to out_dir; returns its model.json dict."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
    model, doc_a = load_exported(a_dir)
    doc_b, b = read_model(b_dir)
    for key in ("network", "width", "classes", "classNames"):
        if doc_a[key] != doc_b[key]:
            raise ValueError(f"{a_dir} and {b_dir} differ in {key}: {doc_a[key]!r} / {doc_b[key]!r}")
    a = {k: v.detach().numpy().copy() for k, v in named_inference_tensors(model).items()}  # A as just read
    load_inference_tensors(model, {k: (1.0 - alpha) * a[k] + alpha * b[k] for k in a})
    spec_doc = {"networks": {doc_a["network"]: doc_a["spec"]}} if doc_a.get("spec") else None
    doc = export_model(model, out_dir, doc_a["classNames"], spec_doc=spec_doc)
    # what trained it, for `evaluate --model` to keep: B's training (B is the fine-tune of A) and the mix
    seed = json.loads((Path(b_dir) / "metrics.json").read_text()) if (Path(b_dir) / "metrics.json").exists() else {}
    seed = {k: seed[k] for k in ("epochs", "train_seconds", "hardware", "recipe", "fine_tune") if k in seed}
    seed["mix"] = dict(alpha=alpha, a=Path(a_dir).name, b=str(Path(b_dir).name),
                       text=f"each weight {1 - alpha:g} x the shipped network's + {alpha:g} x its fine-tune's")
    (Path(out_dir) / "metrics.json").write_text(json.dumps(seed, indent=1) + "\n")
    return doc


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("a", help="exported model folder (weight 1 - alpha)")
    p.add_argument("b", help="exported model folder of the same network (weight alpha)")
    p.add_argument("--alpha", type=float, required=True)
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    interpolate(Path(args.a), Path(args.b), args.alpha, Path(args.out))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
