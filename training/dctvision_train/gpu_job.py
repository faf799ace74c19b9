"""One GPU session's work for the shipped models (the training issue): unpack the
staged train split, load it onto the GPU once, train the networks one after another
with the same recipe within a time budget, then (optionally) the speed table; pack
float16 checkpoints and logs into $OUT in at most 8 files of at most 16 MiB.
Evaluation, export and metrics.json happen afterwards on the CPU (evaluate.py).

  scripts/stage-train.sh                  # here: build/stage/train-{1,2}.tar (< 60 MiB each)
  python3 -m dctvision_train.gpu_job --stage build/stage --out "$OUT" --epochs 40 --budget 520 --speed

Rehearse on the CPU with --limit-per-class 2 --epochs 1 --width 0.125."""
import argparse
import json
import tarfile
import time
from pathlib import Path

from . import bench_speed
from . import train
from .spec import load_specs


def main(argv=None):
    t_start = time.time()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stage", required=True, help="folder of train-*.tar parts")
    p.add_argument("--out", required=True)
    p.add_argument("--networks", default="all")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--width", type=float, default=0.25)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--budget", type=float, default=520, help="seconds; networks that would not finish are skipped")
    p.add_argument("--limit-per-class", type=int, default=None)
    p.add_argument("--speed", action="store_true", help="also run the speed table at width 1.0 and 0.25")
    p.add_argument("--speed-repeats", type=int, default=7)
    p.add_argument("--speed-batch", type=int, default=256)
    p.add_argument("--speed-iters", type=int, default=10)
    a = p.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    data_root = Path("/tmp/dctvision-data")
    if not (data_root / "train").is_dir():
        for tar in sorted(Path(a.stage).glob("train-*.tar")):
            with tarfile.open(tar) as t:
                t.extractall(data_root)
    names = list(load_specs()["networks"]) if a.networks == "all" else a.networks.split(",")
    common = ["--data", str(data_root), "--epochs", str(a.epochs), "--width", str(a.width), "--batch", str(a.batch), "--val-every", "0"]
    if a.limit_per_class:
        common += ["--limit-per-class", str(a.limit_per_class)]
    args0 = train.parse(["--network", names[0], "--out", str(out / "runs"), *common])
    ctx = train.setup(args0)
    data = train.load_data(args0, ctx)
    summary, durations = dict(networks={}, skipped=[]), []
    runs = out.parent / (out.name + "-runs")
    for name in names:
        elapsed = time.time() - t_start
        estimate = max(durations) if durations else 0
        if elapsed + estimate * 1.1 > a.budget:
            summary["skipped"].append(name)
            continue
        t0 = time.time()
        ck = train.fit(train.parse(["--network", name, "--out", str(runs / name), *common]), data, ctx)
        durations.append(time.time() - t0)
        log = [json.loads(line) for line in (runs / name / "log.jsonl").read_text().splitlines()]
        summary["networks"][name] = dict(seconds=round(durations[-1], 1), last_epoch=log[-1])
        print(f"== {name}: {durations[-1]:.0f}s, train acc {log[-1]['train_acc']:.3f}", flush=True)
    # Checkpoints in two tars (each well under 16 MiB at width 0.25), logs in the summary.
    done = [n for n in names if n in summary["networks"]]
    for i, part in enumerate((done[: (len(done) + 1) // 2], done[(len(done) + 1) // 2:])):
        if part:
            with tarfile.open(out / f"checkpoints-{i + 1}.tar", "w") as t:
                for n in part:
                    t.add(runs / n / "last.pt", arcname=f"{n}/last.pt")
                    t.add(runs / n / "log.jsonl", arcname=f"{n}/log.jsonl")
    if a.speed:
        for w, classes in ((1.0, 1000), (0.25, 10)):
            summary[f"speed_w{w}"] = bench_speed.main(["--width", str(w), "--classes", str(classes), "--repeats", str(a.speed_repeats),
                                                      "--batch", str(a.speed_batch), "--iters", str(a.speed_iters),
                                                      "--json", str(out / f"speed-w{w}.json")])
    summary["total_seconds"] = round(time.time() - t_start, 1)
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if not k.startswith("speed")}), flush=True)


if __name__ == "__main__":
    main()
