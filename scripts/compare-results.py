#!/usr/bin/env python3
"""Do two runs of `mpg reproduce` agree within their seed and draw spread?

  python3 scripts/compare-results.py results/reproduce-noise.json /tmp/regen/reproduce-noise.json

For every row and figure of the seed table, the per-seed values of each run (a figure's 30-draw
mean per training seed where the run has the expectation, else the report protocol's 5-draw
mean, or the clean accuracy) give a mean and a standard error over seeds; the two means agree
when they differ by at most 2 standard errors of the difference, sqrt(se_a^2 + se_b^2). With a
few dozen figures about one in twenty may exceed 2 by chance, so the script also counts those
beyond 3. Prints one line per figure and a summary; exits 1 if any figure is beyond 3.
Python 3 standard library only.
"""
import json
import math
import statistics
import sys


def per_seed(fig):
    e = fig.get("expectation")
    if e and e.get("per_seed"):
        return e["per_seed"], "30-draw mean"
    return fig["protocol"], "protocol"


def figures(path):
    out = {}
    for row in json.load(open(path))["seed_table"]["rows"]:
        for fig in row["figures"]:
            values, kind = per_seed(fig)
            out[(row["key"], fig["figure"])] = (values, kind)
    return out


def mean_se(values):
    n = len(values)
    m = statistics.fmean(values)
    return m, (statistics.stdev(values) / math.sqrt(n) if n > 1 else 0.0), n


def main(a_path, b_path):
    a, b = figures(a_path), figures(b_path)
    beyond2, beyond3, compared = [], [], 0
    for key in a:
        if key not in b:
            print(f"{key[0]:24} {key[1]:18} only in {a_path}")
            continue
        (va, kind), (vb, _) = a[key], b[key]
        ma, sa, na = mean_se(va)
        mb, sb, nb = mean_se(vb)
        se = math.hypot(sa, sb)
        z = (mb - ma) / se if se > 0 else (0.0 if mb == ma else math.inf)
        compared += 1
        mark = "" if abs(z) <= 2 else (" > 2 se" if abs(z) <= 3 else " > 3 se")
        if abs(z) > 2:
            beyond2.append(key)
        if abs(z) > 3:
            beyond3.append(key)
        print(f"{key[0]:24} {key[1]:18} {ma:7.2f} (n={na}) -> {mb:7.2f} (n={nb})  diff {mb - ma:+6.2f} pp  z {z:+5.2f}  [{kind}]{mark}")
    for key in b:
        if key not in a:
            print(f"{key[0]:24} {key[1]:18} only in {b_path}")
    print(f"{compared} figures compared: {compared - len(beyond2)} within 2 standard errors, "
          f"{len(beyond2) - len(beyond3)} between 2 and 3, {len(beyond3)} beyond 3")
    return 1 if beyond3 else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
