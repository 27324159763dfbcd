#!/usr/bin/python3
"""Writes JpegFixtures.cs: small JPEGs that SkiaSharp cannot encode (CMYK, progressive, grayscale),
made with PIL, as base64 strings. Each is 48 x 32, the left half red and the right half blue
(grayscale: left black, right white). Run from this folder: /usr/bin/python3 make_fixtures.py"""
import base64
import io

from PIL import Image


def halves(mode, left, right):
    image = Image.new(mode, (48, 32), left)
    image.paste(right, (24, 0, 48, 32))
    return image


def jpeg(image, **options):
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, **options)
    return base64.b64encode(out.getvalue()).decode("ascii")


fixtures = {
    # PIL writes CMYK JPEG with an Adobe APP14 marker and inverted values, as Photoshop does.
    "Cmyk": jpeg(halves("CMYK", (0, 255, 255, 0), (255, 255, 0, 0))),
    "Progressive": jpeg(halves("RGB", (255, 0, 0), (0, 0, 255)), progressive=True),
    "Grayscale": jpeg(halves("L", 0, 255)),
}

with open("JpegFixtures.cs", "w") as f:
    f.write("namespace Orchestrator.DataLoader.Tests.Decoding;\n\n")
    f.write("/// <summary>JPEGs SkiaSharp cannot encode, written by make_fixtures.py (PIL): 48 x 32, left half red, right half blue (grayscale: black, white).</summary>\n")
    f.write("internal static class JpegFixtures\n{\n")
    for name, data in fixtures.items():
        f.write(f"    public static byte[] {name} => Convert.FromBase64String(\n        \"{data}\");\n\n")
    f.seek(f.tell() - 1)
    f.write("}\n")
