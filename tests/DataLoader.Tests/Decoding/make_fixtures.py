#!/usr/bin/python3
"""Writes PilFixtures.cs: small JPEGs that SkiaSharp cannot encode (CMYK, progressive, grayscale),
made with PIL, as base64 strings; each is 48 x 32, the left half red and the right half blue
(grayscale: left black, right white). Also random square PNGs and PIL's BILINEAR resize of them to
16 x 16 (raw RGB bytes), the reference for the loader's resize. Run from this folder:
/usr/bin/python3 make_fixtures.py"""
import base64
import io

import numpy
from PIL import Image


def halves(mode, left, right):
    image = Image.new(mode, (48, 32), left)
    image.paste(right, (24, 0, 48, 32))
    return image


def jpeg(image, **options):
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, **options)
    return base64.b64encode(out.getvalue()).decode("ascii")


def png(image):
    out = io.BytesIO()
    image.save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode("ascii")


def noise(side, seed):
    return Image.fromarray(numpy.random.default_rng(seed).integers(0, 256, (side, side, 3), dtype=numpy.uint8), "RGB")


def resized(image):
    return base64.b64encode(numpy.asarray(image.resize((16, 16), Image.BILINEAR)).tobytes()).decode("ascii")


shrink, enlarge = noise(30, 1), noise(12, 2)
fixtures = {
    # PIL writes CMYK JPEG with an Adobe APP14 marker and inverted values, as Photoshop does.
    "Cmyk": jpeg(halves("CMYK", (0, 255, 255, 0), (255, 255, 0, 0))),
    "Progressive": jpeg(halves("RGB", (255, 0, 0), (0, 0, 255)), progressive=True),
    "Grayscale": jpeg(halves("L", 0, 255)),
    "Noise30": png(shrink),
    "Noise30ByPil16": resized(shrink),
    "Noise12": png(enlarge),
    "Noise12ByPil16": resized(enlarge),
}

with open("PilFixtures.cs", "w") as f:
    f.write("namespace Orchestrator.DataLoader.Tests.Decoding;\n\n")
    f.write("/// <summary>Written by make_fixtures.py (PIL): JPEGs SkiaSharp cannot encode, 48 x 32, left half red, right half blue (grayscale: black, white); random PNGs and PIL's 16 x 16 BILINEAR resize of them as raw RGB.</summary>\n")
    f.write("internal static class PilFixtures\n{\n")
    for name, data in fixtures.items():
        f.write(f"    public static byte[] {name} => Convert.FromBase64String(\n        \"{data}\");\n\n")
    f.seek(f.tell() - 1)
    f.write("}\n")
