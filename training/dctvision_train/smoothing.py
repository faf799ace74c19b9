"""Estimates of a block's lowest AC coefficients from its neighbours' DC values, where a
progressive file has not sent them yet: libjpeg's block smoothing (jdcoefct.c,
decompress_smooth_data), which it applies to paint early scans of progressive files. Written
here on network input planes (dequantized coefficients, channel 8*v+u), apart from the
library's own (src/prep/smoothing.ts), which the tests hold to this one."""
import torch
import torch.nn.functional as F

# AC coefficient (natural order) -> weights over the 3x3 neighbourhood of DC values, /256:
# libjpeg's 36*(left - right), 36*(up - down), 9*(up + down - 2*centre), 5*(ul - ur - dl + dr),
# 9*(left + right - 2*centre), each in units of the coefficient's own quantization step.
_ESTIMATES = {
    1: [[0, 0, 0], [36, 0, -36], [0, 0, 0]],
    8: [[0, 36, 0], [0, 0, 0], [0, -36, 0]],
    16: [[0, 9, 0], [0, -18, 0], [0, 9, 0]],
    9: [[5, 0, -5], [0, 0, 0], [-5, 0, 5]],
    2: [[0, 0, 0], [9, -18, 9], [0, 0, 0]],
}
SMOOTHED = tuple(_ESTIMATES)

# zigzag position -> natural index (scan headers count bands in zigzag order)
ZIGZAG = [0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
          35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63]


def smooth(x, absent):
    """x: [N, 64, H, W] dequantized coefficients of one component; absent: AC indices the file has
    not sent. Each absent one of SMOOTHED gets its estimate (edge blocks repeat, as in libjpeg);
    the rest is returned as it is."""
    todo = [k for k in SMOOTHED if k in absent]
    if not todo:
        return x
    dc = F.pad(x[:, :1], (1, 1, 1, 1), mode="replicate")
    kernels = torch.tensor([_ESTIMATES[k] for k in todo], dtype=x.dtype)[:, None] / 256.0
    est = F.conv2d(dc, kernels)
    out = x.clone()
    out[:, todo] = est
    return out


def ac_received(data):
    """Per component (frame order), the set of AC coefficients (natural indices 1-63) some scan of `data` has sent."""
    pos, order, got = 2, [], []
    while pos + 4 <= len(data):
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker == 0xD9:
            break
        length = data[pos + 2] << 8 | data[pos + 3]
        seg = data[pos + 4:pos + 2 + length]
        if marker in (0xC0, 0xC1, 0xC2):
            order = [seg[6 + 3 * i] for i in range(seg[5])]
            got = [set() for _ in order]
        pos += 2 + length
        if marker == 0xDA:
            ns = seg[0]
            ss, se = seg[1 + 2 * ns], seg[2 + 2 * ns]
            for i in range(ns):
                c = order.index(seg[1 + 2 * i])
                got[c].update(ZIGZAG[k] for k in range(max(ss, 1), se + 1))
            while pos + 1 < len(data) and not (data[pos] == 0xFF and data[pos + 1] not in (0x00, 0xFF) and not 0xD0 <= data[pos + 1] <= 0xD7):
                pos += 1
    return got
