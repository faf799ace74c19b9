"""Training throughput per network and resolution, read from the per-epoch logs the zoo writes
(`<folder>/<id>.log.jsonl`): for each input size, the median and the best images/s over its
epochs (the median shrugs off epochs that shared the cores with other work; the best is the
closest to the machine alone), and each network's hours of epochs and, where the log has
it, its process CPU time (all threads: about twice the hours on 2 cores). Prints a table and
writes JSON.

  python3 -m dctvision_train.train_speeds checkpoints/v1 checkpoints --json ../runs/train-speeds.json"""
import argparse
import json
import statistics
from pathlib import Path

from .spec import load_specs


def read_log(path):
    """Epoch rows by epoch number; a resumed run that logged an epoch again keeps its last row."""
    rows = {}
    for line in Path(path).read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            if "epoch_seconds" in r:
                rows[r["epoch"]] = r
    return [rows[e] for e in sorted(rows)]


def summarize(rows):
    sizes = {}
    for r in rows:
        sizes.setdefault(r["size"], []).append(r)
    cpu = [r["cpu_seconds"] for r in rows if "cpu_seconds" in r]
    return {
        "epochs": len(rows),
        "hours": round(sum(r["epoch_seconds"] for r in rows) / 3600, 3),
        "cpu_time_hours": round(sum(cpu) / 3600, 3) if len(cpu) == len(rows) else None,
        "hardware": sorted({r["hardware"] for r in rows if "hardware" in r}),
        # chosen by timing at a network's start, so it can differ between runs of one network
        "memory_formats": sorted({r["memory_format"] for r in rows if r.get("memory_format")}),
        "by_size": {str(s): size_summary(rs) for s, rs in sorted(sizes.items())},
    }


def size_summary(rs):
    best = max(rs, key=lambda r: r["images_per_second"])
    return {"epochs": len(rs), "median_img_s": round(statistics.median(r["images_per_second"] for r in rs), 1),
            "best_img_s": best["images_per_second"], "best_epoch": best["epoch"]}


def table(results):
    sizes = sorted({int(s) for by in results.values() for n in by.values() for s in n["by_size"]})
    head = "| folder | network | " + " | ".join(f"{s} px median / best img/s" for s in sizes) + " | epochs | hours of epochs | CPU time, h (all threads) | layout |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for folder, by in results.items():
        for net, n in by.items():
            cells = []
            for s in sizes:
                c = n["by_size"].get(str(s))
                cells.append(f"{c['median_img_s']:.0f} / {c['best_img_s']:.0f}" if c else "—")
            cpu = f"{n['cpu_time_hours']:.2f}" if n["cpu_time_hours"] is not None else "—"
            lines.append(f"| {folder} | {net} | " + " | ".join(cells) + f" | {n['epochs']} | {n['hours']:.2f} | {cpu} | {', '.join(n['memory_formats']) or '—'} |")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folders", nargs="+", help="checkpoint folders holding <id>.log.jsonl")
    p.add_argument("--json", default=None, help="write the figures here")
    args = p.parse_args(argv)
    order = list(load_specs()["networks"])
    results = {}
    for folder in args.folders:
        logs = {f.name[: -len(".log.jsonl")]: f for f in Path(folder).glob("*.log.jsonl")}
        rows = {net: read_log(logs[net]) for net in order if net in logs}
        results[folder] = {net: summarize(r) for net, r in rows.items() if r}
    print(table(results))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
