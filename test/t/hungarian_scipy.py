#!/usr/bin/python3
"""Cases and scipy's answers for test/t/014_hungarian_scipy.pl.

Draws seeded random cost matrices (and two point sets for hack_assign),
solves each with scipy.optimize.linear_sum_assignment and writes, in the
directory given as the only argument, one COPY file per case (NN.copy: one
row, the float8[][] matrix, or the two poincare_point[] arrays) and
cases.tsv: "NN<TAB>kind<TAB>maximize<TAB>total<TAB>pairs<TAB>name" per case,
kind "matrix" (hungarian()) or "points" (hack_assign()), total scipy's
optimal sum with round-trip digits.  The test loads each file, solves it in
SQL and compares.  Exits 3 when numpy or scipy is missing.
"""
import os
import sys

try:
    import numpy as np
    from scipy.optimize import linear_sum_assignment
except ImportError:
    print("numpy or scipy is not installed for this python3", file=sys.stderr)
    sys.exit(3)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from poincare_np import disc_points, matrix_literal, points_literal, poincare_distances  # noqa: E402


def main(out):
    rng = np.random.default_rng(20261123)
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
    with open(os.path.join(out, "cases.tsv"), "w") as manifest:
        def case(i, kind, maximize, c, row, name):
            r, k = linear_sum_assignment(c, maximize=maximize)
            with open(os.path.join(out, "%02d.copy" % i), "w") as f:
                f.write("\t".join(row) + "\n")
            manifest.write("%02d\t%s\t%s\t%r\t%d\t%s\n" % (
                i, kind, "true" if maximize else "false", float(c[r, k].sum()), len(r), name))

        for i, (name, c, maximize) in enumerate(cases, 1):
            case(i, "matrix", maximize, c, [matrix_literal(c)], name)
        # hack_assign builds the hyperbolic matrix itself (hyp_distance)
        case(len(cases) + 1, "points", False, hyp, [points_literal(x), points_literal(y)],
             "hack_assign 1000 points")


if __name__ == "__main__":
    main(sys.argv[1])
