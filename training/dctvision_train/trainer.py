"""A resumable training run of one network: everything needed to continue exactly
(fp32 weights, optimizer, step, RNG states, per-epoch log) lives in one checkpoint
written after every epoch, so a run can stop at any epoch boundary (a wall-clock
budget, a machine going away) and continue elsewhere bit for bit (in one process;
under DistributedDataParallel each process draws its own augmentations).

The learning rate is a pure function of the step (linear warm-up, cosine decay), so
the schedule needs no state of its own; the resolution schedule is part of the
recipe (progressive resizing: cheap low-resolution epochs first, the last ones at
the evaluation size)."""
import math
import os
import platform
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from .data import augment, network_inputs
from .progressive import random_shifts
from .model import INPUT_BN_VAR_FLOOR, Affine, ConvBN, Network

# The recipe that trained the shipped networks (docs/MODELS.md, "Recipe"). Most epochs are cheap
# 128 px ones; the last ones, at the evaluation size, use milder crops, and half of their
# pictures stay at their own, unresampled pixels (`sharp`: real files are never resampled,
# and a network that only ever saw resampled, slightly blurred pictures loses points on them).
RECIPE = dict(
    optimizer="adamw", lr=2e-3, momentum=0.9, nesterov=True, weight_decay=0.05, label_smoothing=0.1,
    batch=128, warmup=0.15, schedule=[[128, 64], [176, 16], [224, 8, 0.8]], quality=[50, 95], min_scale=0.35,
    amp="bf16", width=0.25, seed=0, input_bn_floor=INPUT_BN_VAR_FLOOR, sharp=0.5)

# Fine-tuning a trained network on another folder of classes (train --from): the same recipe with
# a short schedule (12 epochs, none at 128 px: a few hundred pictures per class train in CPU
# minutes) and a shorter warm-up. The peak learning rate stays the recipe's: on five unseen
# classes it gave 1.3 points more than half of it (docs/MODELS.md, fine-tuning).
FINETUNE = dict(RECIPE, warmup=0.1, schedule=[[176, 6], [224, 6, 0.8]])

# Teaching a shipped network to read progressive files cut short (train --from models/<id>
# --progressive, same classes): the fine-tuning schedule at a quarter of the peak rate, half of the
# pictures cut as a progressive file is after its first scans (progressive.random_shifts). Fewer
# cut pictures or half this rate read cut files less well and cost whole files as much (Late-Concat:
# 0.5-0.6 points of top-1 each way; docs/MODELS.md, "Progressive files cut short"). `teacher`: half
# of the loss is the KL divergence from a teacher network's answer on the same picture's whole
# file, so a cut learns the whole file's answer rather than only the label, and a whole file keeps
# its answer; the zoo's teacher is the network as trained on whole files (training/whole-file/<id>).
# A teacher weight of 0.8 kept whole files no better (docs/results/progressive-teacher.json).
# `scan_weights`: libjpeg's cuts after scans 4 and 5 (26% and 38% of the bytes, where a verdict
# first becomes usable) drawn four times as often as the others: Late-Concat after scan 5, 87.5%
# against 86.7% with even draws, whole files 87.95 against 87.57 (docs/results/progressive-teacher.json).
PROGRESSIVE = dict(FINETUNE, lr=5e-4, partial=0.5, teacher=0.5, scan_weights=[1, 1, 1, 4, 4, 2, 1, 1, 1])
# ... and what ships is the shipped network and that fine-tune mixed weight by weight
# (interpolate.py), the fine-tune's share the first of these that keeps the whole-file top-1
# within the zoo's 0.3 points (1: the fine-tune itself): the larger the share, the better cut
# files read; where a fine-tune costs more on whole files, a smaller share keeps less of both.
PROGRESSIVE_MIXES = (1.0, 0.7, 0.5, 0.3)


def epochs_of(recipe):
    return sum(stage[1] for stage in recipe["schedule"])


def stage_at(recipe, epoch):
    """(resolution, smallest crop area) of the 0-based epoch: a schedule entry is [size, epochs]
    or [size, epochs, min_scale] (a stage's own crop range, e.g. milder crops in the last epochs
    so that objects appear at the size evaluation shows them)."""
    for stage in recipe["schedule"]:
        if epoch < stage[1]:
            break
        epoch -= stage[1]
    return stage[0], stage[2] if len(stage) > 2 else recipe["min_scale"]


def size_at(recipe, epoch):
    """Training resolution of the 0-based epoch."""
    return stage_at(recipe, epoch)[0]


def lr_at(recipe, step, total):
    warm = max(1, int(recipe["warmup"] * total))
    if step < warm:
        return recipe["lr"] * (step + 1) / warm
    return recipe["lr"] * 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warm) / max(1, total - warm))))


def hardware(device=None, world=1):
    if device is not None and device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} x{world}"
    return (f"CPU ({platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.get_num_threads()} threads)"
            + (f" x{world}" if world > 1 else ""))


def half_weights(state_dict):
    """float16 weights, float32 BatchNorm statistics: an input BN's running variance is the
    squared scale of raw DCT coefficients (Y's DC: ~1e5), past float16's 65504, and an inf
    there folds to a zero scale - the channel silently dropped."""
    return {k: v.half() if v.is_floating_point() and not k.endswith(("running_mean", "running_var")) else v
            for k, v in state_dict.items()}


class Ranks:
    """Where a run computes: one process, or one of `world` DistributedDataParallel processes."""

    def __init__(self, device="cpu", rank=0, world=1):
        self.device, self.rank, self.world = torch.device(device), rank, world

    def sum(self, values):
        """Sums over every process (identity in one process), so logs cover all the data."""
        if self.world == 1:
            return list(values)
        import torch.distributed as dist
        t = torch.tensor([float(v) for v in values], device=self.device, dtype=torch.float64)
        dist.all_reduce(t)
        return t.tolist()

    def agree(self, flag):
        """Rank 0's decision, on every rank (a budget stop must not leave one process waiting)."""
        if self.world == 1:
            return flag
        import torch.distributed as dist
        t = torch.tensor([1.0 if flag else 0.0], device=self.device)
        dist.broadcast(t, 0)
        return bool(t.item())


class Run:
    def __init__(self, network, recipe, classes, n_train, class_ids=None, class_names=None, ranks=None):
        self.network, self.recipe, self.classes = network, dict(recipe), classes
        self.class_ids, self.class_names = class_ids, class_names
        self.ranks = ranks or Ranks()
        self.device = self.ranks.device
        self.n_train = n_train
        # each process takes its share of every global batch; every process steps the same number of times
        self.batch = max(1, recipe["batch"] // self.ranks.world)
        self.steps_per_epoch = max(1, (n_train // self.ranks.world) // self.batch) if self.ranks.world > 1 \
            else math.ceil(n_train / recipe["batch"])
        self.total_steps = epochs_of(recipe) * self.steps_per_epoch
        torch.manual_seed(recipe["seed"])
        # recipes saved before the key existed trained without the floor
        self.model = Network(network, recipe["width"], classes, input_bn_train_floor=recipe.get("input_bn_floor", 0.0)).to(self.device)
        self.kind = self.model.plan["input"]["kind"]
        self._make_optimizer()
        self.gen = torch.Generator(device=self.device).manual_seed(recipe["seed"] * 1000 + 1 + self.ranks.rank)
        self.epoch, self.step, self.train_seconds = 0, 0, 0.0
        self.log, self.memory_format = [], None
        self.source = None  # the trained network a fine-tune started from
        self.teacher = None  # with the recipe's `teacher`: the network whose whole-file answers it learns, frozen (inference form)
        self.teacher_name = None  # ... which one (the source by default)
        self.prior = None   # its own training (epochs, seconds, hardware), from its metrics.json
        if self.device.type == "cuda":
            self.set_memory_format("channels_last")
        self._wrap()

    def _make_optimizer(self):
        recipe = self.recipe
        decay = [p for p in self.model.parameters() if p.ndim > 1]
        rest = [p for p in self.model.parameters() if p.ndim <= 1]
        groups = [dict(params=decay, weight_decay=recipe["weight_decay"]), dict(params=rest, weight_decay=0.0)]
        if recipe["optimizer"] == "sgd":
            self.opt = torch.optim.SGD(groups, lr=recipe["lr"], momentum=recipe["momentum"], nesterov=recipe["nesterov"])
        else:
            self.opt = torch.optim.AdamW(groups, lr=recipe["lr"])

    def _wrap(self):
        if self.ranks.world > 1:
            ids = [self.device] if self.device.type == "cuda" else None
            self.net = torch.nn.parallel.DistributedDataParallel(self.model, device_ids=ids)
        else:
            self.net = self.model

    # -- fine-tuning -------------------------------------------------------------------------------
    @torch.no_grad()
    def start_from(self, folded, source, pixels, keep_head=False):
        """Initialise from a trained network in inference form (an exported models/<id>/, BN folded
        into its convs): every conv, deconv and input affine is copied; each BN is re-created from the
        statistics its conv's outputs have on `pixels` (the new folder's pictures), so that the
        unfolded network computes what the folded one does in eval mode exactly, and in training mode
        (batch statistics) almost. `keep_head`: the same classes, so the head is kept too; else a new
        head is trained for the folder's classes."""
        size = stage_at(self.recipe, 0)[0]
        x = self._inputs(pixels[:256].to(self.device), size, False)
        stats = {}
        hooks = [m.conv.register_forward_hook(lambda mod, inp, out, name=name: stats.__setitem__(name, (out.mean((0, 2, 3)), out.var((0, 2, 3), unbiased=False))))
                 for name, m in folded.named_modules() if isinstance(m, ConvBN)]
        inputs = {}
        hooks += [m.register_forward_hook(lambda mod, inp, out, name=name: inputs.__setitem__(name, (inp[0].mean((0, 2, 3)), inp[0].var((0, 2, 3)))))
                  for name, m in folded.named_modules() if isinstance(m, Affine)]
        folded.to(self.device).eval()(x)
        for h in hooks:
            h.remove()
        mine = dict(self.model.named_modules())
        for name, m in folded.named_modules():
            if isinstance(m, ConvBN):
                dst = mine[name]
                mean_y, var = stats[name]
                dst.conv.weight.copy_(m.conv.weight)
                eps = dst.bn.eps
                dst.bn.running_mean.copy_(mean_y - m.conv.bias)   # the statistics of the bias-free conv
                dst.bn.running_var.copy_(var)
                dst.bn.weight.copy_(torch.sqrt(var + eps))
                dst.bn.bias.copy_(mean_y)
            elif isinstance(m, Affine):
                dst = mine[name]
                mean, var = inputs[name]
                dst.running_mean.copy_(mean)
                dst.running_var.copy_(var)
                dst.weight.copy_(m.scale * torch.sqrt(var.clamp(min=INPUT_BN_VAR_FLOOR) + dst.eps))
                dst.bias.copy_(m.shift + mean * m.scale)
            elif isinstance(m, torch.nn.ConvTranspose2d):
                mine[name].weight.copy_(m.weight)
            elif isinstance(m, torch.nn.Linear) and keep_head:
                mine[name].weight.copy_(m.weight)
                mine[name].bias.copy_(m.bias)
        self.source = source
        if self.recipe.get("teacher"):
            self.teacher, self.teacher_name = teacher_of(folded, self.device), source
        self._make_optimizer()

    # -- checkpoint --------------------------------------------------------------------------------
    def state(self):
        return dict(format="dctvision-resume-1", network=self.network, recipe=self.recipe, classes=self.classes,
                    class_ids=self.class_ids, class_names=self.class_names, n_train=self.n_train,
                    model=self.model.state_dict(), opt=self.opt.state_dict(), gen=self.gen.get_state(),
                    torch_rng=torch.get_rng_state(), epoch=self.epoch, step=self.step,
                    train_seconds=self.train_seconds, log=self.log, memory_format=self.memory_format,
                    source=self.source, prior=self.prior,
                    teacher=self.teacher.state_dict() if self.teacher is not None else None, teacher_name=self.teacher_name, hardware=hardware(self.device, self.ranks.world), torch=torch.__version__)

    @classmethod
    def from_state(cls, st, ranks=None):
        run = cls(st["network"], st["recipe"], st["classes"], st["n_train"], st["class_ids"], st["class_names"], ranks)
        run.model.load_state_dict(st["model"])
        run.opt.load_state_dict(st["opt"])
        if run.ranks.world == 1 and run.device.type == "cpu":
            run.gen.set_state(st["gen"])
            torch.set_rng_state(st["torch_rng"])
        else:  # another process layout: a fresh stream per process, continued from the epoch
            run.gen.manual_seed(st["recipe"]["seed"] * 1000 + 1 + run.ranks.rank + 7919 * st["epoch"])
        run.epoch, run.step, run.train_seconds = st["epoch"], st["step"], st["train_seconds"]
        run.log, run.source, run.prior = st["log"], st.get("source"), st.get("prior")
        if st.get("teacher") is not None:
            folded = Network(st["network"], st["recipe"]["width"], st["classes"]).eval().fold_()
            folded.load_state_dict(st["teacher"])
            run.teacher, run.teacher_name = teacher_of(folded, run.device), st.get("teacher_name")
        if st["memory_format"] and run.device.type == "cpu":
            run.set_memory_format(st["memory_format"])
        return run

    def save(self, path):
        if self.ranks.rank:
            return
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        torch.save(self.state(), tmp)
        os.replace(tmp, path)

    def final_checkpoint(self):
        """The float16 checkpoint evaluate.py reads."""
        hw = sorted({e["hardware"] for e in self.log})
        return dict(network=self.network, width=self.recipe["width"], classes=self.classes, class_ids=self.class_ids,
                    class_names=self.class_names,
                    state_dict=half_weights(self.model.state_dict()),
                    epochs=self.epoch, steps=self.step, train_seconds=self.train_seconds, hardware="; ".join(hw),
                    recipe=describe(self.recipe), **({"fine_tuned_from": self.source} if self.source else {}),
                    **({"prior": self.prior} if self.prior else {}),
                    **({"teacher": self.teacher_name} if self.teacher is not None else {}),
                    torch=torch.__version__)

    @property
    def done(self):
        return self.epoch >= epochs_of(self.recipe)

    # -- training ----------------------------------------------------------------------------------
    FORMATS = {"nchw": torch.contiguous_format, "channels_last": torch.channels_last}

    def _fmt(self, x):
        fmt = self.FORMATS[self.memory_format or "nchw"]
        return {k: v.contiguous(memory_format=fmt) for k, v in x.items()}

    def _autocast(self):
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.recipe["amp"] == "bf16")

    def _inputs(self, px, size, train, min_scale=1.0, whole=False):
        """The network's inputs for a batch of pixels; `whole` (training): (inputs, the same
        pictures' whole-file inputs), what the teacher reads."""
        n, dev = px.shape[0], px.device
        if train:
            q = torch.randint(self.recipe["quality"][0], self.recipe["quality"][1] + 1, (n,), generator=self.gen, device=dev)
            rgb = augment(px, self.gen, min_scale, size, self.recipe.get("sharp", 0.0))
            shifts = None
            if self.recipe.get("partial"):  # no draw otherwise: recipes without it keep their random stream
                shifts = random_shifts(n, self.gen, dev, self.recipe.get("scan_weights"))
                shifts[torch.rand(n, generator=self.gen, device=dev) >= self.recipe["partial"]] = 0
        else:
            q = torch.full((n,), 75, device=dev)
            rgb = px.float() if px.shape[-1] == size else F.interpolate(px.float(), size=(size, size), mode="area").round()
            shifts = None
        if whole:
            return tuple(self._fmt(x) for x in network_inputs(rgb, self.kind, q, shifts, whole=True))
        return self._fmt(network_inputs(rgb, self.kind, q, shifts))

    def set_memory_format(self, fmt):
        self.memory_format = fmt
        self.model.to(memory_format=self.FORMATS[fmt])

    def choose_memory_format(self, pixels, labels):
        """channels-last or contiguous, whichever trains this network faster here (measured, not
        assumed: the fastest layout differs between networks and CPUs)."""
        if self.memory_format is not None:
            return
        size, min_scale = stage_at(self.recipe, self.epoch)
        px, y = pixels[:64], labels[:64]
        times = {}
        saved = {k: v.clone() for k, v in self.model.state_dict().items()}
        rng = self.gen.get_state()
        for fmt in self.FORMATS:
            self.memory_format = fmt
            self.model.to(memory_format=self.FORMATS[fmt])
            probe = torch.optim.SGD(self.model.parameters(), lr=0.0)
            for i in range(3):
                if i == 1:
                    t = time.perf_counter()
                x = self._inputs(px, size, True, min_scale)
                with self._autocast():
                    loss = F.cross_entropy(self.model(x).float(), y)
                probe.zero_grad(set_to_none=True)
                loss.backward()
            times[fmt] = time.perf_counter() - t
        self.model.load_state_dict(saved)
        self.gen.set_state(rng)
        self.memory_format = min(times, key=times.get)
        self.model.to(memory_format=self.FORMATS[self.memory_format])
        self.opt.zero_grad(set_to_none=True)

    def train_epoch(self, pixels, labels):
        """One epoch over this process's `pixels` (uint8 NCHW, on the run's device)."""
        self.net.train()
        size, min_scale = stage_at(self.recipe, self.epoch)
        order = torch.randperm(pixels.shape[0], generator=self.gen, device=self.device)
        b = self.batch
        t0, c0 = time.time(), time.process_time()
        loss_sum, correct, seen = 0.0, 0, 0
        for i in range(self.steps_per_epoch):
            idx = order[i * b:(i + 1) * b]
            y = labels[idx]
            if self.teacher is not None:
                x, whole = self._inputs(pixels[idx], size, True, min_scale, whole=True)
            else:
                x = self._inputs(pixels[idx], size, True, min_scale)
            for g in self.opt.param_groups:
                g["lr"] = lr_at(self.recipe, self.step, self.total_steps)
            with self._autocast():
                logits = self.net(x)
            loss = F.cross_entropy(logits.float(), y, label_smoothing=self.recipe["label_smoothing"])
            if self.teacher is not None:
                loss = (1 - self.recipe["teacher"]) * loss + self.recipe["teacher"] * self._distillation(logits, whole)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            self.step += 1
            loss_sum += float(loss) * len(idx)
            correct += int((logits.argmax(1) == y).sum())
            seen += len(idx)
        seconds = time.time() - t0
        loss_sum, correct, seen = self.ranks.sum([loss_sum, correct, seen])
        self.epoch += 1
        self.train_seconds += seconds
        entry = dict(epoch=self.epoch, size=size, step=self.step, train_loss=round(loss_sum / seen, 5),
                     train_acc=round(correct / seen, 5), lr=lr_at(self.recipe, self.step - 1, self.total_steps),
                     epoch_seconds=round(seconds, 1), images_per_second=round(seen / seconds, 1),
                     # CPU time of all threads: unlike the wall clock, it does not grow while the process is stopped
                     cpu_seconds=round(time.process_time() - c0, 1), hardware=hardware(self.device, self.ranks.world),
                     memory_format=self.memory_format)
        self.log.append(entry)
        return entry

    def _distillation(self, logits, whole):
        """KL divergence from the teacher's answer on the whole file to the network's on what it
        was given (a cut or the same whole file): a cut is taught to answer as the whole file
        does, and a whole file to keep the answer the network started from."""
        with torch.no_grad(), self._autocast():
            target = F.softmax(self.teacher(whole).float(), dim=1)
        return F.kl_div(F.log_softmax(logits.float(), dim=1), target, reduction="batchmean")

    @torch.no_grad()
    def val_simulated(self, pixels, labels, size=224, batch=256):
        """Top-1 on val pixels re-compressed by the simulator at q75 (a training-time monitor;
        metrics.json comes from evaluate.py on the real files)."""
        self.model.eval()
        hits = 0
        for j in range(0, pixels.shape[0], batch):
            with self._autocast():
                hits += int((self.model(self._inputs(pixels[j:j + batch], size, False)).argmax(1) == labels[j:j + batch]).sum())
        hits, count = self.ranks.sum([hits, pixels.shape[0]])
        return hits / count


def teacher_of(folded, device):
    teacher = folded.to(device).eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    return teacher


def describe(recipe):
    """The recipe as metrics.json records it."""
    sched = ", ".join(f"{st[1]} epochs at {st[0]} px" + (f" (crops {st[2]:.0%}-100%)" if len(st) > 2 else "")
                      for st in recipe["schedule"])
    opt = (f"SGD momentum {recipe['momentum']}{' Nesterov' if recipe['nesterov'] else ''}" if recipe["optimizer"] == "sgd"
           else "AdamW")
    return dict(recipe, text=(f"{opt}, peak lr {recipe['lr']} (batch {recipe['batch']}), warm-up {recipe['warmup']:.0%} then cosine, "
                              f"weight decay {recipe['weight_decay']} (not on BN/bias), label smoothing {recipe['label_smoothing']}; "
                              f"{sched}; random resized crop ({recipe['min_scale']:.0%}-100% area) + flip, simulated JPEG "
                              f"q{recipe['quality'][0]}-{recipe['quality'][1]} 4:2:0; {recipe['amp']} autocast"
                              + (f"; input BN variance floor {recipe['input_bn_floor']:g} in training as in inference"
                                 if recipe.get("input_bn_floor") else "; input BN trained without a variance floor")
                              + (f"; {recipe['sharp']:.0%} of the pictures of the 224 px epochs kept at their own pixels (flip only)"
                                 if recipe.get("sharp") else "")
                              + (f"; {recipe['partial']:.0%} of the pictures cut as a progressive file is after its first scans"
                                 + (" (libjpeg's cuts after scans 1-9 drawn " + ":".join(f"{w:g}" for w in recipe["scan_weights"]) + ")"
                                    if recipe.get("scan_weights") else "")
                                 if recipe.get("partial") else "")
                              + (f"; loss {1 - recipe['teacher']:g} x cross-entropy + {recipe['teacher']:g} x KL divergence from "
                                 "the teacher network's answers on the same pictures' whole files" if recipe.get("teacher") else "")))
