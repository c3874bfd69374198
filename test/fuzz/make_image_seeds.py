#!/usr/bin/python3
"""test/fuzz/make_image_seeds.py DIR: seed corpora of fuzz_png and fuzz_jpeg.

Writes DIR/png/* and DIR/jpeg/*: small files of every PNG colour type and
bit depth (palette + tRNS, 16-bit, Adam7) and of every JPEG kind (baseline,
progressive, greyscale, 4:4:4, Adobe CMYK), and a bomb header of each, each after the shape byte the
targets read (channels 3, 5 x 4 output).  Run by `make fuzz-seeds` (after
make_seeds, which empties DIR); a few hundred bytes each.
"""

import io
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 't'))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import image_pillow as ip  # noqa: E402

SHAPE = bytes([0x80 | (3 << 3) | 4])


def write(path, data):
    with open(path, 'wb') as f:
        f.write(SHAPE + data)


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(12)
    os.makedirs(os.path.join(out, 'png'), exist_ok=True)
    os.makedirs(os.path.join(out, 'jpeg'), exist_ok=True)
    w, h = 7, 5
    pngs = {
        'grey1': ip.png(rng.integers(0, 2, (h, w, 1)), 0, 1),
        'grey4_interlaced': ip.png(rng.integers(0, 16, (h, w, 1)), 0, 4, interlace=True),
        'grey16': ip.png(rng.integers(0, 65536, (h, w, 1)), 0, 16),
        'grey8_trns': ip.png(rng.integers(0, 2, (h, w, 1)) * 255, 0, 8, trns=struct.pack('>H', 255)),
        'palette2_trns': ip.png(rng.integers(0, 4, (h, w, 1)), 3, 2,
                                palette=rng.integers(0, 256, (4, 3)), trns=b'\x00\x80'),
        'palette8': ip.png(rng.integers(0, 3, (h, w, 1)), 3, 8, palette=rng.integers(0, 256, (3, 3))),
        'rgb8': ip.png(rng.integers(0, 256, (h, w, 3)), 2, 8),
        'rgb16_interlaced': ip.png(rng.integers(0, 65536, (h, w, 3)), 2, 16, interlace=True),
        'greyalpha8': ip.png(rng.integers(0, 256, (h, w, 2)), 4, 8),
        'rgba16': ip.png(rng.integers(0, 65536, (h, w, 4)), 6, 16),
        'rgb8_1x1': ip.png(rng.integers(0, 256, (1, 1, 3)), 2, 8),
    }
    # bombs: headers above the targets' limit of 2^18 pixels, CRCs valid
    pngs['bomb_1000x1000'] = (b'\x89PNG\r\n\x1a\n'
                              + ip.chunk(b'IHDR', struct.pack('>IIBBBBB', 1000, 1000, 8, 0, 0, 0, 0))
                              + ip.chunk(b'IDAT', b'') + ip.chunk(b'IEND', b''))
    for name, data in pngs.items():
        write(os.path.join(out, 'png', name), data)
    rgb = Image.fromarray(ip.smooth(12, 9), 'RGB')
    for name, im, opts in [('baseline', rgb, {}), ('progressive', rgb, {'progressive': True}),
                           ('444', rgb, {'subsampling': 0}), ('grey', rgb.convert('L'), {}),
                           ('cmyk', rgb.convert('CMYK'), {}),
                           ('1x1', Image.new('RGB', (1, 1), (9, 99, 199)), {})]:
        buf = io.BytesIO()
        im.save(buf, 'JPEG', quality=75, **opts)
        write(os.path.join(out, 'jpeg', name), buf.getvalue())
        if name == 'baseline':
            b = bytearray(buf.getvalue())
            sof = b.index(b'\xff\xc0')
            b[sof + 5:sof + 9] = struct.pack('>HH', 2000, 2000)
            write(os.path.join(out, 'jpeg', 'bomb_2000x2000'), bytes(b))


if __name__ == '__main__':
    main()
