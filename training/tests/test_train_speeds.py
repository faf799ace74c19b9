"""train_speeds reads the zoo's epoch logs: an epoch a resumed run logged twice counts once,
CPU time is given only when every epoch has it (version 1's logs do not), and the memory
layouts the runs chose are listed."""
import json
import tempfile
import unittest
from pathlib import Path

from dctvision_train.train_speeds import read_log, summarize


def row(epoch, size, ips, secs, cpu=None):
    r = {"epoch": epoch, "size": size, "images_per_second": ips, "epoch_seconds": secs, "hardware": "CPU"}
    if cpu is not None:
        r["cpu_seconds"] = cpu
    return r


def write(rows):
    f = Path(tempfile.mkdtemp()) / "net.log.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return f


class TrainSpeeds(unittest.TestCase):
    def test_a_relogged_epoch_counts_once_with_its_last_row(self):
        rows = read_log(write([row(1, 128, 100, 36, 70), row(2, 128, 10, 360, 72), row(2, 128, 200, 18, 36), row(3, 224, 50, 72, 140)]))
        self.assertEqual([r["epoch"] for r in rows], [1, 2, 3])
        s = summarize(rows)
        self.assertEqual(s["epochs"], 3)
        self.assertEqual(s["by_size"]["128"], {"epochs": 2, "median_img_s": 150.0, "best_img_s": 200, "best_epoch": 2})
        self.assertEqual(s["by_size"]["224"]["median_img_s"], 50.0)
        self.assertAlmostEqual(s["hours"], (36 + 18 + 72) / 3600, places=3)
        self.assertAlmostEqual(s["cpu_time_hours"], (70 + 36 + 140) / 3600, places=3)

    def test_the_memory_layouts_a_run_used_are_listed_and_old_logs_have_none(self):
        rows = [dict(row(1, 128, 100, 36, 70), memory_format="nchw"), dict(row(2, 128, 90, 40, 80), memory_format="channels_last")]
        self.assertEqual(summarize(rows)["memory_formats"], ["channels_last", "nchw"])
        self.assertEqual(summarize([row(1, 128, 100, 36)])["memory_formats"], [])

    def test_no_cpu_time_unless_every_epoch_has_it(self):
        self.assertIsNone(summarize([row(1, 128, 100, 36), row(2, 128, 90, 40, 80)])["cpu_time_hours"])


if __name__ == "__main__":
    unittest.main()
