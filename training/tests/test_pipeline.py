"""The whole pipeline on the CPU with Debian's python3-torch, as training/README.md tells it:
train on a two-class folder, fine-tune a shipped model on it, evaluate and export each, and
classify with the exported folder in Node under the folder's class names."""
import json
import subprocess
import sys
import tempfile
import os
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "imagenette-224"
TWO = {"n03888257": "chutes", "n03445777": "balls"}  # parachute, golf ball, under other folder names


def two_class_folder(d, per_class=6, val_per_class=3):
    """A user's own folder: train/ and val/, one folder per class, named as the user likes."""
    root = Path(d) / "mine"
    for split, n in (("train", per_class), ("val", val_per_class)):
        for wnid, name in TWO.items():
            (root / split / name).mkdir(parents=True)
            for f in sorted((DATA / split / wnid).iterdir())[:n]:
                os.symlink(f, root / split / name / f.name)
    return root


def loopback_interface():
    """The name of the loopback network interface (lo on Linux), read from /sys rather than assumed."""
    net = Path("/sys/class/net")
    for dev in sorted(net.iterdir()) if net.is_dir() else []:
        if (dev / "type").read_text().strip() == "772":  # ARPHRD_LOOPBACK
            return dev.name
    return "lo"


class TinyPipeline(unittest.TestCase):
    def run_script(self, module, *args):
        r = subprocess.run([sys.executable, "-m", f"dctvision_train.{module}", *args], capture_output=True, text=True, cwd=ROOT / "training")
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        return r.stdout

    def cli_classes(self, model_dir, network, files):
        r = subprocess.run(["node", str(ROOT / "bin" / "dctvision.js"), "classify", *map(str, files), "--model", network,
                            "--model-url", str(model_dir), "--top", "2", "--json"], capture_output=True, text=True, cwd=ROOT)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        return [[p["className"] for p in res["predictions"]] for res in json.loads(r.stdout)]

    def test_train_then_fine_tune_a_shipped_model_on_a_two_class_folder(self):
        import torch
        with tempfile.TemporaryDirectory() as d:
            mine = two_class_folder(d)
            val = sorted((mine / "val").rglob("*.JPEG"))
            # from scratch: the README's command, one small epoch
            run, model = Path(d) / "run", Path(d) / "model"
            out = self.run_script("train", "--data", str(mine), "--network", "late-concat", "--out", str(run),
                                  "--set", "width=0.125", "--set", "batch=4", "--set", "schedule=[[64,1]]", "--memory-format", "nchw")
            self.assertIn("12 training pictures in 2 classes, 6 val", out)
            log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
            self.assertEqual([(e["epoch"], e["size"]) for e in log], [(1, 64)])
            self.assertIn("val_acc_simulated_q75", log[0])
            self.assertFalse((run / "resume.pt").exists())
            self.run_script("evaluate", "--checkpoint", str(run / "last.pt"), "--data", str(mine), "--out", str(model),
                            "--ts-images", "6", "--variants", "0")
            m = json.loads((model / "metrics.json").read_text())
            self.assertEqual((m["network"], m["classes"], m["val_images"], m["epochs"]), ("late-concat", 2, 6, 1))
            self.assertEqual(json.loads((model / "model.json").read_text())["classNames"], ["balls", "chutes"])
            for names in self.cli_classes(model, "late-concat", val):
                self.assertEqual(sorted(names), ["balls", "chutes"])

            # fine-tuned from the shipped Late-Concat: its recipe, a new two-class head, the folder's names
            tuned, tmodel = Path(d) / "tuned", Path(d) / "tmodel"
            self.run_script("train", "--data", str(mine), "--from", str(ROOT / "models" / "late-concat"), "--out", str(tuned),
                            "--set", "batch=4", "--set", "schedule=[[64,1]]", "--val-every", "0", "--memory-format", "nchw")
            ck = torch.load(tuned / "last.pt")
            self.assertEqual((ck["network"], ck["width"], ck["classes"], ck["class_names"]), ("late-concat", 0.25, 2, ["balls", "chutes"]))
            self.assertIn("late-concat (late-concat, 10 classes)", ck["fine_tuned_from"])
            self.assertEqual((ck["recipe"]["schedule"], ck["recipe"]["warmup"]), ([[64, 1]], 0.1))  # FINETUNE, its schedule changed by --set
            self.run_script("evaluate", "--checkpoint", str(tuned / "last.pt"), "--data", str(mine), "--out", str(tmodel),
                            "--ts-images", "6", "--variants", "0")
            self.assertEqual(json.loads((tmodel / "metrics.json").read_text())["ts_top1_agreement"], 1.0)
            for names in self.cli_classes(tmodel, "late-concat", val):
                self.assertEqual(sorted(names), ["balls", "chutes"])

    def test_fine_tuning_starts_from_the_shipped_function(self):
        """The exported network, BN folded, unfolded for training: in eval mode it gives the shipped
        logits (same classes, head kept); with new classes everything but the head is the same."""
        import torch
        from dctvision_train.export import load_exported
        from dctvision_train.trainer import FINETUNE, Run
        folded, doc = load_exported(ROOT / "models" / "late-concat-rfa")
        px = torch.randint(0, 256, (12, 3, 224, 224), dtype=torch.uint8)
        run = Run("late-concat-rfa", dict(FINETUNE, schedule=[[224, 1]]), 10, 12)
        run.start_from(folded, "test", px, keep_head=True)
        x = run._inputs(px, 224, False)
        with torch.no_grad():
            want, got = folded(x), run.model.eval()(x)
            self.assertLess(float((want - got).abs().max()), 1e-3 * float(want.abs().max()))
            run.model.train()
            trained_mode = run.model(x)  # batch statistics of these very pictures: close, not equal
            self.assertGreater(float(torch.nn.functional.cosine_similarity(trained_mode.flatten(), want.flatten(), dim=0)), 0.95)
        two = Run("late-concat-rfa", dict(FINETUNE, schedule=[[224, 1]]), 2, 12)
        two.start_from(folded, "test", px, keep_head=False)
        self.assertEqual(tuple(two.model.layers["head"].weight.shape), (2, folded.layers["head"].weight.shape[1]))
        self.assertTrue(torch.equal(two.model.layers["l0"].running_mean, run.model.layers["l0"].running_mean))

    def test_distributed_data_parallel_on_cpu(self):
        """Two processes with the environment torchrun sets (gloo on CPU)."""
        import socket
        import torch
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        with tempfile.TemporaryDirectory() as d:
            mine, run = two_class_folder(d, per_class=8), Path(d) / "run"
            procs = [subprocess.Popen(
                [sys.executable, "-m", "dctvision_train.train", "--network", "late-concat", "--data", str(mine), "--out", str(run),
                 "--set", "width=0.125", "--set", "batch=4", "--set", "schedule=[[32,2]]", "--memory-format", "nchw"],
                # gloo connects its pairs over the address the host name resolves to; on a machine where that is
                # not reachable the two processes wait on each other for half an hour, so loopback it is.
                env=dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), WORLD_SIZE="2", RANK=str(r), LOCAL_RANK=str(r),
                         GLOO_SOCKET_IFNAME=loopback_interface(), DCTVISION_DIST_TIMEOUT_S="60"),
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT / "training") for r in range(2)]
            try:
                outs = [p.communicate(timeout=150) for p in procs]
            except subprocess.TimeoutExpired:
                for p in procs:
                    p.kill()
                errs = [p.communicate()[1][-2000:] for p in procs]
                self.fail("the two processes did not finish in 150 s:\n" + "\n---\n".join(errs))
            for p, (_, err) in zip(procs, outs):
                self.assertEqual(p.returncode, 0, err[-3000:])
            log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
            self.assertEqual([e["step"] for e in log], [4, 8])  # 16 pictures, a global batch of 4 (2 per process)
            self.assertTrue(log[-1]["hardware"].endswith("x2"))
            self.assertIn("16 training pictures in 2 classes", outs[0][0])
            self.assertEqual(torch.load(run / "last.pt")["epochs"], 2)

    def test_zoo_resumes_exactly(self):
        """A zoo run stopped after one epoch and resumed ends with the same weights as one run straight through."""
        import torch
        # (the layout pinned: "auto" times both, and a different choice rounds differently)
        common = ["--networks", "late-concat", "--limit-per-class", "2", "--no-export", "--val-every", "0", "--memory-format", "nchw",
                  "--set", "width=0.125", "--set", "batch=8", "--set", "schedule=[[32,1],[48,2]]", "--data", str(DATA)]
        with tempfile.TemporaryDirectory() as d:
            straight, split = Path(d) / "straight", Path(d) / "split"
            self.run_script("zoo", *common, "--out", str(straight))
            out = self.run_script("zoo", *common, "--out", str(split), "--max-epochs", "1")
            self.assertIn("stopping", out)
            self.assertTrue((split / "late-concat" / "resume.pt").exists())
            other = subprocess.run([sys.executable, "-m", "dctvision_train.zoo", *common, "--set", "lr=0.1", "--out", str(split)],
                                   capture_output=True, text=True, cwd=ROOT / "training")
            self.assertNotEqual(other.returncode, 0)  # another recipe is refused, not continued
            self.assertIn("of another recipe ({'lr': (0.002, 0.1)}", other.stderr)
            self.assertIn("resuming at epoch 1/3", self.run_script("zoo", *common, "--out", str(split)))
            self.assertFalse((split / "late-concat" / "resume.pt").exists())
            a, b = (torch.load(p / "late-concat" / "last.pt") for p in (straight, split))
            self.assertEqual((a["epochs"], b["epochs"]), (3, 3))
            for k, v in a["state_dict"].items():
                self.assertTrue(torch.equal(v, b["state_dict"][k]), k)

    def test_zoo_commits_what_a_fresh_clone_needs_to_continue(self):
        """With --commit, a run stopped by its budget commits its resume checkpoint in the repository
        that holds --out, so a fresh clone continues it; the run that finishes commits its log and the
        removal of the resume file, never the weights (models/<id>/ holds those once exported)."""
        common = ["--networks", "late-concat", "--limit-per-class", "2", "--no-export", "--val-every", "0", "--memory-format", "nchw",
                  "--set", "width=0.125", "--set", "batch=8", "--set", "schedule=[[32,1],[48,2]]", "--data", str(DATA)]
        with tempfile.TemporaryDirectory() as d:
            git = lambda *a: subprocess.run(["git", "-C", d, *a], check=True, capture_output=True, text=True).stdout
            git("init", "-q")
            git("config", "user.email", "zoo@test")
            git("config", "user.name", "zoo test")
            out = Path(d) / "checkpoints" / "v9"
            self.assertIn("stopping", self.run_script("zoo", *common, "--out", str(out), "--max-epochs", "1", "--commit"))
            self.assertEqual(git("log", "--name-only", "--format=%s").split("\n")[:3],
                             ["late-concat: stopped by the zoo's budget at epoch 1/3; the next zoo run resumes it",
                              "", "checkpoints/v9/late-concat/resume.pt"])
            self.assertEqual(git("status", "--porcelain"), "")
            self.run_script("zoo", *common, "--out", str(out), "--commit")  # finishes: log in, resume file out
            self.assertEqual(sorted(git("show", "--name-status", "--format=", "HEAD").split("\n")[:-1]),
                             ["A\tcheckpoints/v9/late-concat/log.jsonl", "D\tcheckpoints/v9/late-concat/resume.pt"])
            self.assertEqual(git("status", "--porcelain", "--untracked-files=no"), "")


if __name__ == "__main__":
    unittest.main()
