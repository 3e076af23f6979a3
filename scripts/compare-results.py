#!/usr/bin/env python3
"""Do two runs of `mpg reproduce` agree within their seed and draw spread?

  python3 scripts/compare-results.py results/reproduce-noise.json /tmp/regen/reproduce-noise.json

For every row and figure of the seed table, the per-seed values of each run (a figure's 30-draw
mean per training seed where the run has the expectation, else the report protocol's 5-draw
mean, or the clean accuracy) give a mean and a standard error over seeds. The difference of the
two means is tested with Welch's t: with 3 or 5 seeds a standard error is itself uncertain, so
the threshold is Student's t at Welch's degrees of freedom, not the normal 2. A figure agrees
when |t| is within the two-sided 95% critical value; about one figure in twenty falls outside it
by chance, so the script fails (exit 1) only on a figure beyond the 99.9% value. Prints one line
per figure and a summary. Python 3 standard library only.
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


# Two-sided critical values of Student's t, by degrees of freedom 1..30 (then the normal's).
T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
       2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
       2.045, 2.042]
T999 = [636.6, 31.60, 12.92, 8.610, 6.869, 5.959, 5.408, 5.041, 4.781, 4.587, 4.437, 4.318, 4.221, 4.140,
        4.073, 4.015, 3.965, 3.922, 3.883, 3.850, 3.819, 3.792, 3.768, 3.745, 3.725, 3.707, 3.690, 3.674,
        3.659, 3.646]


def critical(table, normal, df):
    """The critical value at `df` degrees of freedom, rounded up (the stricter side: fewer
    degrees of freedom would allow a larger |t|)."""
    d = int(math.ceil(df - 1e-9))
    return normal if d > len(table) else table[max(d, 1) - 1]


def welch_df(sa, na, sb, nb):
    num = (sa * sa + sb * sb) ** 2
    den = (sa ** 4) / max(na - 1, 1) + (sb ** 4) / max(nb - 1, 1)
    return num / den if den > 0 else float(na + nb - 2)


def mean_se(values):
    n = len(values)
    m = statistics.fmean(values)
    return m, (statistics.stdev(values) / math.sqrt(n) if n > 1 else 0.0), n


def main(a_path, b_path):
    a, b = figures(a_path), figures(b_path)
    outside95, outside999, compared = [], [], 0
    for key in a:
        if key not in b:
            print(f"{key[0]:24} {key[1]:18} only in {a_path}")
            continue
        (va, kind), (vb, _) = a[key], b[key]
        ma, sa, na = mean_se(va)
        mb, sb, nb = mean_se(vb)
        se = math.hypot(sa, sb)
        t = (mb - ma) / se if se > 0 else (0.0 if mb == ma else math.inf)
        df = welch_df(sa, na, sb, nb)
        c95, c999 = critical(T95, 1.960, df), critical(T999, 3.291, df)
        compared += 1
        mark = "" if abs(t) <= c95 else (" outside 95%" if abs(t) <= c999 else " OUTSIDE 99.9%")
        if abs(t) > c95:
            outside95.append(key)
        if abs(t) > c999:
            outside999.append(key)
        print(f"{key[0]:24} {key[1]:18} {ma:7.2f} (n={na}) -> {mb:7.2f} (n={nb})  diff {mb - ma:+6.2f} pp  "
              f"t {t:+5.2f} (df {df:4.1f}, 95% at {c95:.2f})  [{kind}]{mark}")
    for key in b:
        if key not in a:
            print(f"{key[0]:24} {key[1]:18} only in {b_path}")
    print(f"{compared} figures compared: {compared - len(outside95)} within the 95% critical value, "
          f"{len(outside95) - len(outside999)} between 95% and 99.9%, {len(outside999)} beyond 99.9%")
    return 1 if outside999 else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
