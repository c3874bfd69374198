"""poincare_point <-> numpy for psycopg 3 (doc/clients.md).

register_poincare(conn) makes every poincare_point read a float64 numpy
array, in text or binary results, and sends numpy arrays as poincare_point
in text (%t) or binary (%b) parameters.

Wire formats (src/poincare_io.c, src/core/point_binary.c):
  text    "(x1,...,xn)" out; "(x1,...,xn)" or "[x1,...,xn]" in
  binary  int16 dimension, int16 flags (0), then n float8, all big-endian
"""
import struct

import numpy as np
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format
from psycopg.types import TypeInfo


class PointTextLoader(Loader):
    def load(self, data):
        # "(0.1,-0.25)": float() reads the shortest round-trip digits exactly
        return np.array([float(x) for x in bytes(data)[1:-1].split(b",")])


class PointBinaryLoader(Loader):
    format = Format.BINARY

    def load(self, data):
        dim, flags = struct.unpack_from(">hh", data)
        return np.frombuffer(data, dtype=">f8", count=dim, offset=4).astype(np.float64)


class PointTextDumper(Dumper):
    def dump(self, obj):
        # repr() of a float is its shortest round-trip form: nothing is lost
        return ("[" + ",".join(repr(float(x)) for x in np.ravel(obj)) + "]").encode()


class PointBinaryDumper(Dumper):
    format = Format.BINARY

    def dump(self, obj):
        a = np.ascontiguousarray(np.ravel(obj), dtype=">f8")
        return struct.pack(">hh", a.size, 0) + a.tobytes()


def register_poincare(conn):
    """Register the poincare_point adapters on conn (a psycopg.Connection)."""
    info = TypeInfo.fetch(conn, "poincare_point")
    if info is None:
        raise RuntimeError("type poincare_point not found: CREATE EXTENSION hack first")
    info.register(conn)  # the type's name, for copy.set_types()
    conn.adapters.register_loader(info.oid, PointTextLoader)
    conn.adapters.register_loader(info.oid, PointBinaryLoader)
    # numpy arrays become poincare_point parameters (typed, so "p <-> %b" resolves)
    for base in (PointTextDumper, PointBinaryDumper):
        conn.adapters.register_dumper(np.ndarray, type(base.__name__, (base,), {"oid": info.oid}))
    return info
