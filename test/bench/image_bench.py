#!/usr/bin/python3
"""test/bench/image_bench.py: the Pillow side of image_bench.sh.

usage: image_bench.py make DIR N          write DIR/png.list and DIR/jpeg.list:
                                          the first N openclipart PNGs (sorted
                                          paths, Debian openclipart-png) and a
                                          JPEG (quality 90) of each, on white
       image_bench.py run LIST H W C ROUNDS  Pillow on every file of LIST, from
                                          memory: open, load, alpha on white,
                                          convert to L or RGB, resize((W, H),
                                          BILINEAR); prints images_per_s of the
                                          best round

Pillow does what hack_image_decode does, to the pixel (test/t/018), so the
two are timed on the same work.
"""
import glob
import io
import os
import sys
import time

from PIL import Image


def on_white(im):
    if im.mode in ('RGBA', 'LA', 'PA') or (im.mode == 'P' and 'transparency' in im.info):
        im = im.convert('RGBA')
        bg = Image.new('RGB', im.size, (255, 255, 255))
        bg.paste(im, mask=im.getchannel('A'))
        return bg
    return im.convert('RGB')


def make(out, n):
    pngs = sorted(glob.glob('/usr/share/openclipart/png/**/*.png', recursive=True))[:n]
    os.makedirs(out, exist_ok=True)
    jpegs = []
    for i, p in enumerate(pngs):
        j = os.path.join(out, f'{i:04d}.jpg')
        on_white(Image.open(p)).save(j, 'JPEG', quality=90)
        jpegs.append(j)
    with open(os.path.join(out, 'png.list'), 'w') as f:
        f.write('\n'.join(pngs) + '\n')
    with open(os.path.join(out, 'jpeg.list'), 'w') as f:
        f.write('\n'.join(jpegs) + '\n')


def run(listfile, h, w, c, rounds):
    blobs = [open(p, 'rb').read() for p in open(listfile).read().split()]
    best = 0.0
    for _ in range(rounds):
        t0 = time.perf_counter()
        for b in blobs:
            im = on_white(Image.open(io.BytesIO(b)))
            if c == 1:
                im = im.convert('L')
            im.resize((w, h), Image.BILINEAR)
        best = max(best, len(blobs) / (time.perf_counter() - t0))
    print(f'images_per_s {best:.1f}')


if __name__ == '__main__':
    if sys.argv[1] == 'make':
        make(sys.argv[2], int(sys.argv[3]))
    else:
        run(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
