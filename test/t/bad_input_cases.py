#!/usr/bin/python3
"""Bad-input corpus of test/t/003_bad_input.pl (deterministic: seeded).

Writes SQL that fills the table bad_cases(id, category, expected, sql):
one malformed input per row, the SQLSTATE it must raise, and the SQL that
feeds it to the extension. A case's SQL may hold several statements
separated by a line "--next" (run in order, all rolled back afterwards);
@FILE@ stands for a server-side scratch file, @IMG@ for a good image of the
test model and @BLOB@ for its stored weights (hack 1.1: the weights of
its group in hack.model_groups, written directly as superuser).

usage: bad_input_cases.py SEED WEIGHTS_HEX_FILE > cases.sql
"""
import random
import struct
import sys
import zlib

SEED = int(sys.argv[1])
BLOB = bytes.fromhex(open(sys.argv[2]).read().strip().removeprefix("\\x"))
rng = random.Random(SEED)
cases = []


def case(category, expected, sql):
    cases.append((category, expected, sql))


def lit(s):
    """A SQL string literal."""
    return "'" + s.replace("'", "''") + "'"


def hexa(b):
    return "'\\x" + b.hex() + "'::bytea"


def random_literals(category, typ, opener, alphabet, count):
    """COUNT distinct seeded literals of TYP: OPENER, then 1 to 12 characters
    of ALPHABET, each a 22P02 case."""
    seen = set()
    while len(seen) < count:
        s = opener + "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        if s in seen:
            continue
        seen.add(s)
        case(category, "22P02", f"SELECT {lit(s)}::{typ}")


# ---------------------------------------------------------------- literals
def point_literals():
    syntax = [
        "", " ", "(", ")", "()", "( )", "(,)", "(1,)", "(,1)", "(0.1,,0.2)", "((0.1))",
        "(0.1", "0.1)", "0.1", "[0.1,0.2)", "(0.1,0.2]", "[", "[]", "[0.1 0.2]",
        "[0.1,0.2]]", "[[0.1]]", "{0.1,0.2}", "<0.1,0.2>", "(0.1 0.2)",
        "(0.1;0.2)", "(0.1,0.2))", "((0.1,0.2)", "(0.1,0.2) x", "(0.1,0.2),", "x(0.1)",
        "(abc)", "(0.1,abc)", "(0x)", "(1e)", "(1e+)", "(--0.1)", "(+-0.1)", "(.)",
        "(0..1)", "(0.1.2)", "(1,2,3", "(0.1)(0.2)", "(0.1)\t;", "(\u00e9)", "(0,\u2212" "0.1)",
        "(0.1\\,0.2)", "(0.1\n,0.2", "(0.1,0.2", "(" + "0.1," * 50, ")" * 20, "(" * 20,
        "(0.1e0.5)", "(1_000)", "(0,1f)", "(0.1' || '0.2)", "(\"0.1\")", "(NULL)",
        "(true)", "(0.1,0.2)garbage", "(0.1,0.2)\u0000", "(\u00a00.1)",
    ]
    for s in syntax:
        if "\u0000" in s:
            continue
        case("point_literal", "22P02", f"SELECT {lit(s)}::poincare_point")
    out_of_range = [
        "(nan)", "(NaN)", "(0.1,nan)", "(inf)", "(-inf)", "(Infinity)", "(-Infinity)",
        "(0,infinity)", "(1)", "(-1)", "(1.0,0)", "(0.6,0.8)", "(0.8,0.6)", "(0.7071068,0.7071068)",
        "(1e308)", "(-1e308)", "(0x10)", "(1e309)", "(1e400)", "(-1e400)", "(2)", "(0.5,0.5,0.5,0.5)",
        "(0.9999999999999999999)", "(1" + "0" * 400 + ")", "(0." + "9" * 5000 + ")",
        "(" + ",".join(["0.1"] * 100) + ")", "(1e-400, 1)", "(" + "9" * 320 + ")",
    ]
    for s in out_of_range:
        case("point_literal", "22003", f"SELECT {lit(s)}::poincare_point")
    for n in (1025, 1100, 5000, 100000):
        case("point_literal", "54000",
             f"SELECT ('(' || repeat('0,', {n - 1}) || '0)')::poincare_point")
    # random junk from the literal's own alphabet, never closed and with only
    # finite numbers, so the syntax error comes first
    random_literals("point_literal", "poincare_point", "(", "(0123456789.,+- \t", 60)
    # NUL cannot reach the parser: the server refuses it in text first
    case("point_literal", "22021", "SELECT convert_from('\\x28302e3100302e3229'::bytea, 'UTF8')::poincare_point")
    case("point_literal", "54000", "SELECT ('(0.1' || chr(0) || ')')::poincare_point")
    case("point_literal", "22P02", "SELECT ('(0.1' || E'\\x01' || ')')::poincare_point")


def typmods():
    case("typmod", "22023", "SELECT '(0.1,0.2)'::poincare_point(3)")
    case("typmod", "22023", "SELECT '(0.1,0.2)'::poincare_point(1)")
    case("typmod", "22023", "SELECT ARRAY[0.1,0.2]::poincare_point(3)")
    case("typmod", "22023", "SELECT ARRAY[0.1,0.2]::float8[]::poincare_point(1)")
    case("typmod", "22023", "SELECT '(0.1,0.2)'::poincare_point::poincare_point(5)")
    case("typmod", "22023", "CREATE TEMP TABLE tm (p poincare_point(2))\n--next\nINSERT INTO tm VALUES ('(0.1)')")
    case("typmod", "22023", "CREATE TEMP TABLE tm (p poincare_point(2))\n--next\nINSERT INTO tm VALUES (ARRAY[0.1,0.2,0.3])")
    case("typmod", "22023", "CREATE TEMP TABLE tm (p poincare_point(2))\n--next\nINSERT INTO tm VALUES ('(0.1,0.2)')\n--next\nUPDATE tm SET p = '(0.1,0.2,0.3)'")
    for t in ("0", "-1", "1025", "100000", "1,2", "2,2,2"):
        case("typmod", "22023", f"SELECT NULL::poincare_point({t})")
    case("typmod", "22P02", "SELECT NULL::poincare_point('a')")
    case("typmod", "22023", "CREATE TEMP TABLE tm (p poincare_point(0))")
    case("typmod", "22023", "CREATE TEMP TABLE tm (p poincare_point(2000))")


def hball_literals():
    syntax = [
        "", "<", ">", "<>", "<(0,0)>", "<(0,0),>", "<(0,0) 1>", "(0,0),1", "<(0,0),1",
        "<(0,0),1>>", "<(0,0),1> x", "<<(0,0),1>", "<(0,0),(1)>", "<0,0,1>", "<(0,0);1>",
        "<(0,0),1,2>", "<(),1>", "<(0,0,),1>", "<(0,0),abc>", "<(0,0),1e>",
        "< (0,0) , >", "<(0,0),,1>", "<,1>", "<(0,0)1>", "<(0,0),1 2>", "[(0,0),1]", "<(0,0),0x>",
        "<(0,0),1)", "<(0,0,1>", "<(0,0),--1>",
    ]
    for s in syntax:
        case("hball_literal", "22P02", f"SELECT {lit(s)}::hball")
    out_of_range = [
        "<(0,0),-1>", "<(0,0),-1e-300>", "<(0,0),nan>", "<(0,0),inf>", "<(0,0),-inf>",
        "<(0,0),Infinity>", "<(0,0),1e309>", "<(1,0),1>", "<(0.6,0.8),1>", "<(nan,0),1>",
        "<(inf),1>", "<(2),0>", "<(0,0),-0.0000001>", "<(1e400),1>",
    ]
    for s in out_of_range:
        case("hball_literal", "22003", f"SELECT {lit(s)}::hball")
    for n in (1025, 20000):
        case("hball_literal", "54000",
             f"SELECT ('<(' || repeat('0,', {n - 1}) || '0),1>')::hball")
    for r, st in (("-1", "22003"), ("'nan'", "22003"), ("'inf'", "22003"), ("'-inf'", "22003")):
        case("hball_literal", st, f"SELECT hball('(0,0)', {r})")
    # a point and a ball of different dimensions: false, not an error (since
    # 1.4 the operators are LEAKPROOF and raise on nothing)
    case("hball_literal", "ok", "SELECT '(0.1,0.2,0.3)'::poincare_point <@ '<(0,0),1>'::hball")
    case("hball_literal", "ok", "SELECT '<(0,0),1>'::hball @> '(0.1)'::poincare_point")
    random_literals("hball_literal", "hball", "<", "<()0123456789., ", 30)


# ------------------------------------------------------------------ binary
def binary():
    def recv(typ, raw, expected):
        case("binary_recv", expected,
             f"CREATE TEMP TABLE rb (v {typ})\n--next\n"
             f"COPY (SELECT {hexa(raw)}) TO '@FILE@' (FORMAT binary)\n--next\n"
             f"COPY rb FROM '@FILE@' (FORMAT binary)")

    def pt(dim, flags, coords):
        return struct.pack(">hh", dim, flags) + b"".join(struct.pack(">d", c) for c in coords)

    def hb(dim, flags, radius, coords):
        return struct.pack(">hhd", dim, flags, radius) + b"".join(struct.pack(">d", c) for c in coords)

    nan = float("nan")
    inf = float("inf")
    # poincare_point: int16 dim, int16 flags, dim float8
    for raw in (b"", b"\x00", b"\x00\x02", b"\x00\x02\x00"):
        recv("poincare_point", raw, "22P03")
    for dim in (0, -1, -32768, 1025, 32767):
        recv("poincare_point", pt(dim, 0, [0.1]), "22P03")
    for flags in (1, -1, 256):
        recv("poincare_point", pt(2, flags, [0.1, 0.2]), "22P03")
    recv("poincare_point", pt(2, 0, [0.1]), "22P03")
    recv("poincare_point", pt(2, 0, [0.1, 0.2, 0.3]), "22P03")
    recv("poincare_point", pt(2, 0, [0.1, 0.2]) + b"\x00", "22P03")
    recv("poincare_point", pt(2, 0, [0.1, 0.2])[:-1], "22P03")
    recv("poincare_point", pt(1024, 0, [0.0] * 10), "22P03")
    for coords in ([nan, 0], [inf, 0], [0, -inf], [1, 0], [0.6, 0.8], [-1e300, 0], [0.9, 0.9]):
        recv("poincare_point", pt(2, 0, coords), "22003")
    for _ in range(15):
        n = rng.randint(0, 40)
        raw = bytes(rng.randrange(256) for _ in range(n))
        dim = struct.unpack(">h", raw[:2])[0] if n >= 2 else 0
        # random bytes almost never form a valid point; keep only sure failures
        if n >= 4 and 1 <= dim <= 1024 and raw[2:4] == b"\0\0" and n - 4 == 8 * dim:
            continue
        recv("poincare_point", raw, "22P03")
    # hball: int16 dim, int16 flags, float8 radius, dim float8
    for raw in (b"", b"\x00\x01", b"\x00\x01\x00\x00", b"\x00\x01\x00\x00\x3f\xf0"):
        recv("hball", raw, "22P03")
    for dim in (0, -5, 1025):
        recv("hball", hb(dim, 0, 1.0, [0.1]), "22P03")
    recv("hball", hb(1, 7, 1.0, [0.1]), "22P03")
    recv("hball", hb(2, 0, 1.0, [0.1]), "22P03")
    recv("hball", hb(1, 0, 1.0, [0.1, 0.2]), "22P03")
    for radius, coords in ((-1.0, [0.1]), (nan, [0.1]), (inf, [0.1]), (1.0, [1.0]), (1.0, [nan])):
        recv("hball", hb(1, 0, radius, coords), "22003")


# ------------------------------------------------------------------ arrays
def arrays():
    bad = [
        ("ARRAY[NULL::float8]", "22004"), ("ARRAY[0.1, NULL]::float8[]", "22004"),
        ("ARRAY[NULL, 0.1]::real[]", "22004"), ("ARRAY[NULL::int]", "22004"),
        ("ARRAY[NULL::numeric, 0]", "22004"),
        ("'{}'::float8[]", "22023"), ("'{}'::int[]", "22023"), ("'{}'::numeric[]", "22023"),
        ("'{{0.1,0.2},{0.3,0.4}}'::float8[]", "22023"), ("'{{0.1}}'::float8[]", "22023"),
        ("'{{{0.1}}}'::real[]", "22023"), ("'{{1,0},{0,0}}'::int[]", "22023"),
        ("ARRAY['nan']::float8[]", "22003"), ("ARRAY['inf', 0]::float8[]", "22003"),
        ("ARRAY['-inf']::real[]", "22003"), ("ARRAY[1]", "22003"), ("ARRAY[0, -1]", "22003"),
        ("ARRAY[0.6, 0.8]", "22003"), ("ARRAY[1e300]::float8[]", "22003"),
        ("ARRAY[1e400]::numeric[]", "22003"), ("ARRAY['NaN']::numeric[]", "22003"),
        ("ARRAY[2147483647]", "22003"), ("ARRAY[0.5, 0.5, 0.5, 0.5]::real[]", "22003"),
        ("array_fill(0::float8, ARRAY[1025])", "54000"), ("array_fill(0::float8, ARRAY[100000])", "54000"),
        ("array_fill(0, ARRAY[5000])", "54000"),
        ("'[2:3]={0.1,0.2}'::float8[] || ARRAY[NULL::float8]", "22004"),
    ]
    for expr, st in bad:
        case("array_cast", st, f"SELECT ({expr})::poincare_point")
    case("array_cast", "42846", "SELECT ARRAY['0.1']::text[]::poincare_point")
    case("array_cast", "42846", "SELECT ARRAY[0.1::float8]::bigint[]::poincare_point")
    # the same shapes through the functions that take arrays
    for expr, st in (("ARRAY[NULL::float8, 0]", "22004"), ("'{}'::float8[]", "22023"),
                     ("'{{0.1,0.2}}'::float8[]", "22023"), ("ARRAY['nan'::float8]", "22003"),
                     ("array_fill(0::float8, ARRAY[2000])", "54000")):
        case("array_cast", st, f"SELECT expmap0({expr})")
        case("array_cast", st, f"SELECT expmap('(0.1)', {expr})")


# --------------------------------------------------------------- geometry
def geometry():
    for c in ("0", "-1", "'nan'", "'inf'", "'-inf'", "-1e-300"):
        case("geometry", "22023", f"SELECT poincare_distance('(0.1)', '(0.2)', {c})")
        case("geometry", "22023", f"SELECT poincare_norm('(0.1)', {c})")
        case("geometry", "22023", f"SELECT mobius_add('(0.1)', '(0.2)', {c})")
        case("geometry", "22023", f"SELECT logmap0('(0.1)', {c})")
    for q in ("SELECT '(0.1,0.2)'::poincare_point <-> '(0.1)'",
              "SELECT mobius_add('(0.1,0.2)', '(0.1)')", "SELECT logmap('(0.1)', '(0.1,0.2)')",
              "SELECT poincare_geodesic('(0.1)', '(0.1,0.2)', 0.5)",
              "SELECT cone_exterior_angle('(0.5,0)', '(0.5)')",
              "SELECT expmap('(0.1,0.2)', ARRAY[0.1])",
              "SELECT poincare_midpoint(p) FROM (VALUES ('(0.1)'::poincare_point), ('(0.1,0.2)')) v(p)",
              "SELECT lorentz_distance(ARRAY[1,0], ARRAY[1,0,0])",
              "SELECT from_lorentz(ARRAY[1])", "SELECT from_lorentz(ARRAY[2,0])",
              "SELECT from_lorentz(ARRAY[-1,0])",
              "SELECT from_lorentz(ARRAY[NULL,0]::float8[])",
              "SELECT mobius_scale('nan', '(0.1)')", "SELECT mobius_scale('inf', '(0.1)')",
              "SELECT poincare_geodesic('(0.1)', '(0.2)', 'nan')",
              "SELECT cone_half_aperture('(0.5)', 0)", "SELECT cone_half_aperture('(0.5)', 'nan')"):
        st = "22004" if "NULL" in q else "22023"
        case("geometry", st, q)
    for q in ("SELECT mobius_scale(1000, '(0.5,0)')", "SELECT from_lorentz(ARRAY['nan',0]::float8[])",
              "SELECT expmap0(ARRAY['inf'::float8])", "SELECT mobius_add('(0.9,0)', '(0.9,0)', 0.5)",
              "SELECT poincare_norm('(0.6,0)', 4)", "SELECT cone_half_aperture('(0.01)')",
              "SELECT cone_exterior_angle('(0)', '(0.5)')",
              "SELECT cone_exterior_angle('(0.5)', '(0.5)')"):
        case("geometry", "22003", q)
    # poincare_direction_cells: k out of range, mixed dimensions, NULLs,
    # empty arrays, a multi-dimensional array
    three = "'{\"(0.5,0,0)\",\"(0,0.3,0)\",\"(-0.1,0,0)\"}'::poincare_point[]"
    for k, st in (("0", "22023"), ("-1", "22023"), ("4", "22023"), ("2147483647", "22023"),
                  ("-2147483648", "22023"), ("NULL", "ok")):
        case("geometry", st, f"SELECT poincare_direction_cells({three}, {k})")
    for arr, st in (("'{\"(0.5,0,0)\",\"(0.1,0.2)\"}'", "22023"),
                    ("ARRAY['(0.5,0,0)'::poincare_point, NULL]", "22004"),
                    ("ARRAY[NULL::poincare_point]", "22004"),
                    ("'{}'", "22023"),
                    ("'{{\"(0.5,0)\",\"(0.1,0.2)\"},{\"(0.3,0)\",\"(0,0.2)\"}}'", "ok"),
                    ("array_fill('(0,0,0)'::poincare_point, ARRAY[5])", "ok")):
        case("geometry", st, f"SELECT poincare_direction_cells({arr}, 1)")


# ----------------------------------------------------------------- tensors
def npy(descr, shape, data, fortran=False, major=1, header=None):
    if header is None:
        header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (
            descr, "True" if fortran else "False", shape)
    h = header.encode("latin1")
    hl = 4 if major >= 2 else 2
    total = 6 + 2 + hl + len(h) + 1
    h = h + b" " * ((64 - total % 64) % 64) + b"\n"
    size = struct.pack("<I" if hl == 4 else "<H", len(h) & (0xFFFFFFFF if hl == 4 else 0xFFFF))
    return b"\x93NUMPY" + bytes([major, 0]) + size + h + data


def tensors():
    def embed(raw, expected):
        case("tensor", expected, f"SELECT hack_embed('bi', {hexa(raw)})")

    good_u8 = bytes(rng.randrange(256) for _ in range(64))
    # raw u8: the model wants 1 x 8 x 8 = 64 bytes (or 256 bytes of f32)
    for n in (0, 1, 63, 65, 128, 255, 257, 4096):
        embed(bytes(rng.randrange(256) for _ in range(n)), "22P03")
    f32 = b"".join(struct.pack("<f", rng.random()) for _ in range(64))
    embed(f32[:-1], "22P03")
    embed(f32 + b"\0", "22P03")
    for bad in (float("nan"), float("inf"), float("-inf")):
        embed(struct.pack("<f", bad) + f32[4:], "22003")
    # .npy
    u1 = bytes(64)
    cases_npy = [
        (npy("|u1", "(8, 8)", u1)[:5], "22P03"),           # magic cut
        (npy("|u1", "(8, 8)", u1)[:9], "22P03"),           # header length cut
        (npy("|u1", "(8, 8)", u1)[:40], "22P03"),          # header cut
        (npy("|u1", "(8, 8)", u1)[:-1], "22P03"),          # data cut
        (npy("|u1", "(8, 8)", u1) + b"\0", "22P03"),       # extra data
        (npy("|u1", "(8, 9)", bytes(72)), "22P03"),
        (npy("|u1", "(9, 8)", bytes(72)), "22P03"),
        (npy("|u1", "(64,)", u1), "22P03"),
        (npy("|u1", "(2, 8, 8)", bytes(128)), "22P03"),
        (npy("|u1", "(8, 8, 2)", bytes(128)), "22P03"),
        (npy("|u1", "(2, 1, 8, 8)", bytes(128)), "22P03"),
        (npy("|u1", "()", b"\0"), "22P03"),
        (npy("|u1", "(0, 8)", b""), "22P03"),
        (npy("|u1", "(-8, -8)", u1), "22P03"),
        (npy("|u1", "(8, 8, 1, 1, 1, 1, 1, 1, 1)", u1), "22P03"),
        (npy("|u1", "(4294967296, 4294967296)", u1), "22P03"),
        (npy("|u1", "(9223372036854775807, 2)", u1), "22P03"),
        (npy("|u1", "(99999999999999999999999, 8)", u1), "22P03"),
        (npy("|u1", "(8, 8)", u1, fortran=True), "22P03"),
        (npy("<c16", "(8, 8)", bytes(1024)), "22P03"),
        (npy("|O", "(8, 8)", bytes(512)), "22P03"),
        (npy("<U4", "(8, 8)", bytes(1024)), "22P03"),
        (npy("|b1", "(8, 8)", u1), "22P03"),
        (npy("<f2", "(8, 8)", bytes(128)), "22P03"),
        (npy("<f16", "(8, 8)", bytes(1024)), "22P03"),
        (npy("", "(8, 8)", u1), "22P03"),
        (npy("<f4", "(8, 8)", u1), "22P03"),
        (npy("<f8", "(8, 8)", bytes(511)), "22P03"),
        (npy("|u1", "(8, 8)", u1, major=9), "22P03"),
        (npy("|u1", "(8, 8)", u1, header="{}"), "22P03"),
        (npy("|u1", "(8, 8)", u1, header="[1, 2, 3]"), "22P03"),
        (npy("|u1", "(8, 8)", u1, header=""), "22P03"),
        (npy("|u1", "(8, 8)", u1, header="{'descr': '|u1', 'shape': (8, 8), }"), "22P03"),
        (npy("|u1", "(8, 8)", u1, header="{'descr': '|u1', 'fortran_order': False, }"), "22P03"),
        (npy("|u1", "(8, 8)", u1, header="{'descr': '|u1', 'fortran_order': False, 'shape': (8, 8)"), "22P03"),
        (npy("|u1", "(8, 8)", u1, header="{'descr': '|u1', 'fortran_order': Maybe, 'shape': (8, 8), }"), "22P03"),
        (npy("|u1", "(8, 8)", u1, header="{'descr': |u1, 'fortran_order': False, 'shape': (8, 8), }"), "22P03"),
        (npy("|u1", "(8, 8)", u1, header="{'descr': '|u1', 'fortran_order': False, 'shape': (8, 8 }"), "22P03"),
        (npy("|u1", "(8, 8)", u1, header="{'descr': '|u1', 'fortran_order': False, 'shape': (8,, 8), }"), "22P03"),
        (npy("|u1", "(8, 8)", u1, header="{'descr': '|u1', 'fortran_order': False, 'shape': (a, 8), }"), "22P03"),
        (npy("|u1", "(8, 8)", u1, header="{'descr': '|u1', 'descr': '<f8', 'fortran_order': False, 'shape': (8, 8), }"), "22P03"),
        (npy("|u1", "(8, 8)", u1, header="{'descr': '|u1', 'fortran_order': False, 'shape': (8, 8), 'extra': 1}"), "22P03"),
        (npy("|u1", "(8, 8)", u1, header="{'descr': '|u1',\0 'fortran_order': False, 'shape': (8, 8), }"), "22P03"),
        (npy("|u1", "(8, 8)", u1, header="{'descr': '|u1', 'fortran_order': False, 'shape': (" + "8" * 200 + ", 8), }"), "22P03"),
        (npy("|u1", "(8, 8)", u1, header="{" * 500), "22P03"),
        (npy("|u1", "(8, 8)", u1, header="'" * 100), "22P03"),
        (b"\x93NUMPY\x01\x00\xff\xff" + b"{" * 20, "22P03"),
        (b"\x93NUMPY\x02\x00\xff\xff\xff\xff" + b"{" * 20, "22P03"),
        (b"\x93NUMPY\x03\x00\x10\x00\x00\x00" + b" " * 16, "22P03"),
        (b"\x93NUMPY", "22P03"),
        (b"\x93NUMP", "22P03"),
    ]
    for raw, st in cases_npy:
        embed(raw, st)
    f8nan = npy("<f8", "(8, 8)", struct.pack("<d", float("nan")) + bytes(504))
    embed(f8nan, "22003")
    embed(npy("<f4", "(8, 8)", struct.pack("<f", float("inf")) + bytes(252)), "22003")
    # random mutations of a good .npy blob: a byte changed anywhere in its header
    good = npy("|u1", "(8, 8)", u1)
    hdr_end = good.index(b"\n") + 1
    for _ in range(40):
        b = bytearray(good)
        i = rng.randrange(0, hdr_end)
        v = rng.choice(b"{}(),:' 0123456789abcdefghijklmnopqrstuvwxyz<>|\0\xff")
        if b[i] == v:
            continue
        b[i] = v
        # a changed blank or pad byte, or a digit that keeps the shape, may still parse
        if chr(good[i]) in " " or i >= good.index(b"}"):
            continue
        embed(bytes(b), "22P03")
    # the images of hack_plot go through the same decoder
    for raw in (b"", bytes(10), npy("|u1", "(8, 9)", bytes(72))):
        case("tensor", "22P03",
             f"SELECT hack_plot(ARRAY['(0.1,0.2)']::poincare_point[], images => ARRAY[{hexa(raw)}], height => 8, width => 8)")


# ------------------------------------------------------------ PNG and JPEG
def png_chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))


def png_file(w, h, depth=8, color=0, idat=None, extra=b"", ihdr=None):
    """A grey PNG (or what IHDR says) of w x h; idat: the compressed data."""
    if ihdr is None:
        ihdr = struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 0)
    if idat is None:
        spp = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(color, 1)
        row = (w * spp * depth + 7) // 8
        idat = zlib.compress(b"".join(b"\0" + bytes(rng.randrange(256) for _ in range(row))
                                      for _ in range(h)))
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + extra
            + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b""))


# a baseline 8 x 8 grey JPEG (quality 100, Pillow), its SOF0 at byte 89
JPEG8 = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb0043000101010101010101010101010101010101"
    "010101010101010101010101010101010101010101010101010101010101010101010101010101010101"
    "01010101010101ffc0000b080008000801011100ffc4001f0000010501010101010100000000000000"
    "000102030405060708090a0bffc400b5100002010303020403050504040000017d0102030004110512"
    "2131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a2526272829"
    "2a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a83"
    "8485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8"
    "c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00"
    "f9ff00fe0db8ff00990bfee1bffb4abfffd9")
SOF = JPEG8.index(b"\xff\xc0")


def jpeg_patch(at, new):
    b = bytearray(JPEG8)
    b[at:at + len(new)] = new
    return bytes(b)


def images():
    def tensor(raw, expected, channels=1, fmt="auto"):
        case("image", expected, f"SELECT hack_image_tensor({hexa(raw)}, 8, 8, {channels}, {lit(fmt)})")

    def embed(raw, expected):
        case("image", expected, f"SELECT hack_embed('bi', {hexa(raw)})")

    good = png_file(8, 8)
    tensor(good, "ok")
    embed(good, "ok")
    tensor(JPEG8, "ok")
    embed(JPEG8, "ok")
    # truncations of both, everywhere before the PNG's IEND
    for n in sorted(set([0, 1, 7, 8, 9, 20, 32, 33, 40] + [rng.randrange(8, len(good) - 12) for _ in range(12)])):
        tensor(good[:n], "22P03", fmt="png")
        if n >= 8:
            embed(good[:n], "22P03")
    for n in sorted(set([2, 3, 4, 20, SOF, SOF + 5, SOF + 12, len(JPEG8) - 2]
                        + [rng.randrange(3, len(JPEG8) - 2) for _ in range(12)])):
        tensor(JPEG8[:n], "22P03", fmt="jpeg")
        if n >= 3:
            embed(JPEG8[:n], "22P03")
    # wrong magic under a named format
    tensor(JPEG8, "22P03", fmt="png")
    tensor(good, "22P03", fmt="jpeg")
    tensor(b"GIF89a" + bytes(20), "22P03", fmt="png")
    # bad CRCs: IHDR, IDAT
    for at in (16, 20, 29, 33 + 8):
        b = bytearray(good)
        b[at] ^= 0x10
        tensor(bytes(b), "22P03")
        embed(bytes(b), "22P03")
    # bombs: the size in IHDR or SOF above hack.max_image_pixels (89478485): 54000
    for w, h in ((100000, 100000), (65535, 65535), (10000, 10000), (1000000, 90), (90, 1000000), (9460, 9460)):
        tensor(png_file(w, h, idat=zlib.compress(b"\0" * 64)), "54000")
        embed(png_file(w, h, idat=zlib.compress(b"\0" * 64)), "54000")
    for w, h in ((60000, 60000), (65500, 65500), (9460, 9460)):
        tensor(jpeg_patch(SOF + 5, struct.pack(">HH", h, w)), "54000")
        embed(jpeg_patch(SOF + 5, struct.pack(">HH", h, w)), "54000")
    # a side above libpng's own limit (1000000) is refused by libpng first
    tensor(png_file(1000001, 1, idat=zlib.compress(b"\0" * 64)), "22P03")
    # just under the limit is decoded (and then fails for want of data)
    tensor(png_file(9459, 9459, idat=zlib.compress(b"\0" * 64)), "22P03")
    # bad headers: zero or huge sizes, bad depth, colour type, palette missing
    for ihdr in (struct.pack(">IIBBBBB", 0, 8, 8, 0, 0, 0, 0),
                 struct.pack(">IIBBBBB", 8, 0, 8, 0, 0, 0, 0),
                 struct.pack(">IIBBBBB", 2 ** 31, 8, 8, 0, 0, 0, 0),
                 struct.pack(">IIBBBBB", 8, 2 ** 32 - 1, 8, 0, 0, 0, 0),
                 struct.pack(">IIBBBBB", 8, 8, 3, 0, 0, 0, 0),
                 struct.pack(">IIBBBBB", 8, 8, 8, 5, 0, 0, 0),
                 struct.pack(">IIBBBBB", 8, 8, 16, 3, 0, 0, 0),
                 struct.pack(">IIBBBBB", 8, 8, 8, 0, 1, 0, 0),
                 struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 1, 0),
                 struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 2),
                 struct.pack(">IIBBBB", 8, 8, 8, 0, 0, 0)):
        tensor(png_file(8, 8, ihdr=ihdr), "22P03")
    tensor(png_file(8, 8, color=3), "22P03")                  # palette colour, no PLTE
    tensor(png_file(8, 8, idat=b"\x78\x9c" + bytes(30)), "22P03")   # bad deflate data
    tensor(png_file(8, 8, idat=zlib.compress(bytes(20))), "22P03")  # too little image data
    tensor(png_file(8, 8, idat=zlib.compress(b"\x07" + bytes(8) * 8)), "22P03")  # bad filter type
    # JPEG: no frame header, zero sizes, a lossless or unknown frame, no Huffman tables
    tensor(b"\xff\xd8\xff\xd9", "22P03")
    embed(b"\xff\xd8\xff\xd9", "22P03")
    tensor(JPEG8[:SOF] + b"\xff\xd9", "22P03")
    tensor(jpeg_patch(SOF + 5, struct.pack(">HH", 0, 8)), "22P03")
    tensor(jpeg_patch(SOF + 5, struct.pack(">HH", 8, 0)), "22P03")
    tensor(jpeg_patch(SOF + 1, b"\xc3"), "22P03")
    tensor(jpeg_patch(SOF + 4, b"\x0c"), "22P03")             # 12-bit samples
    tensor(jpeg_patch(SOF + 9, b"\x00"), "22P03")             # no components
    tensor(JPEG8.replace(b"\xff\xc4", b"\xff\xc8"), "22P03")  # Huffman tables renamed (JPG marker)
    tensor(jpeg_patch(len(JPEG8) - 14, b"\xff\xd0\xff\xd0"), "22P03")  # markers inside the scan
    # PNG and JPEG give 1 or 3 channels
    for ch in (2, 4):
        tensor(good, "22023", channels=ch)
        tensor(JPEG8, "22023", channels=ch)
    case("image", "22023", f"SELECT hack_image_tensor({hexa(good)}, 8, 8, 1, 'gif')")
    # training: a bad PNG row names its id
    case("image", "22P03", "UPDATE bi_imgs SET img = " + hexa(good[:40]) + " WHERE id = 4\n--next\n"
         "CALL hack_train(model => 'bt', source => 'bi_imgs', height => 8, width => 8, architecture => 'mlp', epochs => 1)")
    case("image", "54000", "UPDATE bi_imgs SET img = " + hexa(png_file(100000, 100000, idat=b"")) + " WHERE id = 4\n--next\n"
         "CALL hack_train(model => 'bt', source => 'bi_imgs', height => 8, width => 8, architecture => 'mlp', epochs => 1)")
    # the pixel limit setting
    for v, st in (("0", "22023"), ("-1", "22023"), ("268435457", "22023"), ("'abc'", "22023")):
        case("guc", st, f"SET LOCAL hack.max_image_pixels = {v}")
    case("image", "54000", "SET LOCAL hack.max_image_pixels = 63\n--next\n"
         f"SELECT hack_image_tensor({hexa(good)}, 8, 8, 1)")
    case("image", "ok", "SET LOCAL hack.max_image_pixels = 64\n--next\n"
         f"SELECT hack_image_tensor({hexa(good)}, 8, 8, 1)")


# ------------------------------------------------------------- model blobs
def crc_fix(b):
    b = bytearray(b)
    b[-4:] = struct.pack("<I", zlib.crc32(bytes(b[:-4])) & 0xFFFFFFFF)
    return bytes(b)


def model_blobs():
    # hack 1.1: a superuser's direct edit of the catalogue sends no cache
    # invalidation (doc/reliability.md, "The model cache"), and the batch's
    # session has the good network cached already: DDL on hack.models (a
    # no-op one here) sends one, so hack_embed reads the damaged row
    def embed_with(raw, expected, note=""):
        case("model_blob", expected,
             f"UPDATE hack.model_groups SET weights = {hexa(raw)} WHERE model = 'bi'\n--next\n"
             f"ALTER TABLE hack.models ENABLE ROW LEVEL SECURITY\n--next\n"
             f"SELECT hack_embed('bi', @IMG@)")

    blob = BLOB
    embed_with(b"", "XX001")
    embed_with(b"HACKNN", "XX001")
    embed_with(blob[:8], "XX001")
    embed_with(blob[:20], "XX001")
    embed_with(bytes(len(blob)), "XX001")
    embed_with(bytes(rng.randrange(256) for _ in range(len(blob))), "XX001")
    for cut in sorted(set([len(blob) - 1, len(blob) - 4, len(blob) - 5, len(blob) // 2, 17, 24, 40, 60]
                          + [rng.randrange(1, len(blob)) for _ in range(12)])):
        embed_with(blob[:cut], "XX001")
    embed_with(blob + b"\0", "XX001")
    embed_with(blob + blob, "XX001")
    # flipped bits anywhere: the checksum catches them
    for _ in range(30):
        b = bytearray(blob)
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
        embed_with(bytes(b), "XX001")
    # fields changed with a recomputed checksum: the reader's own checks
    def at_header():
        namelen = blob[16]
        return 17 + namelen

    h = at_header()

    def put(off, fmt, value):
        b = bytearray(blob)
        struct.pack_into(fmt, b, off, value)
        return crc_fix(b)

    embed_with(put(8, "<I", 3), "XX001")                # version (1 and 2 are known)
    embed_with(put(12, "<I", len(blob) + 1), "XX001")   # length
    embed_with(put(16, "<B", 200), "XX001")             # name length past the end
    embed_with(put(16, "<B", 0), "XX001")
    embed_with(put(17, "<B", ord("x")), "XX001")        # architecture name
    for field, values in ((0, (0, 5, 0xFFFFFFFF)), (4, (0, 9, 2000)), (8, (0, 7, 1 << 30)),
                          (12, (0, 1025, 1 << 20, 0xFFFFFFFF))):
        for v in values:
            embed_with(put(h + field, "<I", v), "XX001")
    for v in (float("nan"), float("inf"), 0.0, -1.0):
        embed_with(put(h + 16, "<d", v), "XX001")       # curvature
    for v in (float("nan"), float("inf"), -1.0):
        embed_with(put(h + 24, "<d", v), "XX001")       # clip radius
    for v in (0, 9, 0xFFFFFFFF):
        embed_with(put(h + 32, "<I", v), "XX001")       # number of hidden layers
    for v in (0, 70000):
        embed_with(put(h + 36, "<I", v), "XX001")       # first hidden size
    # a non-finite weight (the last float before the checksum)
    embed_with(put(len(blob) - 8, "<f", float("nan")), "XX001")
    embed_with(put(len(blob) - 8, "<f", float("inf")), "XX001")
    # NULL weights cannot be stored (NOT NULL), a missing model is 42704
    # (hack 1.1: a model is dropped with hack_drop_model, or with its last group)
    case("model_blob", "23502", "UPDATE hack.model_groups SET weights = NULL WHERE model = 'bi'")
    case("model_blob", "42704", "SELECT hack_drop_model('bi')\n--next\nSELECT hack_embed('bi', @IMG@)")
    case("model_blob", "42704", "SELECT hack_drop_group('bi', '')\n--next\nSELECT hack_embed('bi', @IMG@)")


# --------------------------------------------- managing models (hack 1.1)
def catalog():
    arc = "hack_export_model('bi')"

    def imp(archive, expected, name="'bi_imp'", source="'bi_imgs'"):
        case("model_archive", expected, f"SELECT hack_import_model({name}, {archive}, {source})")

    # truncated archives (a prefix of per-mille length p), an extra byte,
    # nothing, a flipped bit anywhere (the checksum catches it)
    for p in sorted(set([0, 1, 5, 10, 50, 100, 500, 900, 990, 999]
                        + [rng.randrange(1, 1000) for _ in range(10)])):
        imp(f"substring({arc} from 1 for length({arc}) * {p} / 1000)", "22P03")
    imp(f"substring({arc} from 1 for length({arc}) - 1)", "22P03")
    imp(f"{arc} || '\\x00'::bytea", "22P03")
    imp(f"{arc} || {arc}", "22P03")
    imp("''::bytea", "22P03")
    imp("'HACKARC'::bytea", "22P03")
    imp(hexa(BLOB), "22P03")
    for _ in range(20):
        at = f"length({arc}) * {rng.randrange(1000)} / 1000"
        imp(f"set_byte({arc}, {at}, get_byte({arc}, {at}) # {1 << rng.randrange(8)})", "22P03")
    # a good archive under a taken name, on a source without its columns,
    # on a missing source, under a bad name
    imp(arc, "42710", name="'bi'")
    imp(arc, "42703", source="'bad_cases'")
    imp(arc, "42P01", source="'nosuch_table'")
    imp(arc, "22023", name="''")
    imp(arc, "22023", name="repeat('m', 64)")
    for q, st in (("SELECT hack_export_model('nosuch')", "42704"),
                  ("SELECT hack_drop_model('nosuch')", "42704"),
                  ("SELECT hack_drop_model('')", "42704"),
                  ("SELECT hack_drop_group('nosuch', '')", "42704"),
                  ("SELECT hack_rename_model('nosuch', 'x')", "42704"),
                  ("SELECT hack_rename_model('bi', '')", "22023"),
                  ("SELECT hack_rename_model('bi', repeat('m', 64))", "22023"),
                  ("SELECT hack_rename_model('bi', 'bi')", "42710"),
                  ("SELECT hack_alter_model_owner('nosuch', 'postgres')", "42704"),
                  ("SELECT hack_alter_model_owner('bi', 0::oid::regrole)", "42704"),
                  ("SELECT hack_alter_model_owner('bi', 'nosuch_role')", "42704")):
        case("model_admin", st, q)


# -------------------------------------------------------------- parameters
def parameters():
    P = "ARRAY['(0.1,0.2)','(0.3,-0.1)','(-0.2,0.4)']::poincare_point[]"
    for args, st in (("0", "22023"), ("-1", "22023"), ("200001", "54000"), ("2147483647", "54000"),
                     ("10, dim => 0", "22023"), ("10, dim => -3", "22023"), ("10, dim => 1025", "54000"),
                     ("10, radius => 0", "22023"), ("10, radius => 1", "22023"), ("10, radius => -0.5", "22023"),
                     ("10, radius => 'nan'", "22023"), ("10, radius => 'inf'", "22023"),
                     ("10, k => 0", "22023"), ("10, k => -1", "22023"), ("10, k => 'inf'", "22023"),
                     ("10, k => 'nan'", "22023"), ("10, epochs => -1", "22023"),
                     ("10, epochs => 1000001", "54000"), ("10, lr => -0.1", "22023"),
                     ("10, lr => 'nan'", "22023"), ("100000, dim => 1000", "54000"),
                     ("NULL::int", "ok-null")):
        if st == "ok-null":
            continue
        case("hack_pack", st, f"SELECT * FROM hack_pack({args})")
    for args, st in (("'{}'::poincare_point[]", "22023"),
                     ("ARRAY['(0.1)','(0.1,0.2)']::poincare_point[]", "22023"),
                     ("ARRAY['(0.1)', NULL]::poincare_point[]", "22004"),
                     (f"{P}, 0", "22023"), (f"{P}, 1", "22023"), (f"{P}, -1", "22023"),
                     (f"{P}, 'nan'", "22023"), (f"{P}, 'inf'", "22023")):
        case("hack_packing_stats", st, f"SELECT * FROM hack_packing_stats({args})")
    for arr, st in (("'{1,2,3}'", "22023"), ("'{}'", "22023"), ("'{{{1}}}'", "22023"),
                    ("'{{1,NULL},{1,2}}'", "22004"), ("'{{nan,1},{1,2}}'", "22023"),
                    ("'{{-inf,1},{1,2}}'", "22023"), ("'{{1e200,1},{1,2}}'", "22003"),
                    ("'{{-1e101,1},{1,2}}'", "22003"), ("'{{inf,inf},{1,2}}'", "22023"),
                    ("'{{inf,1},{inf,2}}'", "22023"), ("'{{inf}}'", "22023"),
                    ("'{{1,2},{3}}'", "22P02"), ("'{{1,2},{3,4}'", "22P02"), ("'{1,2}}'", "22P02"),
                    ("'{{a,b}}'", "22P02")):
        case("hungarian", st, f"SELECT * FROM hungarian({arr}::float8[])")
        if st not in ("22P02",):
            case("hungarian", st, f"SELECT * FROM hungarian({arr}::float8[], maximize => true)")
    case("hungarian", "54000", "SET LOCAL maintenance_work_mem = '1MB'\n--next\n"
         "SELECT count(*) FROM hungarian(array_fill(1::float8, ARRAY[400, 400]))")
    for rows, st in (("(1,1,1::float8),(1,1,2)", "22023"), ("(1,1,'nan'::float8),(2,2,1)", "22023"),
                     ("(1,1,'-inf'::float8),(2,2,1)", "22023"), ("(1,1,1::float8),(2,1,1)", "ok"),
                     ("(1,1,1e200::float8)", "22003"),
                     ("(1,1,1::float8),(1,2,1),(2,1,'inf'),(2,2,'inf')", "22023")):
        if st == "ok":
            continue
        case("hungarian_agg", st,
             f"SELECT hungarian_agg(r, c, w) FROM (VALUES {rows}) v(r, c, w)")
    case("hungarian_agg", "54000", "SET LOCAL maintenance_work_mem = '1MB'\n--next\n"
         "SELECT hungarian_agg(i / 400, i % 400, 1) FROM generate_series(0, 160000) i")
    for a, b, st in ((P, "ARRAY['(0.1)']::poincare_point[]", "22023"),
                     ("ARRAY['(0.1)','(0.1,0.2)']::poincare_point[]", P, "22023"),
                     (P, "ARRAY['(0.1,0.2)', NULL]::poincare_point[]", "22004"),
                     ("ARRAY[NULL]::poincare_point[]", P, "22004")):
        case("hack_assign", st, f"SELECT * FROM hack_assign({a}, {b})")
    # hack_select and hack_knn_density
    for args, st in (("'bi', 0", "22023"), ("'bi', -0.5", "22023"), ("'bi', 1.5", "22023"),
                     ("'bi', 'nan'", "22023"), ("'bi', 'inf'", "22023"), ("'bi', 0.5, 'best'", "22023"),
                     ("'bi', 0.5, ''", "22023"), ("'nosuch', 0.5", "42704"), ("NULL, 0.5", "22004"),
                     ("'bi', NULL", "22004"), ("'bi', 0.5, NULL", "22004")):
        case("hack_select", st, f"SELECT * FROM hack_select({args})")
    for args, st in (("'bi', 0", "22023"), ("'bi', -1", "22023"), ("'bi', 1000", "22023"),
                     ("'bi', 2147483647", "22023"), ("'nosuch', 5", "42704"), ("'', 5", "42704")):
        case("hack_knn_density", st, f"SELECT * FROM hack_knn_density({args})")
    # hack_embed's other arguments
    case("hack_embed", "42704", "SELECT hack_embed('nosuch', @IMG@)")
    case("hack_embed", "42704", "SELECT hack_embed('bi', @IMG@, 'nosuch-group')")
    case("hack_embed", "42704", "SELECT hack_embed('', @IMG@)")
    # hack 1.1: a name longer than any model's (63) or group key (1024 bytes)
    # names no model or group: 42704 (1.0 said 42622, its cache key's limit)
    case("hack_embed", "42704", "SELECT hack_embed(repeat('m', 5000), @IMG@)")
    case("hack_embed", "42704", "SELECT hack_embed('bi', @IMG@, repeat('g', 5000))")
    # hack_plot
    two = "ARRAY['(0.1,0.2)','(0.3,0.1)']::poincare_point[]"
    for args, st in ((f"ARRAY['(0.1,0.2,0.3)']::poincare_point[]", "22023"),
                     (f"ARRAY['(0.1)']::poincare_point[]", "22023"),
                     (f"{two}, groups => ARRAY[1]", "22023"),
                     (f"{two}, groups => ARRAY[1,2,3]", "22023"),
                     (f"ARRAY['(0.1,0.2)', NULL]::poincare_point[]", "22004"),
                     (f"{two}, size => 63", "22023"), (f"{two}, size => 4097", "22023"),
                     (f"{two}, size => -1", "22023"), (f"{two}, size => NULL", "22004"),
                     (f"{two}, color_by => 'rainbow'", "22023"), (f"{two}, color_by => NULL", "22004"),
                     (f"{two}, images => ARRAY['\\x00'::bytea]", "22023"),
                     (f"{two}, images => ARRAY[decode(repeat('00', 784), 'hex'), decode(repeat('00', 784), 'hex')], rays => 0", "22023"),
                     (f"{two}, images => ARRAY[decode(repeat('00', 784), 'hex'), decode(repeat('00', 784), 'hex')], rays => 65", "22023"),
                     (f"{two}, images => ARRAY[decode(repeat('00', 784), 'hex'), decode(repeat('00', 784), 'hex')], rings => -1", "22023"),
                     (f"{two}, images => ARRAY[decode(repeat('00', 784), 'hex'), decode(repeat('00', 784), 'hex')], rings => 17", "22023"),
                     (f"{two}, images => ARRAY[decode(repeat('00', 784), 'hex'), decode(repeat('00', 784), 'hex')], height => 0", "22023"),
                     (f"{two}, images => ARRAY[decode(repeat('00', 784), 'hex'), decode(repeat('00', 784), 'hex')], channels => 0", "22023"),
                     (f"{two}, images => ARRAY[decode(repeat('00', 784), 'hex'), decode(repeat('00', 784), 'hex')], width => 100000", "22023")):
        case("hack_plot", st, f"SELECT hack_plot({args})")
    # hack_train: the table bi_imgs holds 20 good 8 x 8 u8 images
    base = {"model": "'bt'", "source": "'bi_imgs'", "height": "8", "width": "8",
            "architecture": "'mlp'", "hidden": "'{4}'", "epochs": "1", "pack_epochs": "1"}

    def train(**over):
        args = dict(base)
        args.update(over)
        return "CALL hack_train(" + ", ".join(f"{k} => {v}" for k, v in args.items()) + ")"

    T = train()[:-1]
    for extra, st in ((", dim => 0", "22023"), (", dim => 1025", "22023"), (", epochs => -1", "22023"),
                      (", epochs => 0", "22023"),
                      (", batch_size => 0", "22023"), (", batch_size => -5", "22023"), (", lr => 'nan'", "22023"),
                      (", lr => -1", "22023"), (", lr => 'inf'", "22023"), (", momentum => -0.1", "22023"),
                      (", momentum => 1.5", "22023"), (", weight_decay => -1", "22023"),
                      (", reassign_every => -1", "22023"), (", radius => 0", "22023"), (", radius => 1", "22023"),
                      (", k => 0", "22023"), (", pack_epochs => -1", "22023"), (", pack_lr => 'nan'", "22023"),
                      (", clip_r => -1", "22023"), (", clip_r => 'nan'", "22023"),
                      (", height => 0", "22023"), (", width => -1", "22023"), (", channels => 0", "22023"),
                      (", channels => 5", "22023"), (", height => 100000", "22023"),
                      (", format => 'gif'", "22023"), (", format => ''", "22023"),
                      (", architecture => 'resnet'", "22023"), (", hidden => '{0}'", "22023"), (", hidden => '{-4}'", "22023"),
                      (", hidden => '{1,2,3,4,5,6,7,8,9}'", "22023"), (", hidden => '{4,NULL}'", "22023"),
                      (", hidden => '{{4}}'", "22023"), (", hidden => '{100000}'", "22023"),
                      (", height => 9", "22P03"), (", format => 'f32'", "22P03"), (", format => 'npy'", "22P03"),
                      (", id_column => 'nosuch'", "42703"), (", image_column => 'nosuch'", "42703"),
                      (", group_column => 'nosuch'", "42703"), (", image_column => 'id'", "42804"),
                      (", id_column => 'img'", "42804"), (", id_column => 'label_text'", "42804")):
        k, v = extra[2:].split(" => ", 1)
        case("hack_train", st, train(**{k: v}))
    for pre, st in (("UPDATE bi_imgs SET img = NULL WHERE id = 3", "22004"),
                    ("UPDATE bi_imgs SET id = NULL WHERE id = 3", "22004"),
                    ("UPDATE bi_imgs SET id = 1 WHERE id = 2", "23505"),
                    ("UPDATE bi_imgs SET img = '\\x00' WHERE id = 4", "22P03"),
                    ("UPDATE bi_imgs SET img = img || img WHERE id = 5", "22P03"),
                    ("DELETE FROM bi_imgs WHERE id > 1", "22023"),
                    ("DELETE FROM bi_imgs", "22023")):
        case("hack_train", st, pre + "\n--next\n" + T + ")")
    case("hack_train", "42P01", "CALL hack_train(model => 'bt', source => 'nosuch_table')")
    case("hack_train", "22023", T.replace("model => 'bt'", "model => ''") + ")")
    case("hack_train", "22023", T.replace("model => 'bt'", "model => repeat('m', 64)") + ")")
    case("hack_train", "22004", T.replace("model => 'bt'", "model => NULL") + ")")
    case("hack_train", "22004", T.replace("source => 'bi_imgs'", "source => NULL") + ")")
    case("hack_train", "22004", train(epochs="NULL"))
    case("hack_train", "42703", "CALL hack_train(model => 'bt', source => 'hack.training_progress')")
    # the GUC
    for v, st in (("0", "22023"), ("65", "22023"), ("-1", "22023"), ("'abc'", "22023"), ("1e10", "22023")):
        case("guc", st, f"SET LOCAL hack.blas_threads = {v}")
    case("guc", "42602", "SET LOCAL hack.no_such_setting = 1")


point_literals()
typmods()
hball_literals()
binary()
arrays()
geometry()
tensors()
images()
model_blobs()
catalog()
parameters()

print("-- generated by test/t/bad_input_cases.py, seed %d" % SEED)
for i, (cat, expected, sql) in enumerate(cases, 1):
    assert "$hackq$" not in sql
    print(f"INSERT INTO bad_cases VALUES ({i}, '{cat}', '{expected}', $hackq${sql}$hackq$);")
