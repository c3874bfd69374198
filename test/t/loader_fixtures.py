#!/usr/bin/python3
"""Writes small dataset fixtures for test/t/008_loader.pl (stdlib only).

For each fixture it also writes NAME.expect: one line per image, "id label hex",
where hex is the bytea hack-load must store (CHW, float32 little-endian)."""
import gzip
import random
import struct
import sys

out = sys.argv[1]
rng = random.Random(7)


def npy(path, descr, shape, payload, gz=False):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, "".join("%d, " % s for s in shape))
    pad = 64 - (10 + len(header) + 1) % 64
    head = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header) + pad + 1) + \
        (header + " " * pad + "\n").encode()
    (gzip.open if gz else open)(path, "wb").write(head + payload)


def expect(path, rows):
    with open(path, "w") as f:
        for i, (label, data) in enumerate(rows):
            f.write("%d %s %s\n" % (i + 1, "" if label is None else label, data.hex()))


# IDX: 37 images of 5 x 7 (plain) and the same gzipped, with labels
n, h, w = 37, 5, 7
pix = bytes(rng.randrange(256) for _ in range(n * h * w))
labels = bytes(rng.randrange(10) for _ in range(n))
idx = struct.pack(">IIII", 0x803, n, h, w) + pix
lab = struct.pack(">II", 0x801, n) + labels
open(out + "/idx-images", "wb").write(idx)
open(out + "/idx-labels", "wb").write(lab)
gzip.open(out + "/idx-images.gz", "wb").write(idx)
gzip.open(out + "/idx-labels.gz", "wb").write(lab)
expect(out + "/idx.expect", [(labels[i], pix[i * h * w:(i + 1) * h * w]) for i in range(n)])
# truncated and mismatched variants
open(out + "/idx-images-truncated", "wb").write(idx[:-10])
open(out + "/idx-images-long", "wb").write(idx + b"\0")
open(out + "/idx-labels-short", "wb").write(struct.pack(">II", 0x801, n - 1) + labels[:-1])
open(out + "/garbage", "wb").write(b"this is not a dataset\n" * 10)

# NPY uint8 N x H x W, labels int64
npy(out + "/u8.npy", "|u1", (n, h, w), pix)
npy(out + "/labels.npy", "<i8", (n,), struct.pack("<%dq" % n, *labels))
expect(out + "/u8.expect", [(labels[i], pix[i * h * w:(i + 1) * h * w]) for i in range(n)])

# NPY float32 N x H x W x C (C = 3), gzipped: stored transposed to CHW
c = 3
vals = [rng.uniform(-1, 1) for _ in range(n * h * w * c)]
npy(out + "/f32.npy.gz", "<f4", (n, h, w, c), struct.pack("<%df" % len(vals), *vals), gz=True)
rows = []
for i in range(n):
    img = vals[i * h * w * c:(i + 1) * h * w * c]
    chw = [img[p * c + ch] for ch in range(c) for p in range(h * w)]
    rows.append((None, struct.pack("<%df" % len(chw), *chw)))
expect(out + "/f32.expect", rows)
npy(out + "/f64.npy", "<f8", (n, h, w), b"\0" * (8 * n * h * w))
npy(out + "/u8-truncated.npy", "|u1", (n, h, w), pix[:-1])

# IDX magics of 0, 4 and 15 dimensions: refused before the sizes are read
# (15 dimensions of sizes would overflow a reader's buffer of 3)
open(out + "/idx-0d", "wb").write(struct.pack(">I", 0x800) + b"\0" * 16)
open(out + "/idx-4d", "wb").write(struct.pack(">IIIII", 0x804, n, h, w, 1) + pix)
open(out + "/idx-15d", "wb").write(struct.pack(">I", 0x80F) + b"\x7f" * 60 + pix)

# labels at the edges of the int4 label column (big-endian, to read the bytes
# in the file's order), and just beyond it
edge = [-2**31, 2**31 - 1] + [0] * (n - 2)
npy(out + "/labels-edge.npy", ">i8", (n,), struct.pack(">%dq" % n, *edge))
wide = [0] * n
wide[3] = 4294967297
npy(out + "/labels-wide.npy", "<i8", (n,), struct.pack("<%dq" % n, *wide))
wide[3] = -2**31 - 1
npy(out + "/labels-below.npy", "<i8", (n,), struct.pack("<%dq" % n, *wide))
big = [0] * n
big[5] = 2**63 + 1
npy(out + "/labels-u8-big.npy", "<u8", (n,), struct.pack("<%dQ" % n, *big))
