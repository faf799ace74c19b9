"""What a progressive JPEG holds before its last byte, simulated on quantized coefficients.

A progressive file sends each component's coefficients in bands of zig-zag frequencies
(Ss..Se), first with the lowest Al bits left out (successive approximation), later refined
one bit at a time. Cut after any scan it is still a valid file: libjpeg decodes the absent
bands as zeros and each partly sent coefficient as what its high bits say - for AC bands the
magnitude truncated (|c| >> Al << Al, sign kept), for DC the arithmetic shift (c >> Al << Al).

A cut is described by a "shift" per component and natural-order frequency: the number of low
bits still missing (0: exact), or ABSENT. The networks train on such cuts so that a verdict
after the first scans is as good as a pixel network's on the same bytes."""
import torch

ABSENT = 16  # more bits than any coefficient has: the band is not there yet

# ZIGZAG[k] is the natural (row-major) index of the k-th coefficient in zig-zag order.
ZIGZAG = [0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21,
          28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54,
          47, 55, 62, 63]

# (components, Ss, Se, Ah, Al): libjpeg's jpeg_simple_progression for YCbCr, what
# `jpegtran -progressive` and `cjpeg -progressive` write (component 0: Y, 1: Cb, 2: Cr).
LIBJPEG_SCRIPT = [
    ((0, 1, 2), 0, 0, 0, 1),
    ((0,), 1, 5, 0, 2),
    ((2,), 1, 63, 0, 1),
    ((1,), 1, 63, 0, 1),
    ((0,), 6, 63, 0, 2),
    ((0,), 1, 63, 2, 1),
    ((0, 1, 2), 0, 0, 1, 0),
    ((2,), 1, 63, 1, 0),
    ((1,), 1, 63, 1, 0),
    ((0,), 1, 63, 1, 0),
]


def shifts_after(script, scans):
    """[3, 64] missing low bits per component and natural-order frequency after the first `scans` scans."""
    out = torch.full((3, 64), ABSENT, dtype=torch.long)
    for comps, ss, se, _ah, al in script[:scans]:
        for c in comps:
            out[c, [ZIGZAG[k] for k in range(ss, se + 1)]] = al
    return out


def band_shifts(y_last, c_last, y_al, c_al, dc_al):
    """[3, 64]: DC with dc_al bits missing, zig-zag 1..y_last of luma (c_last of chroma) with y_al (c_al)
    missing, the rest absent - the shape of any scan script cut after its first few scans."""
    out = torch.full((3, 64), ABSENT, dtype=torch.long)
    out[:, 0] = dc_al
    for comp, last, al in ((0, y_last, y_al), (1, c_last, c_al), (2, c_last, c_al)):
        out[comp, [ZIGZAG[k] for k in range(1, last + 1)]] = al
    return out


# Cuts the networks train on: every cut of libjpeg's script, and the shapes other encoders'
# scripts leave (mozjpeg and jpegli send DC, then a short lowest luma band, then the rest,
# with or without successive approximation).
LAST_FREQ = [0, 2, 5, 9, 14, 20, 27, 35, 63]


def random_shifts(n, gen, device=None, scan_weights=None):
    """[n, 3, 64] shifts: half from libjpeg's cuts (after scan 1..9, drawn in proportion to
    `scan_weights` if given, else evenly), half random band shapes."""
    lib = torch.stack([shifts_after(LIBJPEG_SCRIPT, k) for k in range(1, len(LIBJPEG_SCRIPT))])
    draw = lambda hi, *shape: torch.randint(0, hi, shape, generator=gen, device=gen.device).cpu()
    if scan_weights is None:
        out = lib[draw(len(lib), n)].clone()
    else:
        w = torch.tensor(scan_weights, dtype=torch.float, device=gen.device)
        out = lib[torch.multinomial(w, n, replacement=True, generator=gen).cpu()].clone()
    shaped = torch.rand(n, generator=gen, device=gen.device).cpu() < 0.5
    idx, al, dc_al = draw(len(LAST_FREQ), n, 2), draw(3, n, 3), draw(2, n)
    for i in torch.nonzero(shaped).flatten().tolist():
        y_last = LAST_FREQ[int(idx[i, 0])]
        c_last = min(y_last, LAST_FREQ[int(idx[i, 1])])
        out[i] = band_shifts(y_last, c_last, int(al[i, 0]), int(al[i, 1]), int(dc_al[i]))
    return out.to(device)


def cut(coefs, shifts):
    """Quantized (y, cb, cr) [N, bh, bw, 64] as libjpeg decodes them from a file cut where `shifts` [N, 3, 64] say."""
    out = []
    for comp, c in enumerate(coefs):
        s = shifts[:, comp][:, None, None, :].to(c.device)
        step = torch.pow(2.0, s.clamp(max=ABSENT).float())
        ac = torch.sign(c) * torch.floor(c.abs() / step) * step
        dc = torch.floor(c / step) * step
        kept = torch.where(torch.arange(64, device=c.device) == 0, dc, ac)
        out.append(torch.where(s >= ABSENT, torch.zeros_like(c), kept))
    return tuple(out)


def scan_ends(data):
    """Byte offsets where each scan of a JPEG file ends (its entropy-coded data included)."""
    ends, pos, n = [], 2, len(data)
    while pos + 4 <= n:
        if data[pos] != 0xFF:
            raise ValueError(f"no marker at byte {pos}")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:
            break
        pos += 2 + (data[pos + 2] << 8 | data[pos + 3])
        if marker == 0xDA:  # entropy-coded data runs to the next marker other than RSTn or a stuffed zero
            while pos + 1 < n and not (data[pos] == 0xFF and data[pos + 1] not in (0x00, 0xFF) and not 0xD0 <= data[pos + 1] <= 0xD7):
                pos += 1
            ends.append(pos)
    return ends


def component_count(data):
    """Nf of the file's frame header (SOF0-SOF2): 1 for grayscale, 3 for colour."""
    pos = 2
    while pos + 9 < len(data):
        marker = data[pos + 1]
        if marker in (0xC0, 0xC1, 0xC2):
            return data[pos + 9]
        pos += 2 + (data[pos + 2] << 8 | data[pos + 3])
    raise ValueError("no frame header")


def cut_file(data, scans):
    """The file's first `scans` scans and an EOI: what a browser holds once those scans have arrived."""
    return bytes(data[:scan_ends(data)[scans - 1]]) + b"\xff\xd9"
