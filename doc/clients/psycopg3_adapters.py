# psycopg 3: poincare_point as numpy arrays, in text and binary (doc/clients.md)
import numpy as np
import psycopg

from poincare_psycopg import register_poincare

with psycopg.connect() as conn:  # libpq's PG* variables say where
    register_poincare(conn)
    conn.execute("CREATE TEMP TABLE pts (id int PRIMARY KEY, p poincare_point(2))")
    rng = np.random.default_rng(1)
    points = {i: rng.uniform(-0.6, 0.6, 2) for i in range(1, 101)}
    with conn.cursor() as cur:
        # %b: binary parameters (bit-exact float8); %t would send "[x,y]" text
        cur.executemany("INSERT INTO pts VALUES (%s, %b)", list(points.items()))
    conn.execute("CREATE INDEX ON pts USING gist (p)")
    conn.execute("ANALYZE pts")

    text = conn.execute("SELECT p FROM pts WHERE id = 7").fetchone()[0]
    binary = conn.execute("SELECT p FROM pts WHERE id = 7", binary=True).fetchone()[0]
    print("text result:", type(text).__name__, text.dtype, text.shape,
          "exact:", np.array_equal(text, points[7]))
    print("binary result:", type(binary).__name__, binary.dtype, binary.shape,
          "exact:", np.array_equal(binary, points[7]))

    # the 5 nearest points by hyperbolic distance, answered by the GiST index
    q = np.array([0.1, -0.2])
    rows = conn.execute("SELECT id, p <-> %b FROM pts ORDER BY p <-> %b LIMIT 5", [q, q]).fetchall()

    def distance(u, v):  # the same, in numpy: arcosh(1 + 2|u-v|^2 / ((1-|u|^2)(1-|v|^2)))
        return np.arccosh(1 + 2 * np.sum((u - v) ** 2) / ((1 - u @ u) * (1 - v @ v)))

    expected = sorted(points, key=lambda i: distance(points[i], q))[:5]
    print("nearest ids:", [r[0] for r in rows], "numpy agrees:", [r[0] for r in rows] == expected)
    plan = conn.execute("EXPLAIN (COSTS OFF) SELECT id FROM pts ORDER BY p <-> %b LIMIT 5", [q]).fetchall()
    print("index scan:", any("Index Scan using pts_p_idx" in line for (line,) in plan))

    # a plain Python list as text: str(list) is a valid literal
    lst = [0.25, -0.5]
    print("str(list) literal:", conn.execute("SELECT %s::poincare_point::text", [str(lst)]).fetchone()[0])
