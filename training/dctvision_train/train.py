"""Train one network of src/engine/networks.json on an ImageFolder of JPEGs.

  python3 -m dctvision_train.train --network late-concat-rfa --data ../shared/data/imagenette-224 \
      --epochs 40 --batch 128 --out runs/late-concat-rfa

Multi-GPU / multi-node (DistributedDataParallel), e.g. full ImageNet on 8 GPUs:

  torchrun --nproc_per_node 8 -m dctvision_train.train --network late-concat-rfa --width 1.0 \
      --data /data/imagenet --epochs 90 --batch 256 --out runs/imagenet-lcrfa

`--data` holds train/ and val/ (one folder per class). Pixels are preloaded and
augmented on the device, then JPEG-compressed in simulation at a random quality
(jpeg_sim). Writes OUT/log.jsonl (one line per epoch) and OUT/last.pt."""
import argparse
import json
import math
import os
import platform
import time
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F

from .data import augment, list_images, load_pixels, network_inputs
from .model import Network
from .trainer import half_weights


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--network", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--width", type=float, default=0.25)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch", type=int, default=128, help="per process")
    p.add_argument("--lr", type=float, default=2e-3, help="AdamW peak learning rate at batch 128 (scaled linearly)")
    p.add_argument("--wd", type=float, default=0.05)
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--quality", type=int, nargs=2, default=[50, 95], help="JPEG quality range simulated in training")
    p.add_argument("--limit-per-class", type=int, default=None, help="use only the first N files of each class")
    p.add_argument("--max-steps", type=int, default=None, help="stop after N optimizer steps (smoke tests)")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--amp", choices=["bf16", "fp16", "off"], default=None, help="default: bf16 on CUDA, off on CPU")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--val-every", type=int, default=1, help="simulated-JPEG val accuracy every N epochs (0: never)")
    return p.parse_args(argv)


class Context:
    """Process setup shared by every network trained in one process."""

    def __init__(self, device, rank=0, world=1, distributed=False):
        self.device, self.rank, self.world, self.distributed = device, rank, world, distributed


def setup(args):
    distributed = "WORLD_SIZE" in os.environ and int(os.environ["WORLD_SIZE"]) > 1
    device = torch.device(args.device)
    ctx = Context(device)
    if distributed:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        ctx = Context(device, dist.get_rank(), dist.get_world_size(), True)
        if device.type == "cuda":
            ctx.device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
            torch.cuda.set_device(ctx.device)
    return ctx


def load_data(args, ctx):
    """This process's share of the training (and val) pixels, on the device."""
    data = Path(args.data)
    train_dir = data / "train" if (data / "train").is_dir() else data
    files, labels, class_ids, class_names = list_images(train_dir, args.limit_per_class)
    files, labels = files[ctx.rank::ctx.world], labels[ctx.rank::ctx.world]
    t_load = time.time()
    pixels = load_pixels(files).to(ctx.device)
    labels = labels.to(ctx.device)
    val = None
    if args.val_every and (data / "val").is_dir():
        vfiles, vlabels, _, _ = list_images(data / "val", args.limit_per_class)
        val = (load_pixels(vfiles[ctx.rank::ctx.world]).to(ctx.device), vlabels[ctx.rank::ctx.world].to(ctx.device))
    if ctx.rank == 0:
        print(f"{len(files) * ctx.world} training images, {len(class_ids)} classes, loaded in {time.time() - t_load:.1f}s", flush=True)
    return dict(pixels=pixels, labels=labels, val=val, class_ids=class_ids, class_names=class_names, n=len(files))


def main(argv=None):
    args = parse(argv)
    ctx = setup(args)
    fit(args, load_data(args, ctx), ctx)
    if ctx.distributed:
        dist.destroy_process_group()


def fit(args, data, ctx):
    """Train args.network on `data`; writes args.out/log.jsonl and args.out/last.pt."""
    device, rank, world, distributed = ctx.device, ctx.rank, ctx.world, ctx.distributed
    pixels, labels, val, class_ids, class_names = data["pixels"], data["labels"], data["val"], data["class_ids"], data["class_names"]
    amp = args.amp or ("bf16" if device.type == "cuda" else "off")
    torch.manual_seed(args.seed + rank)
    out = Path(args.out)
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
    model = Network(args.network, args.width, len(class_ids)).to(device)
    kind = model.plan["input"]["kind"]
    if device.type == "cuda":
        model = model.to(memory_format=torch.channels_last)
    net = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device] if device.type == "cuda" else None) if distributed else model
    shard = data["n"]
    if distributed:  # every process must take the same number of steps
        n = torch.tensor([shard], device=device)
        dist.all_reduce(n, op=dist.ReduceOp.MIN)
        shard = int(n)
    steps_per_epoch = max(1, math.ceil(shard / args.batch))
    total_steps = args.epochs * steps_per_epoch if args.max_steps is None else min(args.max_steps, args.epochs * steps_per_epoch)
    lr = args.lr * args.batch * world / 128
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=args.wd)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total_steps, pct_start=0.25)
    recipe = dict(optimizer="AdamW", lr=lr, weight_decay=args.wd, schedule="one-cycle cosine, 25% warm-up",
                  label_smoothing=args.label_smoothing, batch=args.batch * world, epochs=args.epochs,
                  augmentation=f"random resized crop (35-100%% area, 3/4-4/3) + flip, simulated JPEG q{args.quality[0]}-{args.quality[1]} 4:2:0".replace("%%", "%"),
                  amp=amp, width=args.width)
    autocast = dict(device_type=device.type, dtype=torch.float16 if amp == "fp16" else torch.bfloat16, enabled=amp != "off")
    # torch.amp.GradScaler on PyTorch 2.x; torch.cuda.amp's on 1.13 (Debian)
    scaler = (torch.amp.GradScaler(device.type, enabled=amp == "fp16") if hasattr(torch.amp, "GradScaler")
              else torch.cuda.amp.GradScaler(enabled=amp == "fp16"))
    log = open(out / "log.jsonl", "a") if rank == 0 else None
    step, t0 = 0, time.time()
    gen = torch.Generator(device=device).manual_seed(args.seed * 1000 + rank)

    def all_ranks(values):
        """Sums over every process (identity without DDP), so the log covers all the data."""
        if not distributed:
            return values
        t = torch.tensor([float(v) for v in values], device=device, dtype=torch.float64)
        dist.all_reduce(t)
        return t.tolist()

    def inputs_of(px, train):
        q = torch.randint(args.quality[0], args.quality[1] + 1, (px.shape[0],), device=device, generator=gen) if train else torch.full((px.shape[0],), 75, device=device)
        x = network_inputs(augment(px, gen) if train else px.float(), kind, q)
        return {k: v.contiguous(memory_format=torch.channels_last) if device.type == "cuda" else v for k, v in x.items()}

    for epoch in range(args.epochs):
        net.train()
        order = torch.randperm(data["n"], device=device, generator=gen)[:shard]
        loss_sum, correct, seen, t_epoch = 0.0, 0, 0, time.time()
        for i in range(steps_per_epoch):
            idx = order[i * args.batch:(i + 1) * args.batch]
            x, y = inputs_of(pixels[idx], True), labels[idx]
            with torch.autocast(**autocast):
                logits = net(x)
                loss = F.cross_entropy(logits.float(), y, label_smoothing=args.label_smoothing)
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            sched.step()
            step += 1
            loss_sum += float(loss) * len(idx)
            correct += int((logits.argmax(1) == y).sum())
            seen += len(idx)
            if step >= total_steps:
                break
        loss_sum, correct, seen = all_ranks([loss_sum, correct, seen])
        entry = dict(epoch=epoch + 1, step=step, train_loss=loss_sum / seen, train_acc=correct / seen,
                     lr=sched.get_last_lr()[0], epoch_seconds=time.time() - t_epoch, elapsed_seconds=time.time() - t0)
        if val is not None and args.val_every and ((epoch + 1) % args.val_every == 0 or epoch + 1 == args.epochs or step >= total_steps):
            net.eval()
            hits = 0
            with torch.no_grad(), torch.autocast(**autocast):
                for j in range(0, val[0].shape[0], 256):
                    hits += int((net(inputs_of(val[0][j:j + 256], False)).argmax(1) == val[1][j:j + 256]).sum())
            hits, count = all_ranks([hits, val[0].shape[0]])
            entry["val_acc_simulated_q75"] = hits / count
        if rank == 0:
            log.write(json.dumps(entry) + "\n")
            log.flush()
            print(json.dumps(entry), flush=True)
        if step >= total_steps:
            break
    train_seconds = time.time() - t0
    if rank == 0:
        hardware = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU ({platform.processor() or platform.machine()}, {os.cpu_count()} cores)"
        torch.save(dict(network=args.network, width=args.width, classes=len(class_ids), class_ids=class_ids,
                        class_names=class_names, state_dict=half_weights(model.state_dict()),
                        epochs=epoch + 1, steps=step, train_seconds=train_seconds, hardware=f"{hardware} x{world}",
                        recipe=recipe, torch=torch.__version__), out / "last.pt")
        print(f"saved {out / 'last.pt'} after {train_seconds:.1f}s", flush=True)
    return out / "last.pt"




if __name__ == "__main__":
    main()
