#!/usr/bin/python3
"""test/t/image_pillow.py: PNG and JPEG fixtures and Pillow's pixels for them.

Used by test/t/018_image_pillow.pl.  Writes to stdout a SQL script that
fills the table image_cases(name, kind, img, height, width, channels,
expected) with generated files and, in expected, what Pillow makes of each
through the pipeline doc/training.md states for hack_image_tensor:

  decode with Pillow (16-bit samples keep their high byte);
  alpha (an alpha channel or tRNS) composited on white, per channel,
      v' = (v*a + 255*(255 - a) + 127) // 255;
  channels 1: convert('L') (ITU-R 601-2 luma, Pillow's integer rounding);
  channels 3: RGB;
  a different size: Image.resize((width, height), Image.BILINEAR);
  CHW order, uint8.

PNGs are written by the small encoder below (Pillow cannot write 2- and
4-bit grey, colour-key tRNS on every type or Adam7 interlacing), so every
colour type and bit depth is covered; JPEGs are written by Pillow
(libjpeg-turbo): baseline, progressive, 4:4:4, greyscale and Adobe CMYK.
kind is png-exact (native size: must be identical), jpeg-exact (native
size: within 1 of libjpeg's decode) or resize (a different size: within
the tolerance doc/training.md states).

With the argument "trainset" it writes instead the table colour_set(id,
img, outlier, fmt) of 48 colour 32 x 32 pictures: 44 red discs on blue
(noisy, shifted), 4 planted outliers (green and yellow stripes), as PNG
(RGB and RGBA) and JPEG files, for hack_train with format auto; and the
table colour_new(id, img) of 4 more rows (2 of each kind) for hack_refresh
and the trigger.
"""

import io
import struct
import sys
import zlib

import numpy as np
from PIL import Image

RNG = np.random.default_rng(18)

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
         (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def chunk(kind, data):
    return (struct.pack('>I', len(data)) + kind + data
            + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff))


def pack_row(samples, depth):
    """One row of samples (ints) at a bit depth, MSB first, big-endian 16."""
    if depth == 8:
        return bytes(int(v) for v in samples)
    if depth == 16:
        return b''.join(struct.pack('>H', int(v)) for v in samples)
    out = bytearray()
    per = 8 // depth
    for i in range(0, len(samples), per):
        byte = 0
        group = list(samples[i:i + per])
        group += [0] * (per - len(group))
        for v in group:
            byte = (byte << depth) | int(v)
        out.append(byte)
    return bytes(out)


def png(samples, color, depth, palette=None, trns=None, interlace=False):
    """A PNG of samples (H x W x spp ints) of a colour type and bit depth."""
    h, w = samples.shape[:2]
    ihdr = struct.pack('>IIBBBBB', w, h, depth, color, 0, 0, 1 if interlace else 0)
    raw = bytearray()
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    for (x0, y0, dx, dy) in passes:
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        for row in sub:
            raw.append(0)
            raw += pack_row(row.reshape(-1), depth)
    out = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', ihdr)
    if palette is not None:
        out += chunk(b'PLTE', bytes(palette.reshape(-1).astype(np.uint8)))
    if trns is not None:
        out += chunk(b'tRNS', trns)
    out += chunk(b'IDAT', zlib.compress(bytes(raw), 9)) + chunk(b'IEND', b'')
    return out


def composite(v, a):
    return (v * a + 255 * (255 - a) + 127) // 255


def luma(rgb):
    return ((rgb[..., 0] * 19595 + rgb[..., 1] * 38470 + rgb[..., 2] * 7471
             + 0x8000) >> 16)


def reference(data, channels, height, width):
    """What Pillow makes of a file through the documented pipeline (CHW bytes)."""
    im = Image.open(io.BytesIO(data))
    im.load()
    if im.mode in ('I', 'I;16', 'I;16B'):
        g = np.asarray(im).astype(np.int64) >> 8
        rgb = np.stack([g, g, g], axis=-1)
    elif im.mode in ('RGBA', 'LA', 'PA') or 'transparency' in im.info:
        rgba = np.asarray(im.convert('RGBA')).astype(np.int64)
        rgb = composite(rgba[..., :3], rgba[..., 3:4])
    else:
        rgb = np.asarray(im.convert('RGB')).astype(np.int64)
    if channels == 1:
        arr = luma(rgb).astype(np.uint8)
        mode = 'L'
    else:
        arr = rgb.astype(np.uint8)
        mode = 'RGB'
    if arr.shape[0] != height or arr.shape[1] != width:
        arr = np.asarray(Image.fromarray(arr, mode).resize((width, height), Image.BILINEAR))
    if channels == 1:
        return arr.tobytes()
    return np.ascontiguousarray(arr.transpose(2, 0, 1)).tobytes()


def rand(shape, hi):
    return RNG.integers(0, hi + 1, size=shape, dtype=np.int64)


def png_cases():
    """(name, bytes, native width, native height) of every colour type and depth."""
    cases = []
    sizes = [(1, 1), (7, 5), (13, 17), (32, 24)]
    for (w, h) in sizes:
        for depth in (1, 2, 4, 8, 16):
            cases.append((f'grey{depth}_{w}x{h}', png(rand((h, w, 1), 2 ** depth - 1), 0, depth), w, h))
        for depth in (1, 2, 4, 8):
            n = 2 ** depth
            pal = rand((n, 3), 255)
            cases.append((f'palette{depth}_{w}x{h}',
                          png(rand((h, w, 1), n - 1), 3, depth, palette=pal), w, h))
            alpha = bytes(int(v) for v in rand((n,), 255))
            cases.append((f'palette{depth}_trns_{w}x{h}',
                          png(rand((h, w, 1), n - 1), 3, depth, palette=pal, trns=alpha), w, h))
        for depth in (8, 16):
            top = 2 ** depth - 1
            cases.append((f'rgb{depth}_{w}x{h}', png(rand((h, w, 3), top), 2, depth), w, h))
            cases.append((f'greyalpha{depth}_{w}x{h}', png(rand((h, w, 2), top), 4, depth), w, h))
            cases.append((f'rgba{depth}_{w}x{h}', png(rand((h, w, 4), top), 6, depth), w, h))
            cases.append((f'rgb{depth}_interlaced_{w}x{h}', png(rand((h, w, 3), top), 2, depth, interlace=True), w, h))
        cases.append((f'grey1_interlaced_{w}x{h}', png(rand((h, w, 1), 1), 0, 1, interlace=True), w, h))
        cases.append((f'palette4_interlaced_{w}x{h}',
                      png(rand((h, w, 1), 15), 3, 4, palette=rand((16, 3), 255), interlace=True), w, h))
        # colour keys: grey 8-bit and RGB 8-bit with tRNS, the key present in the image
        g = rand((h, w, 1), 3) * 85
        cases.append((f'grey8_trns_{w}x{h}', png(g, 0, 8, trns=struct.pack('>H', 170)), w, h))
        c = rand((h, w, 3), 1) * 255
        cases.append((f'rgb8_trns_{w}x{h}', png(c, 2, 8, trns=struct.pack('>HHH', 255, 0, 255)), w, h))
    return cases


def smooth(w, h):
    """A smooth colour picture (JPEG-friendly) with some noise."""
    y, x = np.mgrid[0:h, 0:w]
    r = 128 + 100 * np.sin(x / 5.0) * np.cos(y / 7.0)
    g = 128 + 100 * np.cos((x + y) / 9.0)
    b = 255.0 * x / max(w - 1, 1)
    img = np.stack([r, g, b], axis=-1) + RNG.normal(0, 8, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def jpeg_cases():
    cases = []
    for (w, h) in [(1, 1), (9, 7), (33, 21), (64, 48)]:
        rgb = Image.fromarray(smooth(w, h), 'RGB')
        for name, im, opts in [
                ('baseline', rgb, {}),
                ('progressive', rgb, {'progressive': True}),
                ('444', rgb, {'subsampling': 0}),
                ('grey', rgb.convert('L'), {}),
                ('cmyk', rgb.convert('CMYK'), {}),
                ('cmyk_progressive', rgb.convert('CMYK'), {'progressive': True})]:
            buf = io.BytesIO()
            im.save(buf, 'JPEG', quality=90, **opts)
            cases.append((f'jpeg_{name}_{w}x{h}', buf.getvalue(), w, h))
    return cases


def sql_hex(b):
    return "'\\x" + b.hex() + "'::bytea"


def colour_picture(outlier, seed):
    rng = np.random.default_rng(1000 + seed)
    y, x = np.mgrid[0:32, 0:32]
    if outlier:
        band = ((x + 2 * y) // 4) % 2 == 0
        img = np.where(band[..., None], [40, 200, 40], [230, 220, 30])
    else:
        cx, cy = 16 + rng.integers(-3, 4), 16 + rng.integers(-3, 4)
        disc = (x - cx) ** 2 + (y - cy) ** 2 < 8 ** 2
        img = np.where(disc[..., None], [210, 40, 30], [30, 50, 180])
    img = img + rng.normal(0, 12, (32, 32, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def encode_picture(arr, i):
    """Row i's picture as PNG (RGB), PNG (RGBA, opaque-ish) or JPEG."""
    buf = io.BytesIO()
    if i % 4 == 3:
        Image.fromarray(arr, 'RGB').save(buf, 'JPEG', quality=92)
        return buf.getvalue(), 'jpeg'
    if i % 4 == 2:
        a = np.full((32, 32, 1), 250, np.uint8)
        Image.fromarray(np.concatenate([arr, a], axis=-1), 'RGBA').save(buf, 'PNG')
        return buf.getvalue(), 'png'
    Image.fromarray(arr, 'RGB').save(buf, 'PNG')
    return buf.getvalue(), 'png'


def trainset():
    out = sys.stdout
    out.write('CREATE TABLE colour_set (id bigint PRIMARY KEY, img bytea, outlier bool, fmt text);\n')
    for i in range(1, 49):
        outlier = i % 12 == 0
        data, fmt = encode_picture(colour_picture(outlier, i), i)
        out.write(f"INSERT INTO colour_set VALUES ({i}, {sql_hex(data)}, {str(outlier).lower()}, '{fmt}');\n")
    out.write('CREATE TABLE colour_new (id bigint PRIMARY KEY, img bytea, outlier bool);\n')
    for i in range(101, 105):
        outlier = i % 2 == 0
        data, _ = encode_picture(colour_picture(outlier, i), i)
        out.write(f"INSERT INTO colour_new VALUES ({i}, {sql_hex(data)}, {str(outlier).lower()});\n")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == 'trainset':
        trainset()
        return
    rows = []
    for (name, data, w, h) in png_cases():
        for c in (1, 3):
            rows.append((f'{name}_c{c}', 'png-exact', data, h, w, c))
        if w * h > 1:
            rows.append((f'{name}_c3_down', 'resize', data, max(1, h // 3), max(1, w // 2), 3))
        rows.append((f'{name}_c1_up', 'resize', data, 2 * h + 3, 3 * w + 1, 1))
    for (name, data, w, h) in jpeg_cases():
        for c in (1, 3):
            rows.append((f'{name}_c{c}', 'jpeg-exact', data, h, w, c))
        rows.append((f'{name}_c3_down', 'resize', data, max(1, h // 4), max(1, (w * 2) // 3), 3))
        rows.append((f'{name}_c3_up', 'resize', data, h + 11, 2 * w + 5, 3))
    out = sys.stdout
    out.write('CREATE TABLE image_cases (name text PRIMARY KEY, kind text, img bytea, '
              'height int, width int, channels int, expected bytea);\n')
    for (name, kind, data, h, w, c) in rows:
        exp = reference(data, c, h, w)
        out.write(f"INSERT INTO image_cases VALUES ('{name}', '{kind}', {sql_hex(data)}, "
                  f"{h}, {w}, {c}, {sql_hex(exp)});\n")


if __name__ == '__main__':
    main()
