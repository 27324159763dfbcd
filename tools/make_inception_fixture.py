#!/usr/bin/env python3
"""Writes tests/Evaluator.Tests/Fixtures/inception_features.safetensors: pool features of pytorch-fid's
Inception-v3 variant with deterministic pattern weights, the independent reference of InceptionV3FeaturesTests.

The network is torchvision 0.14's Inception3 with the blocks pytorch-fid swaps in (its FIDInceptionA/C/E_1/E_2:
average pools without the padded zeros, a max pool in the last block's pool branch), and pytorch-fid's forward
up to the 2048-d pool: bilinear resize to 299x299 (align_corners=False) of inputs in [-1, 1]. Weights and images
come from pattern() rather than a random generator, so that the C# test can rebuild them without storing the
95 MB of weights. The converter's writer writes the fixture, so the test also checks that C# reads its files.

    /usr/bin/python3 tools/make_inception_fixture.py tests/Evaluator.Tests/Fixtures/inception_features.safetensors
"""
import os
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F
import torchvision.models.inception as tv

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from convert_pt_inception import convert, write_safetensors  # noqa: E402


def pattern(name, shape):
    """Values in [-0.5, 0.5): a Weyl sequence offset by a checksum of the name (InceptionV3FeaturesTests.Pattern)."""
    key = sum((j + 1) * ord(c) for j, c in enumerate(name)) % 65521
    n = int(np.prod(shape)) if len(shape) else 1
    i = np.arange(n, dtype=np.uint64)
    raw = (i * np.uint64(2654435761) + np.uint64(key * 40503 + 12345)) % np.uint64(2 ** 32)
    return (raw.astype(np.float64) / 2 ** 32 - 0.5).reshape(shape)


def pattern_value(name, shape):
    u = pattern(name, shape)
    if name.endswith(".conv.weight"):
        fan_in = shape[1] * shape[2] * shape[3]
        v = u * np.sqrt(24.0 / fan_in)  # uniform with He variance 2 / fan_in
    elif name.endswith(".bn.weight"):
        v = 1 + 0.2 * u
    elif name.endswith(".bn.running_var"):
        v = 1 + u
    elif name.endswith((".bn.bias", ".bn.running_mean")):
        v = 0.02 * u
    else:
        v = 0.01 * u
    return torch.from_numpy(v.astype(np.float32))


class FidA(tv.InceptionA):
    def forward(self, x):
        pool = F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
        return torch.cat([self.branch1x1(x),
                          self.branch5x5_2(self.branch5x5_1(x)),
                          self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
                          self.branch_pool(pool)], 1)


class FidC(tv.InceptionC):
    def forward(self, x):
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        d = self.branch7x7dbl_1(x)
        for layer in (self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
            d = layer(d)
        pool = F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
        return torch.cat([self.branch1x1(x), b7, d, self.branch_pool(pool)], 1)


class FidE(tv.InceptionE):
    def __init__(self, in_channels, max_pool):
        super().__init__(in_channels)
        self.max_pool = max_pool

    def forward(self, x):
        a = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(a), self.branch3x3_2b(a)], 1)
        d = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        bd = torch.cat([self.branch3x3dbl_3a(d), self.branch3x3dbl_3b(d)], 1)
        if self.max_pool:
            pool = F.max_pool2d(x, 3, stride=1, padding=1)
        else:
            pool = F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
        return torch.cat([self.branch1x1(x), b3, bd, self.branch_pool(pool)], 1)


def fid_inception():
    net = tv.Inception3(num_classes=1008, aux_logits=False, init_weights=False)
    net.Mixed_5b, net.Mixed_5c, net.Mixed_5d = FidA(192, 32), FidA(256, 64), FidA(288, 64)
    net.Mixed_6b, net.Mixed_6c, net.Mixed_6d, net.Mixed_6e = FidC(768, 128), FidC(768, 160), FidC(768, 160), FidC(768, 192)
    net.Mixed_7b, net.Mixed_7c = FidE(1280, False), FidE(2048, True)
    return net.eval()


def pool_features(net, x):
    x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
    for name in ("Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3"):
        x = getattr(net, name)(x)
    x = F.max_pool2d(x, 3, stride=2)
    x = net.Conv2d_4a_3x3(net.Conv2d_3b_1x1(x))
    x = F.max_pool2d(x, 3, stride=2)
    for name in ("Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e",
                 "Mixed_7a", "Mixed_7b", "Mixed_7c"):
        x = getattr(net, name)(x)
    return F.adaptive_avg_pool2d(x, 1).flatten(1)


def main(out):
    torch.set_num_threads(1)
    net = fid_inception()
    state = {k: pattern_value(k, tuple(v.shape)) if v.is_floating_point() else v for k, v in net.state_dict().items()}
    net.load_state_dict(state)
    with tempfile.TemporaryDirectory() as folder:
        # The converter's path on a .pth shaped like pytorch-fid's; its output must hold every float tensor.
        pth = os.path.join(folder, "weights.pth")
        torch.save(state, pth)
        count = convert(pth, os.path.join(folder, "weights.safetensors"))
        assert count == sum(1 for v in state.values() if v.is_floating_point()), count
    # Two different images: a pattern, and a smooth ramp, 40x56 so that the resize is not square.
    images = torch.from_numpy((1.8 * pattern("images", (2, 3, 40, 56))).astype(np.float32))
    images[1] = torch.linspace(-1, 1, 40 * 56).reshape(1, 40, 56) * torch.tensor([1.0, -0.5, 0.25]).reshape(3, 1, 1)
    with torch.no_grad():
        features = pool_features(net, images)
    print("features", tuple(features.shape), "mean", features.mean().item(), "std", features.std().item(),
          "row distance", (features[0] - features[1]).norm().item())
    write_safetensors({"features": features}, out, {"generator": "tools/make_inception_fixture.py"})


if __name__ == "__main__":
    main(sys.argv[1])
