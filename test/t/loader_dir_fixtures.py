#!/usr/bin/python3
"""Writes the image trees of test/t/020_loader_dir.pl (needs PIL: python3-pil).

OUT/good: a tree that loads whole: classes with spaces, quotes and non-ASCII
names, nested directories, an empty class, a followed file link and directory
link, hidden entries, other files, files directly under the root.
OUT/good.expect: one line per row hack-load must store, "id TAB label TAB
label_code TAB file TAB md5", label and code empty for NULL.  The order and the
codes come from torchvision's own rule (datasets/folder.py: find_classes,
make_dataset over sorted(os.walk(followlinks=True))) written out again here,
not from hack-load's code; files directly under the root follow, as
hack-load documents.
OUT/good.counts: "classes other" (other = files not named as images).

OUT/mixed: good files among bad ones (empty, not an image, unreadable, a
dangling link, a name that is not UTF-8, a link loop); OUT/mixed.expect the
rows of --on-error=skip (ids keep their places: bad files leave gaps).
OUT/bad-NAME: trees of one good file and one bad one each, for
--on-error=stop.
"""
import hashlib
import os
import random
import sys

from PIL import Image

out = sys.argv[1]
rng = random.Random(17)
EXT = (".png", ".jpg", ".jpeg")


def image(path, kind="PNG", size=(3, 2)):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    img = Image.new("RGB", size)
    img.putdata([tuple(rng.randrange(256) for _ in range(3)) for _ in range(size[0] * size[1])])
    img.save(path, format=kind)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def md5(path):
    with open(path, "rb") as f:
        return hashlib.md5(f.read()).hexdigest()


def hidden(rel):
    return any(part.startswith(".") for part in rel.split(os.sep))


def imagefolder(root):
    """[(label, code, rel)] in ImageFolder's order, then the root's own files."""
    classes = sorted(e.name for e in os.scandir(root) if e.is_dir() and not e.name.startswith("."))
    rows = []
    for code, cls in enumerate(classes):
        for dirpath, _, fnames in sorted(os.walk(os.path.join(root, cls), followlinks=True)):
            for fname in sorted(fnames):
                rel = os.path.relpath(os.path.join(dirpath, fname), root)
                if fname.lower().endswith(EXT) and not hidden(rel):
                    rows.append((cls, code, rel))
    for e in sorted(os.scandir(root), key=lambda e: e.name):
        if e.is_file() and e.name.lower().endswith(EXT) and not e.name.startswith("."):
            rows.append((None, None, e.name))
    return classes, rows


def expect(path, root, rows, ids):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for i, (label, code, rel) in zip(ids, rows):
            f.write("%d\t%s\t%s\t%s\t%s\n" % (i, label or "", "" if code is None else code, rel,
                                                md5(os.path.join(root, rel))))


# ---- good
g = out + "/good"
image(g + "/a class/x.png")
image(g + "/a class/b.jpg", "JPEG", (8, 8))
write(g + "/a class/notes.txt", b"not an image\n")
image(g + "/a class/.hidden.png")
image(g + "/nested/h.jpeg", "JPEG")
image(g + "/nested/deep/g.PNG")
image(g + "/nested/deep er/i.png")
image(g + "/nested/deep/er/f.png")
write(g + "/nested/deep/data.bin", bytes(range(256)))
image(g + "/caf\u00e9/na\u00efve \"x\".png")
image(g + "/caf\u00e9/it's.JPEG", "JPEG")
image(g + "/it's \"quoted\"/\u65e5\u672c.png")
image(g + "/Zebra/z.png")
write(g + "/Zebra/image", open(g + "/Zebra/z.png", "rb").read())  # a PNG not named as one
os.symlink("../a class/x.png", g + "/Zebra/link.png")
os.symlink("../caf\u00e9", g + "/nested/alias")
os.makedirs(g + "/empty")
image(g + "/.git/objects/o.png")
image(g + "/top.png")
image(g + "/Top2.jpg", "JPEG")
write(g + "/README", b"a tree\n")
classes, rows = imagefolder(g)
expect(g + ".expect", g, rows, range(1, len(rows) + 1))
# other files: notes.txt, data.bin, image, README, and data.bin again through nothing
with open(g + ".counts", "w") as f:
    f.write("%d %d\n" % (len(classes), 4))

# ---- mixed: every kind of bad file among good ones
m = out + "/mixed"
image(m + "/ok/a.png")
write(m + "/ok/b-empty.png", b"")
write(m + "/ok/c-fake.jpg", b"GIF89a, not a JPEG")
image(m + "/ok/d-locked.png")
os.chmod(m + "/ok/d-locked.png", 0)
os.symlink("nowhere.png", m + "/ok/e-dangling.png")
write(os.fsencode(m) + b"/ok/f-\xff.png", open(m + "/ok/a.png", "rb").read())
image(m + "/ok/g.jpg", "JPEG")
os.makedirs(m + "/zloop")
os.symlink("..", m + "/zloop/back")
image(m + "/zloop/z.png")
# candidates in order: ok/a b c d e f g, zloop/z (the loop is a directory, no id)
expect(m + ".expect", m, [("ok", 0, "ok/a.png"), ("ok", 0, "ok/g.jpg"), ("zloop", 1, "zloop/z.png")],
       [1, 7, 8])

# ---- bad-NAME: one good file, then one bad
for name, make in [
        ("empty", lambda p: write(p + "/c/z.png", b"")),
        ("fake", lambda p: write(p + "/c/z.png", b"<html>not a png</html>")),
        ("locked", lambda p: (image(p + "/c/z.png"), os.chmod(p + "/c/z.png", 0))),
        ("dangling", lambda p: os.symlink("missing.png", p + "/c/z.png")),
        ("loop", lambda p: os.symlink("..", p + "/c/z")),
        ("big", lambda p: write(p + "/c/z.png", b"\x89PNG\r\n\x1a\n" + bytes(2000)))]:
    p = out + "/bad-" + name
    image(p + "/c/a.png")
    make(p)

