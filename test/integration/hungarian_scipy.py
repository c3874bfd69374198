#!/usr/bin/python3
"""Cross-check hungarian() and hack_assign() against scipy (test/integration).

Each case draws a seeded random cost matrix, solves it with
scipy.optimize.linear_sum_assignment and through SQL in the database
named by the PG* environment (the extension must be installed there), and
compares the optimal totals (1e-9 relative).  Prints one line per case and
a last line "hungarian_scipy: N passed, M failed".  Without scipy it prints
a note and "0 passed, 0 failed".
"""
import os
import subprocess
import sys

try:
    import numpy as np
    from scipy.optimize import linear_sum_assignment
except ImportError:
    print("note: scipy is not installed for /usr/bin/python3; cross-check skipped")
    print("hungarian_scipy: 0 passed, 0 failed")
    sys.exit(0)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from poincare_np import disc_points, matrix_literal, points_literal, poincare_distances  # noqa: E402

TOL = 1e-9


def psql(sql, stdin=None):
    """Run sql with psql; return stdout (unaligned, tuples only)."""
    r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                       input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr.strip())
    return r.stdout.strip()


def sql_total(table, row, query):
    """Load one row into table by COPY, run query; return (total, pairs)."""
    psql(f"TRUNCATE {table}")
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", f"COPY {table} FROM STDIN"],
                   input="\t".join(row) + "\n", text=True, check=True, capture_output=True)
    total, count = psql(query).split("|")
    return float(total), int(count)


def check(name, want, pairs, solve):
    """Compare the SQL total of solve() with scipy's; print and return success."""
    try:
        got, count = solve()
    except (RuntimeError, subprocess.CalledProcessError) as e:
        got, count = float("nan"), 0
        print(f"  {name}: {e}")
    ok = abs(got - want) <= TOL * max(1.0, abs(want)) and count == pairs
    print(f"{'ok' if ok else 'FAIL'} {name}: sql {got!r} scipy {want!r} pairs {count}")
    return ok


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
        ok = check(name, c[r, k].sum(), len(r), lambda: sql_total(
            "hungarian_scipy_case", [matrix_literal(c)],
            "SELECT sum(h.cost), count(*) FROM hungarian_scipy_case t, "
            f"hungarian(t.c, {'true' if maximize else 'false'}) h"))
        passed, failed = passed + ok, failed + (not ok)

    # hack_assign builds the hyperbolic matrix itself (hyp_distance)
    r, k = linear_sum_assignment(hyp)
    ok = check("hack_assign 1000 points", hyp[r, k].sum(), 1000, lambda: sql_total(
        "hungarian_scipy_points", [points_literal(x), points_literal(y)],
        "SELECT sum(a.distance), count(*) FROM hungarian_scipy_points t, hack_assign(t.p, t.t) a"))
    passed, failed = passed + ok, failed + (not ok)

    psql("DROP TABLE hungarian_scipy_case, hungarian_scipy_points")
    print(f"hungarian_scipy: {passed} passed, {failed} failed")
    return failed == 0


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
