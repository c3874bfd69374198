# test/t/catalog_archive.py MUTATION < hex > hex: rewrite a hack_export_model
# archive (layout in src/core/model_archive.c) with a mutation, with a valid
# CRC-32C; used by test/t/002_catalog_attacks.pl
import struct, sys, zlib
T = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
    T.append(c)
def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c = T[(c ^ x) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF
data = bytes.fromhex(sys.stdin.read().strip().replace('\\x', ''))
p = 16
def text():
    global p
    n, = struct.unpack_from('<I', data, p); s = data[p + 4:p + 4 + n]; p += 4 + n; return s
magic, ver, flags = data[:8], *struct.unpack_from('<II', data, 8)
header = text()
ng, = struct.unpack_from('<I', data, p); p += 4
groups = []
for _ in range(ng):
    key = text(); norm = text(); metrics = text()
    nrows, = struct.unpack_from('<q', data, p); p += 8
    w = text()
    groups.append([key, norm, metrics, nrows, w])
assert p + 4 == len(data), 'trailing bytes'
assert struct.unpack_from('<I', data, p)[0] == crc32c(data[:p]), 'crc'
m = sys.argv[1]
def nn_params_huge(w):
    # every parameter of an nn_serial blob set to 3e38, its CRC-32 redone
    r = 16
    nl = w[r]; r += 1 + nl
    r += 16 + 16
    nh, = struct.unpack_from('<I', w, r); r += 4 + 4 * nh
    ch, = struct.unpack_from('<I', w, 17 + nl)
    r += 8 * ch
    nt, = struct.unpack_from('<I', w, r); r += 4
    for _ in range(nt):
        rk, = struct.unpack_from('<I', w, r); r += 4 + 4 * rk
    np_, = struct.unpack_from('<Q', w, r); r += 8
    assert r + 4 * np_ + 4 == len(w), 'nn layout'
    body = w[:r] + struct.pack('<f', 3e38) * np_
    return body + struct.pack('<I', zlib.crc32(body) & 0xFFFFFFFF)
if m == 'none':
    pass
elif m == 'weights_flip':
    w = bytearray(groups[0][4]); w[len(w) // 2] ^= 0xFF; groups[0][4] = bytes(w)
elif m == 'norm_badjson':
    groups[0][1] = b'{"mean": [0.5'
elif m == 'header_dim3':
    header = header.replace(b'"dim": 2,', b'"dim": 3,', 1)
elif m == 'dup_group':
    groups.append(list(groups[0]))
elif m == 'weights_huge':
    for g in groups:
        g[4] = nn_params_huge(g[4])
else:
    sys.exit('unknown mutation ' + m)
def t(s): return struct.pack('<I', len(s)) + s
out = magic + struct.pack('<II', ver, flags) + t(header) + struct.pack('<I', len(groups))
for key, norm, metrics, nrows, w in groups:
    out += t(key) + t(norm) + t(metrics) + struct.pack('<q', nrows) + t(w)
out += struct.pack('<I', crc32c(out))
print(out.hex())
