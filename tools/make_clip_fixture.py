#!/usr/bin/env python3
"""Writes tests/Evaluator.Tests/Fixtures/clip_tiny.safetensors: a tiny random CLIP in Hugging Face's tensor names,
fixed token ids and images, and the image and text embeddings PyTorch computes for them, the reference of
ClipModelReferenceTests. The forward pass follows transformers' CLIPModel (pre-norm layers, quick_gelu, causal
text mask, pooling at the end-of-text token, class-token pooling after post_layernorm, bias-free projections);
the preprocessing follows CLIPImageProcessor on float tensors (shortest side to 32 by antialiased bicubic, centre
crop, CLIP mean and std). Written by the converter's writer, so the test also reads the converter's format.

    /usr/bin/python3 tools/make_clip_fixture.py tests/Evaluator.Tests/Fixtures/clip_tiny.safetensors
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from convert_pt_inception import write_safetensors  # noqa: E402

# Matches ClipModelReferenceTests.Config.
VOCAB, CONTEXT, PROJECTION = 518, 16, 8
TEXT = dict(hidden=16, intermediate=32, heads=2, layers=2)
VISION = dict(hidden=12, intermediate=24, heads=3, layers=2, image=32, patch=8)
MEAN = torch.tensor([0.48145466, 0.4578275, 0.40821073]).view(1, 3, 1, 1)
STD = torch.tensor([0.26862954, 0.26130258, 0.27577711]).view(1, 3, 1, 1)


def tower_shapes(prefix, cfg):
    d, m = cfg["hidden"], cfg["intermediate"]
    shapes = {}
    for i in range(cfg["layers"]):
        p = f"{prefix}.encoder.layers.{i}"
        for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
            shapes[f"{p}.self_attn.{proj}.weight"] = (d, d)
            shapes[f"{p}.self_attn.{proj}.bias"] = (d,)
        shapes[f"{p}.mlp.fc1.weight"], shapes[f"{p}.mlp.fc1.bias"] = (m, d), (m,)
        shapes[f"{p}.mlp.fc2.weight"], shapes[f"{p}.mlp.fc2.bias"] = (d, m), (d,)
        for norm in ("layer_norm1", "layer_norm2"):
            shapes[f"{p}.{norm}.weight"], shapes[f"{p}.{norm}.bias"] = (d,), (d,)
    return shapes


def random_weights():
    g = torch.Generator().manual_seed(0)
    v, t = VISION, TEXT
    patches = (v["image"] // v["patch"]) ** 2
    shapes = {
        "text_model.embeddings.token_embedding.weight": (VOCAB, t["hidden"]),
        "text_model.embeddings.position_embedding.weight": (CONTEXT, t["hidden"]),
        "text_model.final_layer_norm.weight": (t["hidden"],), "text_model.final_layer_norm.bias": (t["hidden"],),
        "vision_model.embeddings.class_embedding": (v["hidden"],),
        "vision_model.embeddings.patch_embedding.weight": (v["hidden"], 3, v["patch"], v["patch"]),
        "vision_model.embeddings.position_embedding.weight": (patches + 1, v["hidden"]),
        "vision_model.pre_layrnorm.weight": (v["hidden"],), "vision_model.pre_layrnorm.bias": (v["hidden"],),
        "vision_model.post_layernorm.weight": (v["hidden"],), "vision_model.post_layernorm.bias": (v["hidden"],),
        "visual_projection.weight": (PROJECTION, v["hidden"]),
        "text_projection.weight": (PROJECTION, t["hidden"]),
    }
    shapes.update(tower_shapes("text_model", t))
    shapes.update(tower_shapes("vision_model", v))
    w = {}
    for name, shape in sorted(shapes.items()):
        noise = torch.randn(shape, generator=g)
        is_norm = "norm" in name
        w[name] = 1 + 0.1 * noise if is_norm and name.endswith(".weight") else (0.1 if is_norm else 0.3) * noise
    w["logit_scale"] = torch.tensor(2.6592)
    return w


def encoder(w, x, prefix, cfg, mask):
    heads = cfg["heads"]
    for i in range(cfg["layers"]):
        p = f"{prefix}.encoder.layers.{i}"
        h = F.layer_norm(x, x.shape[-1:], w[f"{p}.layer_norm1.weight"], w[f"{p}.layer_norm1.bias"], 1e-5)
        b, n, d = h.shape

        def proj(name, y):
            return F.linear(y, w[f"{p}.self_attn.{name}.weight"], w[f"{p}.self_attn.{name}.bias"])

        def split(y):
            return y.view(b, n, heads, d // heads).transpose(1, 2)

        q = split(proj("q_proj", h)) * (d // heads) ** -0.5
        k, v = split(proj("k_proj", h)), split(proj("v_proj", h))
        scores = q @ k.transpose(-1, -2)
        if mask is not None:
            scores = scores + mask
        attended = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, n, d)
        x = x + proj("out_proj", attended)
        h = F.layer_norm(x, x.shape[-1:], w[f"{p}.layer_norm2.weight"], w[f"{p}.layer_norm2.bias"], 1e-5)
        h = F.linear(h, w[f"{p}.mlp.fc1.weight"], w[f"{p}.mlp.fc1.bias"])
        h = h * torch.sigmoid(1.702 * h)
        x = x + F.linear(h, w[f"{p}.mlp.fc2.weight"], w[f"{p}.mlp.fc2.bias"])
    return x


def preprocess(images):
    x = (images + 1) / 2
    h, wd = x.shape[-2:]
    size = VISION["image"]
    nh, nw = (size, int(size * wd / h)) if h <= wd else (int(size * h / wd), size)
    x = F.interpolate(x, size=(nh, nw), mode="bicubic", align_corners=False, antialias=True).clamp(0, 1)
    top, left = (nh - size) // 2, (nw - size) // 2
    x = x[:, :, top:top + size, left:left + size]
    return (x - MEAN) / STD


def image_embeds(w, images):
    v = VISION
    x = F.conv2d(preprocess(images), w["vision_model.embeddings.patch_embedding.weight"], stride=v["patch"])
    x = x.flatten(2).transpose(1, 2)
    cls = w["vision_model.embeddings.class_embedding"].view(1, 1, -1).expand(x.shape[0], 1, -1)
    x = torch.cat([cls, x], 1) + w["vision_model.embeddings.position_embedding.weight"]
    x = F.layer_norm(x, x.shape[-1:], w["vision_model.pre_layrnorm.weight"], w["vision_model.pre_layrnorm.bias"], 1e-5)
    x = encoder(w, x, "vision_model", v, None)
    pooled = F.layer_norm(x[:, 0], x.shape[-1:], w["vision_model.post_layernorm.weight"], w["vision_model.post_layernorm.bias"], 1e-5)
    return F.linear(pooled, w["visual_projection.weight"])


def text_embeds(w, ids):
    n = ids.shape[1]
    x = w["text_model.embeddings.token_embedding.weight"][ids] + w["text_model.embeddings.position_embedding.weight"][:n]
    mask = torch.full((n, n), float("-inf")).triu(1)
    x = encoder(w, x, "text_model", TEXT, mask)
    x = F.layer_norm(x, x.shape[-1:], w["text_model.final_layer_norm.weight"], w["text_model.final_layer_norm.bias"], 1e-5)
    pooled = x[torch.arange(ids.shape[0]), ids.argmax(-1)]  # the end-of-text id (517) is the largest
    return F.linear(pooled, w["text_projection.weight"])


def main(out):
    torch.set_num_threads(1)
    w = random_weights()
    # start, hello, </w>-forms of , and !, end, zero padding; and a longer row.
    ids = torch.zeros(2, CONTEXT, dtype=torch.long)
    ids[0, :5] = torch.tensor([516, 515, 267, 256, 517])
    ids[1, :9] = torch.tensor([516, 86, 78, 81, 75, 323, 515, 320, 517])
    g = torch.Generator().manual_seed(1)
    images = torch.rand(2, 3, 24, 40, generator=g) * 2 - 1
    with torch.no_grad():
        tensors = dict(w)
        tensors["fixture.tokens"] = ids.float()
        tensors["fixture.images"] = images
        tensors["fixture.image_embeds"] = image_embeds(w, images)
        tensors["fixture.text_embeds"] = text_embeds(w, ids)
    print({k: tuple(v.shape) for k, v in tensors.items() if k.startswith("fixture")})
    write_safetensors(tensors, out, {"generator": "tools/make_clip_fixture.py"})


if __name__ == "__main__":
    main(sys.argv[1])
