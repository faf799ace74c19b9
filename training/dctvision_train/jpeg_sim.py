"""JPEG encoding simulated on the GPU, batched, for training: what libjpeg's
encoder (cjpeg, 4:2:0, standard tables at a given quality) and decoder (djpeg)
would produce, so DCT networks train on the coefficients the browser hands them
and the RGB baseline on the same compressed image decoded back.

Mirrors libjpeg where it matters: JFIF RGB->YCbCr rounded to integer samples,
chroma 2x2 averaging with libjpeg's alternating rounding bias, level shift,
8x8 DCT (the JPEG DCT is the orthonormal DCT-II), quality-scaled standard
tables (jpeg_quality_scaling + force_baseline), rounding half away from zero.
Decoding: dequantize, inverse DCT, +128, round and clamp, "fancy" (triangular)
chroma upsampling as libjpeg's h2v2_fancy_upsample, YCbCr->RGB."""
import math

import torch
import torch.nn.functional as F

STD_LUMA = [16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
            14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
            49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99]
STD_CHROMA = [17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
              47, 66, 99, 99, 99, 99, 99, 99] + [99] * 32


def quant_tables(quality):
    """[N, 64] luma and chroma tables for integer qualities (libjpeg's scaling, baseline-clamped)."""
    q = torch.as_tensor(quality, dtype=torch.long).clamp(1, 100)
    scale = torch.where(q < 50, 5000 // q, 200 - 2 * q)
    def table(base):
        t = (torch.tensor(base, device=q.device)[None, :] * scale[:, None] + 50) // 100
        return t.clamp(1, 255).float()
    return table(STD_LUMA), table(STD_CHROMA)


def dct_matrix(device=None):
    k = torch.arange(8, dtype=torch.float64)
    d = torch.cos((2 * k[None, :] + 1) * k[:, None] * math.pi / 16) * math.sqrt(2 / 8)
    d[0] /= math.sqrt(2)
    return d.float().to(device)


def to_blocks(plane):
    """[N, H, W] -> [N, H/8, W/8, 8, 8]"""
    n, h, w = plane.shape
    return plane.reshape(n, h // 8, 8, w // 8, 8).permute(0, 1, 3, 2, 4)


def from_blocks(blocks):
    n, bh, bw = blocks.shape[:3]
    return blocks.permute(0, 1, 3, 2, 4).reshape(n, bh * 8, bw * 8)


def round_half_away(x):
    return torch.sign(x) * torch.floor(x.abs() + 0.5)


def rgb_to_ycbcr(rgb):
    """[N,3,H,W] 0..255 -> integer-valued Y, Cb, Cr planes (libjpeg jccolor, rounded)."""
    r, g, b = rgb[:, 0], rgb[:, 1], rgb[:, 2]
    y = torch.floor(0.29900 * r + 0.58700 * g + 0.11400 * b + 0.5)
    cb = torch.floor(-0.16874 * r - 0.33126 * g + 0.50000 * b + 128 + 0.5 - 1e-6)
    cr = torch.floor(0.50000 * r - 0.41869 * g - 0.08131 * b + 128 + 0.5 - 1e-6)
    return y.clamp(0, 255), cb.clamp(0, 255), cr.clamp(0, 255)


def downsample2(plane):
    """libjpeg h2v2_downsample: (sum of 2x2 + bias) >> 2 with bias 1,2,1,2 along a row."""
    n, h, w = plane.shape
    s = plane.reshape(n, h // 2, 2, w // 2, 2).sum(dim=(2, 4))
    bias = torch.tensor([1.0, 2.0], device=plane.device).repeat(w // 4 + 1)[: w // 2]
    return torch.floor((s + bias) / 4)


def forward_dct(plane, qtable):
    """Integer sample plane [N,H,W] -> quantized coefficients [N, H/8, W/8, 64] (natural order)."""
    d = dct_matrix(plane.device)
    b = to_blocks(plane - 128.0)
    coef = d @ b @ d.T
    q = qtable.view(-1, 1, 1, 8, 8)
    return round_half_away(coef / q).reshape(*coef.shape[:3], 64)


def inverse_dct(coef, qtable):
    """Quantized coefficients [N,bh,bw,64] -> sample plane [N, 8bh, 8bw], rounded and clamped like libjpeg."""
    d = dct_matrix(coef.device)
    c = coef.reshape(*coef.shape[:3], 8, 8) * qtable.view(-1, 1, 1, 8, 8)
    return torch.floor(from_blocks(d.T @ c @ d) + 128 + 0.5).clamp(0, 255)


def fancy_upsample2(plane):
    """libjpeg h2v2_fancy_upsample: each output sample is 9/16 nearest + 3/16 + 3/16 + 1/16
    of the neighbours (edges replicated), with its alternating +8/+7 rounding."""
    x = plane[:, None]
    up = F.pad(x, (0, 0, 1, 1), mode="replicate")
    near, above, below = up[:, :, 1:-1], up[:, :, :-2], up[:, :, 2:]
    rows_top = 3 * near + above        # output rows 2i
    rows_bot = 3 * near + below        # output rows 2i+1
    rows = torch.stack([rows_top, rows_bot], dim=3).reshape(x.shape[0], 1, -1, x.shape[3])
    side = F.pad(rows, (1, 1, 0, 0), mode="replicate")
    c, left, right = side[..., 1:-1], side[..., :-2], side[..., 2:]
    even = torch.floor((3 * c + left + 8) / 16)   # output column 2j
    odd = torch.floor((3 * c + right + 7) / 16)   # output column 2j+1
    return torch.stack([even, odd], dim=4).reshape(x.shape[0], -1, x.shape[3] * 2)


def ycbcr_to_rgb(y, cb, cr):
    r = y + 1.40200 * (cr - 128)
    g = y - 0.34414 * (cb - 128) - 0.71414 * (cr - 128)
    b = y + 1.77200 * (cb - 128)
    return torch.floor(torch.stack([r, g, b], dim=1) + 0.5).clamp(0, 255)


def encode(rgb, quality):
    """RGB [N,3,H,W] (H, W multiples of 16) -> quantized coefficients (y, cb, cr) and the tables."""
    ql, qc = quant_tables(torch.as_tensor(quality, device=rgb.device).expand(rgb.shape[0]))
    y, cb, cr = rgb_to_ycbcr(rgb.float())
    return (forward_dct(y, ql), forward_dct(downsample2(cb), qc), forward_dct(downsample2(cr), qc)), (ql, qc)


def decode(coefs, tables):
    """Quantized (y, cb, cr) + tables -> RGB [N,3,H,W] as djpeg would produce (0..255)."""
    (y, cb, cr), (ql, qc) = coefs, tables
    return ycbcr_to_rgb(inverse_dct(y, ql), fancy_upsample2(inverse_dct(cb, qc)), fancy_upsample2(inverse_dct(cr, qc)))


def dequantized_nhwc(coefs, tables):
    """What the DCT networks take: coefficients x quantization entry, [N, bh, bw, 64] per plane."""
    (y, cb, cr), (ql, qc) = coefs, tables
    return {"y": y * ql[:, None, None, :], "cb": cb * qc[:, None, None, :], "cr": cr * qc[:, None, None, :]}
