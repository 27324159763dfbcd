"""The anchor of bench/video-throughput.sh: torchvision.io.read_video (PyAV) on the same mp4 files, the same
clip (frames, stride, a start drawn uniformly from the valid range), then resize of the shorter side and centre
crop, as a float (3, F, S, S) tensor in [-1, 1]. One thread."""
import os
import random
import sys
import time

import torch
import torch.nn.functional as F
import torchvision
from torchvision.io import read_video


def clip(path, frames, stride, size, fps, count, rng):
    span = (frames - 1) * stride
    start = rng.randint(0, count - 1 - span)
    # read_video decodes from the keyframe before start_pts up to end_pts (seconds).
    video, _, _ = read_video(path, start_pts=(start - 0.5) / fps, end_pts=(start + span + 0.5) / fps, pts_unit="sec")
    video = video[0:span + 1:stride]                      # (F, H, W, 3) uint8
    x = video.permute(0, 3, 1, 2).float()                 # (F, 3, H, W)
    h, w = x.shape[-2:]
    scale = size / min(h, w)
    x = F.interpolate(x, size=(max(size, round(h * scale)), max(size, round(w * scale))), mode="bilinear", align_corners=False)
    top = (x.shape[-2] - size) // 2
    left = (x.shape[-1] - size) // 2
    x = x[:, :, top:top + size, left:left + size]
    return (x / 127.5 - 1).permute(1, 0, 2, 3).contiguous()  # (3, F, S, S)


def main():
    folder, frames, stride, size, fps, count, passes = sys.argv[1], *map(int, sys.argv[2:8])
    torch.set_num_threads(1)
    torchvision.set_video_backend("pyav")
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".mp4"))
    rng = random.Random(1)
    for path in files[:4]:
        clip(path, frames, stride, size, fps, count, rng)
    begin = time.perf_counter()
    cpu_begin = time.process_time()
    n = 0
    for _ in range(passes):
        for path in files:
            out = clip(path, frames, stride, size, fps, count, rng)
            assert out.shape == (3, frames, size, size), out.shape
            n += 1
    seconds = time.perf_counter() - begin
    cpu = time.process_time() - cpu_begin
    print(f"torchvision: {n} clips in {seconds:.2f}s: {n / seconds:.1f} clips/s (this process's CPU {cpu:.2f}s)")


if __name__ == "__main__":
    main()
