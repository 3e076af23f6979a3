#!/usr/bin/env python3
"""The Reproduce panel's figures against `mpg reproduce`'s, row by row (issue 9: the panel's
rows equal the CLI's within a stated tolerance). Reads the panel's final cells from
e2e/artifacts/full-report.json (written by `bash e2e/run.sh --full-report`) and the CLI's
tables from the JSON files of `mpg reproduce noise` and `mpg reproduce crossbar`:

    python3 e2e/compare-with-cli.py e2e/artifacts/full-report.json results/reproduce-noise.json results/reproduce-crossbar.json

Prints one line per (row, figure) with both values and the difference, then the largest
difference per figure. Standard library only.
"""
import json
import sys

# The panel's columns (src/app/panels/report_table.rs COLUMNS): (report, ours) pairs after the label.
COLUMNS = ["clean", "std1_0", "std1_5", "crossbar", "crossbar_faults"]
# The panel's section titles map to the CLI's section keys by their rows; rows are keyed anyway.


def panel_rows(path):
    cells = json.load(open(path))["cells"]
    out = {}
    for section, key, label, *rest in cells:
        ours = rest[1:10:2]  # report, ours, report, ours, ... -> ours
        vals = {}
        for name, text in zip(COLUMNS, ours):
            try:
                vals[name] = float(text)
            except ValueError:
                pass
        out.setdefault(key, {}).update(vals)
    return out


def cli_rows(paths):
    out = {}
    for p in paths:
        for r in json.load(open(p))["table"]["rows"]:
            for name in COLUMNS:
                v = r["ours"].get(name)
                if v is not None:
                    out.setdefault(r["key"], {})[name] = v["mean"]
    return out


def main():
    panel = panel_rows(sys.argv[1])
    cli = cli_rows(sys.argv[2:])
    worst = {}
    for key in sorted(set(panel) & set(cli)):
        for name in COLUMNS:
            if name in panel[key] and name in cli[key]:
                a, b = panel[key][name], round(cli[key][name], 2)
                d = round(a - b, 2)
                print(f"{key:16} {name:16} panel {a:6.2f}  cli {b:6.2f}  diff {d:+6.2f}")
                if abs(d) > abs(worst.get(name, (0, ""))[0]):
                    worst[name] = (d, key)
    missing = sorted(set(cli) - set(panel))
    if missing:
        print("rows only in the CLI's tables:", ", ".join(missing))
    for name in COLUMNS:
        if name in worst:
            print(f"largest difference, {name}: {worst[name][0]:+.2f} pp ({worst[name][1]})")


if __name__ == "__main__":
    main()
