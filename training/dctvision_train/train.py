"""Train a network of src/engine/networks.json on a folder of JPEGs, with the recipe that
trained the shipped models - or fine-tune a shipped model on your own classes.

  python3 -m dctvision_train.train --data DIR --network late-concat-rfa          # from scratch
  python3 -m dctvision_train.train --data DIR --from ../models/late-concat-rfa   # fine-tune
  python3 -m dctvision_train.evaluate --checkpoint runs/late-concat-rfa/last.pt --data DIR --out ../models/mine

DIR holds train/ (and optionally val/), one folder per class, any number of classes, JPEGs of
any size (a `classes.tsv` of `id<TAB>…<TAB>name` lines beside them names the classes; else
the folder names do). Pictures are preloaded (short side to 224 px, centre crop), augmented,
then JPEG-compressed in simulation at a random quality, so the DCT networks see dequantized
coefficients and the RGB baseline the same picture decoded back.

The recipe (RECIPE in trainer.py, FINETUNE with --from): progressive resizing (cheap 128 px
epochs first, the last ones at 224), AdamW with warm-up and cosine decay, bf16 autocast,
threads = cores, the faster tensor layout measured at the start. `--set KEY=JSON` changes
one entry, e.g. --set 'schedule=[[96,1]]' for a one-epoch smoke run.

OUT (default runs/<network>) gets resume.pt after every epoch: run the same command again
and it continues where it stopped, bit for bit in one process (a resume file of another
recipe is refused, naming the difference). An epoch starts only if it fits --budget-minutes.
When the schedule is done: OUT/last.pt (float16, what evaluate.py exports) and OUT/log.jsonl.

On GPUs: --device cuda; several with torchrun (DistributedDataParallel, each process
loading its share of the pictures), e.g.
  torchrun --nproc_per_node 8 -m dctvision_train.train --data /data/imagenet --network late-concat-rfa \\
      --set width=1.0 --set batch=1024"""
import argparse
import json
import os
import statistics
import time
from pathlib import Path

import torch

from .data import list_images, load_pixels
from .export import load_exported
from .trainer import FINETUNE, PROGRESSIVE, RECIPE, Ranks, Run, epochs_of, size_at, teacher_of


def use_all_cores():
    """torch starts with one thread on some machines, not one per core (2 threads train 1.6x faster
    than 1 on a 2-core CPU)."""
    torch.set_num_threads(os.cpu_count())


def add_recipe_args(p):
    p.add_argument("--set", action="append", default=[], metavar="KEY=JSON", help="change a recipe entry")
    p.add_argument("--val-every", type=int, default=4, help="simulated-q75 val accuracy every N epochs and at the end (0: never)")
    p.add_argument("--budget-minutes", type=float, default=None, help="wall-clock budget: stop (resumably) before it runs out")
    p.add_argument("--limit-per-class", type=int, default=None, help="use only the first N files of each class")
    p.add_argument("--memory-format", choices=["auto", "nchw", "channels_last"], default="auto",
                   help="tensor layout on the CPU (auto: the faster one, measured)")
    p.add_argument("--max-epochs", type=int, default=None, help="stop (resumably) after this many epochs in this process")
    p.add_argument("--device", default="cpu", help="cpu, or cuda (one GPU per process under torchrun)")


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="folder with train/ (and val/), one folder per class")
    p.add_argument("--network", default=None, help="a network of networks.json (default: --from's, else late-concat-rfa)")
    p.add_argument("--from", dest="source", default=None, metavar="MODEL_DIR",
                   help="fine-tune this trained network (an exported folder such as ../models/late-concat-rfa)")
    p.add_argument("--out", default=None, help="run folder (default runs/<network>)")
    p.add_argument("--progressive", action="store_true",
                   help="with --from and the same classes: teach it to read progressive files cut short (PROGRESSIVE recipe)")
    p.add_argument("--teacher", default=None, metavar="MODEL_DIR",
                   help="with a recipe's teacher: the network whose whole-file answers the fine-tune learns (default: --from's)")
    add_recipe_args(p)
    return p.parse_args(argv)


def overrides(sets, base):
    out = {}
    for kv in sets:
        k, _, v = kv.partition("=")
        if k not in base:
            raise SystemExit(f"--set {k}: not a recipe entry ({', '.join(base)})")
        out[k] = json.loads(v)
    return out


def setup(device):
    """(Ranks) for this process: torchrun's environment, or one process."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return Ranks(device)
    import torch.distributed as dist
    from datetime import timedelta
    # a peer that never answers ends the run with an error instead of torch's half-hour wait
    wait = timedelta(seconds=float(os.environ.get("DCTVISION_DIST_TIMEOUT_S", "600")))
    dist.init_process_group("nccl" if device.startswith("cuda") else "gloo", timeout=wait)
    rank = dist.get_rank()
    if device.startswith("cuda"):
        device = f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}"
        torch.cuda.set_device(device)
    return Ranks(device, rank, dist.get_world_size())


class Folder:
    """One process's share of an ImageFolder's train pictures (and val, if present), preloaded."""

    def __init__(self, data, ranks, limit_per_class=None, val=True):
        data = Path(data)
        train = data / "train" if (data / "train").is_dir() else data
        files, labels, self.class_ids, self.class_names = list_images(train, limit_per_class)
        if len(self.class_ids) < 2:
            raise SystemExit(f"{train}: needs at least two class folders, found {len(self.class_ids)}")
        self.n = len(files)
        t = time.time()
        r, w = ranks.rank, ranks.world
        self.pixels, self.labels = load_pixels(files[r::w]).to(ranks.device), labels[r::w].to(ranks.device)
        self.val = None
        if val and (data / "val").is_dir():
            vfiles, vlabels, vids, _ = list_images(data / "val", limit_per_class)
            if vids != self.class_ids:
                raise SystemExit(f"{data / 'val'}: its classes differ from train/'s")
            self.val = load_pixels(vfiles[r::w]).to(ranks.device), vlabels[r::w].to(ranks.device)
        if ranks.rank == 0:
            print(f"{self.n} training pictures in {len(self.class_ids)} classes"
                  f"{f', {len(vfiles)} val' if self.val else ''}, loaded in {time.time() - t:.0f}s", flush=True)


def new_run(network, recipe, folder, ranks, source=None, teacher=None):
    """A run from scratch, or from a trained network (fine-tuning) when `source` is a model folder;
    `teacher`, a model folder whose whole-file answers the recipe's teacher loss follows instead of the source's."""
    run = Run(network, recipe, len(folder.class_ids), folder.n, folder.class_ids, folder.class_names, ranks)
    if source:
        folded, doc = load_exported(source)
        run.start_from(folded, f"{doc['network']} ({Path(source).name}, {doc['classes']} classes)", folder.pixels,
                       keep_head=doc["classNames"] == folder.class_names)
        shipped = Path(source) / "metrics.json"
        if shipped.exists():  # the training behind it, so its metrics can count all of it
            m = json.loads(shipped.read_text())
            run.prior = {k: m.get(k) for k in ("epochs", "train_seconds", "hardware", "recipe", "fine_tune", "mix") if k in m}
    if teacher:
        if not recipe.get("teacher"):
            raise SystemExit("--teacher: this recipe has no teacher loss (--progressive, or --set teacher=W)")
        folded, doc = load_exported(teacher)
        if doc["network"] != network or doc["classNames"] != folder.class_names:
            raise SystemExit(f"--teacher {teacher}: a {doc['network']} of its own classes, not a {network} of these")
        run.teacher, run.teacher_name = teacher_of(folded, run.device), f"{doc['network']} ({Path(teacher).parent.name}/{Path(teacher).name}, {doc['classes']} classes)"
    return run


def fit(run, folder, out, deadline=None, val_every=4, max_epochs=None, memory_format="auto", on_stop=None):
    """Trains `run` to the end of its schedule or until the budget; writes out/resume.pt after every
    epoch and, at the end, out/last.pt and out/log.jsonl (then removes resume.pt). True when done."""
    out = Path(out)
    resume, final = out / "resume.pt", out / "last.pt"
    ranks = run.ranks
    if run.device.type == "cpu" and run.memory_format is None:
        if memory_format != "auto":
            run.set_memory_format(memory_format)
        run.choose_memory_format(folder.pixels, folder.labels)
    cost, epochs_here = {}, 0  # size -> this process's epoch seconds, to decide whether another epoch fits
    while not run.done:
        size = size_at(run.recipe, run.epoch)
        # the median: one epoch stretched by a pause (kill -STOP) must not end the run
        known = {sz: statistics.median(v) for sz, v in cost.items()}
        guess = known.get(size) or 1.15 * max([s * (size / sz) ** 2 for sz, s in known.items()] or [60 * (size / 128) ** 2])
        over = (max_epochs is not None and epochs_here >= max_epochs) or (deadline is not None and time.time() + guess * 1.1 + 30 > deadline)
        if ranks.agree(over):
            if ranks.rank == 0:
                print(f"{run.network}: stopping before epoch {run.epoch + 1}/{epochs_of(run.recipe)} (budget); "
                      f"the same command resumes from {resume}", flush=True)
            run.save(resume)
            if on_stop and ranks.rank == 0:
                on_stop(resume)
            return False
        entry = run.train_epoch(folder.pixels, folder.labels)
        epochs_here += 1
        cost.setdefault(size, []).append(entry["epoch_seconds"])
        if folder.val is not None and val_every and (run.epoch % val_every == 0 or run.done):
            entry["val_acc_simulated_q75"] = round(run.val_simulated(*folder.val), 5)
        run.save(resume)
        if ranks.rank == 0:
            print(f"{run.network}: {json.dumps(entry)}", flush=True)
    if ranks.rank == 0:
        torch.save(run.final_checkpoint(), final)
        (out / "log.jsonl").write_text("".join(json.dumps(e) + "\n" for e in run.log))
        resume.unlink(missing_ok=True)
        print(f"{run.network}: trained, {final} ({run.train_seconds:.0f}s of epochs)", flush=True)
    return True


def resume_or_new(network, recipe, folder, ranks, out, source=None, teacher=None):
    """The run in out/resume.pt if there is one (refused if its recipe differs), else a new one."""
    resume = Path(out) / "resume.pt"
    if not resume.exists():
        return new_run(network, recipe, folder, ranks, source, teacher)
    st = torch.load(resume, map_location="cpu")
    if st["network"] != network or st["recipe"] != recipe:
        diff = {k: (st["recipe"].get(k), recipe.get(k)) for k in sorted(set(st["recipe"]) | set(recipe))
                if st["recipe"].get(k) != recipe.get(k)}
        raise SystemExit(f"{resume}: a {st['network']} run of another recipe ({diff}: its value, this command's); "
                         f"continue it with the same --set entries, or give another --out")
    if ranks.rank == 0:
        print(f"{network}: resuming at epoch {st['epoch']}/{epochs_of(recipe)}", flush=True)
    return Run.from_state(st, ranks)


def main(argv=None):
    args = parse(argv)
    use_all_cores()
    deadline = time.time() + args.budget_minutes * 60 if args.budget_minutes else None
    source_doc = json.loads((Path(args.source) / "model.json").read_text()) if args.source else None
    network = args.network or (source_doc["network"] if source_doc else "late-concat-rfa")
    if source_doc and source_doc["network"] != network:
        raise SystemExit(f"--from {args.source} is a {source_doc['network']}, not {network}")
    if args.teacher and not args.source:
        raise SystemExit("--teacher goes with --from")
    if args.progressive and not args.source:
        raise SystemExit("--progressive fine-tunes a trained network: give it --from MODEL_DIR")
    base = dict(PROGRESSIVE if args.progressive else FINETUNE if args.source else RECIPE)
    if source_doc:
        base["width"] = source_doc["width"]
    recipe = {**base, **overrides(args.set, base)}
    out = Path(args.out or Path("runs") / network)
    out.mkdir(parents=True, exist_ok=True)
    ranks = setup(args.device)
    folder = Folder(args.data, ranks, args.limit_per_class, val=bool(args.val_every))
    run = resume_or_new(network, recipe, folder, ranks, out, args.source, args.teacher)
    done = fit(run, folder, out, deadline, args.val_every, args.max_epochs, args.memory_format)
    if ranks.world > 1:
        import torch.distributed as dist
        dist.destroy_process_group()
    if done and ranks.rank == 0:
        print(f"next: python3 -m dctvision_train.evaluate --checkpoint {out / 'last.pt'} --data {args.data} --out ../models/<name>")


if __name__ == "__main__":
    main()
