"""PyTorch builder for the networks in src/engine/networks.json (NCHW). Every conv is
bias-free and followed by BatchNorm, so export can fold BN into it exactly;
padding is explicit (even kernels pad 0 before and 1 after) so the TypeScript
engine computes the same function."""
import torch
from torch import nn
import torch.nn.functional as F

from .spec import load_specs, pad_of, plan


class Affine(nn.Module):
    """Per-channel scale and shift: an input BatchNorm once folded for inference."""

    def __init__(self, channels):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(channels))
        self.shift = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        return x * self.scale.view(1, -1, 1, 1) + self.shift.view(1, -1, 1, 1)


def bn_scale_shift(bn):
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    return scale, bn.bias - bn.running_mean * scale


# The input BN of a DCT network sees channels that are almost always exactly zero in training
# (high frequencies quantized away, chroma above all: 83 of Late-Concat-RFA's 128 chroma
# channels have a running variance < 1). Dividing by that variance turns the small non-zero
# values real files carry there (another encoder's chroma, the prep's resampling) into noise
# dozens of times larger than anything seen in training. On training data those channels are
# ~0, so the floor leaves the network's function there unchanged.
INPUT_BN_VAR_FLOOR = 4.0  # dequantized coefficient units: a standard deviation of 2


class InputBatchNorm(nn.BatchNorm2d):
    """BatchNorm on a network input whose inference (eval mode and the folded affine) uses
    max(running_var, INPUT_BN_VAR_FLOOR). `train_floor` > 0 applies the same floor to the batch
    variance in training, so a network learns with the normalization it runs with (every shipped
    network does: the recipe's `input_bn_floor`); with train_floor 0 the floor applies at
    inference only."""

    def __init__(self, channels, train_floor=0.0):
        super().__init__(channels)
        self.train_floor = train_floor

    def forward(self, x):
        if not self.training:
            return nn.functional.batch_norm(x, self.running_mean, self.running_var.clamp(min=INPUT_BN_VAR_FLOOR),
                                            self.weight, self.bias, False, 0.0, self.eps)
        if not self.train_floor:
            return super().forward(x)
        mean = x.mean(dim=(0, 2, 3))
        var = x.var(dim=(0, 2, 3), unbiased=False)
        with torch.no_grad():
            n = x.numel() // x.shape[1]
            self.running_mean.lerp_(mean, self.momentum)
            self.running_var.lerp_(var * n / max(n - 1, 1), self.momentum)
            self.num_batches_tracked += 1
        scale = self.weight / torch.sqrt(var.clamp(min=self.train_floor) + self.eps)
        return x * scale.view(1, -1, 1, 1) + (self.bias - mean * scale).view(1, -1, 1, 1)


def input_bn_scale_shift(bn):
    scale = bn.weight / torch.sqrt(bn.running_var.clamp(min=INPUT_BN_VAR_FLOOR) + bn.eps)
    return scale, bn.bias - bn.running_mean * scale


class ConvBN(nn.Module):
    def __init__(self, cin, cout, k, stride, relu):
        super().__init__()
        self.pad = pad_of(k)
        self.stride = stride
        self.conv = nn.Conv2d(cin, cout, k, stride, padding=0, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.relu = relu

    @torch.no_grad()
    def fold_(self):
        """BN folded into the conv (exact in eval mode): w·s, β − μ·s."""
        scale, shift = bn_scale_shift(self.bn)
        folded = nn.Conv2d(self.conv.in_channels, self.conv.out_channels, self.conv.kernel_size, self.stride, bias=True)
        folded.weight.copy_(self.conv.weight * scale.view(-1, 1, 1, 1))
        folded.bias.copy_(shift)
        self.conv, self.bn = folded, nn.Identity()

    def forward(self, x):
        pb, pa = self.pad
        if pb or pa:
            x = F.pad(x, (pb, pa, pb, pa))
        x = self.bn(self.conv(x))
        return F.relu(x) if self.relu else x


class Bottleneck(nn.Module):
    """ResNet v1 bottleneck: stride on the first 1×1 and on the projection."""

    def __init__(self, b):
        super().__init__()
        self.a = ConvBN(b["cin"], b["mid"], 1, b["stride"], True)
        self.b = ConvBN(b["mid"], b["mid"], b["k"], 1, True)
        self.c = ConvBN(b["mid"], b["out"], 1, 1, False)
        self.proj = ConvBN(b["cin"], b["out"], 1, b["stride"], False) if b["shortcut"] == "projection" else None

    def forward(self, x):
        y = self.c(self.b(self.a(x)))
        return F.relu(y + (self.proj(x) if self.proj is not None else x))


class Network(nn.Module):
    """forward(inputs) takes a dict of NCHW tensors named as the spec's inputs."""

    def __init__(self, name, width=0.25, classes=10, spec_doc=None, input_bn_train_floor=0.0):
        super().__init__()
        self.plan = plan(spec_doc or load_specs(), name, width, classes)
        self.layers = nn.ModuleDict()
        for s in self.plan["steps"]:
            op, key = s["op"], s["id"].replace(".", "_")
            if op == "bn":
                self.layers[key] = InputBatchNorm(s["channels"], input_bn_train_floor)
            elif op == "conv":
                self.layers[key] = ConvBN(s["cin"], s["cout"], s["k"], s["stride"], s.get("relu", True))
            elif op == "deconv":
                self.layers[key] = nn.ConvTranspose2d(s["cin"], s["cout"], s["k"], s["stride"], bias=False)
            elif op in ("stage", "blocks"):
                self.layers[key] = nn.Sequential(*[Bottleneck(b) for b in s["resolved"]])
            elif op == "head":
                self.layers[key] = nn.Linear(s["cin"], s["classes"])

    @torch.no_grad()
    def fold_(self):
        """Inference form: every BN folded into its conv, input BNs as per-channel affines."""
        for m in list(self.modules()):
            if isinstance(m, ConvBN) and not isinstance(m.bn, nn.Identity):
                m.fold_()
        for s in self.plan["steps"]:
            key = s["id"].replace(".", "_")
            if s["op"] == "bn" and isinstance(self.layers[key], nn.BatchNorm2d):
                bn, aff = self.layers[key], Affine(s["channels"])
                aff.scale.copy_(input_bn_scale_shift(bn)[0])
                aff.shift.copy_(input_bn_scale_shift(bn)[1])
                self.layers[key] = aff
        return self

    def forward(self, inputs):
        t = dict(inputs)
        for s in self.plan["steps"]:
            op, key = s["op"], s["id"].replace(".", "_")
            if op == "concat":
                t[s["to"]] = torch.cat([t[n] for n in s["from"]], dim=1)
            elif op == "upsample":
                t[s["to"]] = F.interpolate(t[s["from"]], scale_factor=s["factor"], mode="nearest")
            elif op == "maxpool":
                t[s["to"]] = F.max_pool2d(t[s["from"]], s["k"], s["stride"], s.get("pad", 0))
            elif op == "head":
                return self.layers[key](t[s["from"]].mean(dim=(2, 3)))
            else:
                t[s["to"]] = self.layers[key](t[s["from"]])
        raise AssertionError("spec has no head")


def count(model):
    """Weights of convs and the fully connected layer (BN and conv biases excluded), as the spec counts them."""
    return sum(m.weight.numel() for m in model.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))) + sum(
        m.weight.numel() + m.bias.numel() for m in model.modules() if isinstance(m, nn.Linear))


def named_inference_tensors(model):
    """The folded model's tensors under the names and layouts the TypeScript engine
    reads (src/engine/plan.ts weightShapes): conv [kh,kw,in,out], transposed conv
    [kh,kw,out,in], fully connected [in,classes]."""
    out = {}
    for s in model.plan["steps"]:
        key, op = s["id"].replace(".", "_"), s["op"]
        mod = model.layers[key] if key in model.layers else None
        if op == "bn":
            out[f"{s['id']}.scale"], out[f"{s['id']}.shift"] = mod.scale, mod.shift
        elif op == "conv":
            out[f"{s['id']}.w"], out[f"{s['id']}.b"] = mod.conv.weight.permute(2, 3, 1, 0), mod.conv.bias
        elif op == "deconv":
            out[f"{s['id']}.w"] = mod.weight.permute(2, 3, 1, 0)
        elif op in ("stage", "blocks"):
            for b, blk in zip(s["resolved"], mod):
                for part in ("a", "b", "c", "proj"):
                    cb = getattr(blk, part)
                    if cb is not None:
                        out[f"{b['id']}.{part}.w"], out[f"{b['id']}.{part}.b"] = cb.conv.weight.permute(2, 3, 1, 0), cb.conv.bias
        elif op == "head":
            out["head.w"], out["head.b"] = mod.weight.t(), mod.bias
    return {k: v.detach().contiguous() for k, v in out.items()}


@torch.no_grad()
def load_inference_tensors(model, tensors):
    """Inverse of named_inference_tensors, into a folded model."""
    for name, param in named_inference_tensors(model).items():
        if name not in tensors:
            raise KeyError(f"missing tensor {name!r}")
        src = torch.as_tensor(tensors[name], dtype=torch.float32)
        if tuple(src.shape) != tuple(param.shape):
            raise ValueError(f"tensor {name!r} has shape {tuple(src.shape)}, expected {tuple(param.shape)}")
    for s in model.plan["steps"]:
        key, op = s["id"].replace(".", "_"), s["op"]
        mod = model.layers[key] if key in model.layers else None
        t = lambda n: torch.as_tensor(tensors[n], dtype=torch.float32)
        if op == "bn":
            mod.scale.copy_(t(f"{s['id']}.scale"))
            mod.shift.copy_(t(f"{s['id']}.shift"))
        elif op == "conv":
            mod.conv.weight.copy_(t(f"{s['id']}.w").permute(3, 2, 0, 1))
            mod.conv.bias.copy_(t(f"{s['id']}.b"))
        elif op == "deconv":
            mod.weight.copy_(t(f"{s['id']}.w").permute(3, 2, 0, 1))
        elif op in ("stage", "blocks"):
            for b, blk in zip(s["resolved"], mod):
                for part in ("a", "b", "c", "proj"):
                    cb = getattr(blk, part)
                    if cb is not None:
                        cb.conv.weight.copy_(t(f"{b['id']}.{part}.w").permute(3, 2, 0, 1))
                        cb.conv.bias.copy_(t(f"{b['id']}.{part}.b"))
        elif op == "head":
            mod.weight.copy_(t("head.w").t())
            mod.bias.copy_(t("head.b"))


@torch.no_grad()
def randomize_batchnorm(model, generator):
    """Random BN affine parameters and running statistics (for tests and parity
    fixtures: with default statistics, BN folding would go untested)."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.copy_(torch.rand(m.weight.shape, generator=generator) + 0.5)
            m.bias.copy_(torch.randn(m.bias.shape, generator=generator) * 0.1)
            m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=generator) * 0.1)
            m.running_var.copy_(torch.rand(m.running_var.shape, generator=generator) + 0.5)
