"""The training augmentation's `sharp` share: pictures kept at their own pixels (flip only) in
the stages at their own size, and nothing drawn otherwise, so recipes without it keep their
random stream (a resumed version-2 run stays the run it was)."""
import unittest

import torch

from dctvision_train.data import augment


def batch(n=16, size=32):
    return torch.randint(0, 256, (n, 3, size, size), dtype=torch.uint8, generator=torch.Generator().manual_seed(3))


def own_pixels(out, px):
    """Per picture: equal to its source or to its mirror image, exactly."""
    return [torch.equal(o, p.float()) or torch.equal(o, p.flip(-1).float()) for o, p in zip(out, px)]


class Sharp(unittest.TestCase):
    def test_all_sharp_pictures_are_their_own_pixels_or_their_mirror(self):
        px = batch()
        self.assertTrue(all(own_pixels(augment(px, torch.Generator().manual_seed(0), 0.8, 32, sharp=1.0), px)))

    def test_a_share_of_the_batch_is_kept_and_the_rest_resampled(self):
        px = batch(64)
        kept = own_pixels(augment(px, torch.Generator().manual_seed(0), 0.8, 32, sharp=0.5), px)
        self.assertTrue(16 < sum(kept) < 48, sum(kept))  # binomial(64, 0.5): far inside
        self.assertFalse(any(own_pixels(augment(px, torch.Generator().manual_seed(0), 0.8, 32), px)))

    def test_without_it_the_random_stream_is_unchanged(self):
        px = batch()
        g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
        self.assertTrue(torch.equal(augment(px, g1, 0.35, 32), augment(px, g2, 0.35, 32, sharp=0.0)))
        self.assertTrue(torch.equal(torch.rand(4, generator=g1), torch.rand(4, generator=g2)))

    def test_other_sizes_resample_and_draw_nothing_more(self):
        px = batch()
        g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
        self.assertTrue(torch.equal(augment(px, g1, 0.35, 16), augment(px, g2, 0.35, 16, sharp=1.0)))
        self.assertTrue(torch.equal(torch.rand(4, generator=g1), torch.rand(4, generator=g2)))


if __name__ == "__main__":
    unittest.main()
