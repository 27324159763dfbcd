#!/usr/bin/env python3
"""Converts pytorch-fid's Inception-v3 weights (pt_inception-2015-12-05-6726825d.pth) to safetensors.

The output keeps the state-dict names of the .pth (torchvision Inception3 names such as
``Mixed_5b.branch_pool.conv.weight``), every floating tensor as little-endian float32, which is what
Orchestrator's InceptionV3Features loads. Needs PyTorch only: the safetensors file is written by hand
(8-byte little-endian header length, JSON header, raw tensor bytes; https://github.com/huggingface/safetensors).

    python3 tools/convert_pt_inception.py pt_inception-2015-12-05-6726825d.pth pt_inception.safetensors
"""
import argparse
import json
import os
import struct
import sys

import torch


def write_safetensors(tensors, path, metadata=None):
    """Writes a {name: tensor} dict as safetensors, names sorted, every tensor as contiguous float32."""
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        tensor = tensors[name].detach().to(torch.float32).contiguous().cpu()
        data = tensor.numpy().astype("<f4", copy=False).tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)  # the data section starts 8-byte aligned
    temporary = path + ".tmp"
    with open(temporary, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for data in blobs:
            f.write(data)
    os.replace(temporary, path)


def convert(source, destination):
    """Reads the .pth state dict and writes its floating tensors to destination; returns their count."""
    state = torch.load(source, map_location="cpu")
    if not isinstance(state, dict):
        raise SystemExit(f"{source}: expected a state dict (name -> tensor), found {type(state).__name__}")
    tensors = {name: value for name, value in state.items()
               if isinstance(value, torch.Tensor) and value.is_floating_point()}
    if "Mixed_7c.branch_pool.conv.weight" not in tensors:
        raise SystemExit(f"{source}: no tensor 'Mixed_7c.branch_pool.conv.weight'; "
                         "expected pytorch-fid's pt_inception-2015-12-05 weights")
    write_safetensors(tensors, destination, {"source": os.path.basename(source), "format": "pt"})
    return len(tensors)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pth", help="pytorch-fid's pt_inception-2015-12-05-6726825d.pth")
    parser.add_argument("output", help="safetensors file to write")
    args = parser.parse_args(argv)
    count = convert(args.pth, args.output)
    print(f"wrote {count} tensors to {args.output}")


if __name__ == "__main__":
    main(sys.argv[1:])
