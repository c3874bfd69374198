#!/usr/bin/python3
"""Cross-check hungarian() and hack_assign() against scipy (test/integration).

Each case draws a seeded random cost matrix, solves it with
scipy.optimize.linear_sum_assignment and through SQL in the database
named by the PG* environment (the extension must be installed there), and
compares the optimal totals (1e-9 relative).  Prints one line per case and
a last line "hungarian_scipy: N passed, M failed".  Without scipy it prints
a note and "0 passed, 0 failed".
"""
import subprocess
import sys

try:
    import numpy as np
    from scipy.optimize import linear_sum_assignment
except ImportError:
    print("note: scipy is not installed for /usr/bin/python3; cross-check skipped")
    print("hungarian_scipy: 0 passed, 0 failed")
    sys.exit(0)

TOL = 1e-9


def psql(sql, stdin=None):
    """Run sql with psql; return stdout (unaligned, tuples only)."""
    r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                       input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    return r.stdout.strip()


def literal(rows):
    """A float8[] literal with round-trip digits (repr)."""
    return "{" + ",".join("{" + ",".join(repr(float(v)) for v in row) + "}" for row in rows) + "}"


def disc_points(rng, n, radius=0.95):
    r = radius * np.sqrt(rng.random(n))
    t = 2 * np.pi * rng.random(n)
    return np.stack([r * np.cos(t), r * np.sin(t)], axis=1)


def poincare_distances(x, y):
    sq = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
    den = (1 - (x ** 2).sum(1))[:, None] * (1 - (y ** 2).sum(1))[None, :]
    return np.arccosh(1 + 2 * sq / den)


def sql_total_matrix(c, maximize):
    psql("TRUNCATE hungarian_scipy_case")
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
                    "COPY hungarian_scipy_case(c) FROM STDIN"],
                   input=literal(c) + "\n", text=True, check=True, capture_output=True)
    out = psql("SELECT sum(h.cost), count(*) FROM hungarian_scipy_case t, "
               f"hungarian(t.c, {'true' if maximize else 'false'}) h")
    total, count = out.split("|")
    return float(total), int(count)


def sql_total_points(x, y):
    pts = lambda p: "{" + ",".join('"(%r,%r)"' % (float(a), float(b)) for a, b in p) + "}"
    psql("TRUNCATE hungarian_scipy_points")
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
                    "COPY hungarian_scipy_points(p, t) FROM STDIN"],
                   input=pts(x) + "\t" + pts(y) + "\n", text=True, check=True,
                   capture_output=True)
    out = psql("SELECT sum(a.distance), count(*) FROM hungarian_scipy_points t, "
               "hack_assign(t.p, t.t) a")
    total, count = out.split("|")
    return float(total), int(count)


def main():
    rng = np.random.default_rng(20261123)
    psql("DROP TABLE IF EXISTS hungarian_scipy_case, hungarian_scipy_points; "
         "CREATE TABLE hungarian_scipy_case(c float8[]); "
         "CREATE TABLE hungarian_scipy_points(p poincare_point[], t poincare_point[])")
    x, y = disc_points(rng, 1000), disc_points(rng, 1000)
    hyp = poincare_distances(x, y)
    cases = [
        ("uniform 1000x1000", rng.random((1000, 1000)), False),
        ("integer 0..10^6 1000x1000", rng.integers(0, 10 ** 6, (1000, 1000)).astype(float), False),
        ("integer round(4 d) 1000x1000 (many ties)", np.round(4 * hyp), False),
        ("integer round(2 d) 1000x1000 maximize (ties)", np.round(2 * hyp), True),
        ("hyperbolic 1000x1000", hyp, False),
        ("uniform 700x1000 maximize", rng.random((700, 1000)), True),
        ("normal 1000x600 (transposed)", rng.normal(size=(1000, 600)), False),
    ]
    passed = failed = 0
    for name, c, maximize in cases:
        r, k = linear_sum_assignment(c, maximize=maximize)
        want = c[r, k].sum()
        try:
            got, count = sql_total_matrix(c, maximize)
        except (RuntimeError, subprocess.CalledProcessError) as e:
            got, count = float("nan"), 0
            print(f"  {name}: {e}")
        ok = abs(got - want) <= TOL * max(1.0, abs(want)) and count == len(r)
        print(f"{'ok' if ok else 'FAIL'} {name}: sql {got!r} scipy {want!r} pairs {count}")
        passed, failed = passed + ok, failed + (not ok)

    # hack_assign builds the hyperbolic matrix itself (hyp_distance)
    r, k = linear_sum_assignment(hyp)
    want = hyp[r, k].sum()
    try:
        got, count = sql_total_points(x, y)
    except (RuntimeError, subprocess.CalledProcessError) as e:
        got, count = float("nan"), 0
        print(f"  hack_assign: {e}")
    ok = abs(got - want) <= TOL * abs(want) and count == 1000
    print(f"{'ok' if ok else 'FAIL'} hack_assign 1000 points: sql {got!r} scipy {want!r}")
    passed, failed = passed + ok, failed + (not ok)

    psql("DROP TABLE hungarian_scipy_case, hungarian_scipy_points")
    print(f"hungarian_scipy: {passed} passed, {failed} failed")
    return failed == 0


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
