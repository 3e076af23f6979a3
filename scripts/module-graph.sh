#!/usr/bin/env bash
# The dependency edges between the engine's top-level modules (crates/engine/src/<module>),
# read from `crate::<module>` references in code (`use` lines and paths; comments and doc
# links are not dependencies), and a check that they
# form no cycle. Lines marked `// compat re-export` (old paths kept for code outside the
# engine) are listed apart and left out of the check: they are not dependencies of the module
# that hosts them.
#
#   bash scripts/module-graph.sh              # print the edges; exit 1 on a cycle
#   bash scripts/module-graph.sh --edges FILE # check "from to" lines from FILE instead
#   bash scripts/module-graph.sh --self-test  # proves the check finds a cycle and passes a DAG
set -euo pipefail

src="$(cd "$(dirname "$0")/.." && pwd)/crates/engine/src"

# Edges "from to" of the engine, one per line, sorted and unique.
engine_edges() {
    local module files
    for path in "$src"/*; do
        module="$(basename "$path" .rs)"
        [[ "$module" == lib ]] && continue
        if [[ -d "$path" ]]; then files="$(find "$path" -name '*.rs')"; else files="$path"; fi
        # shellcheck disable=SC2086
        grep -h -v -e 'compat re-export' -e '^[[:space:]]*//' $files | grep -oE 'crate::[a-z_]+' | sed 's/crate:://' |
            grep -vx "$module" | sed "s/^/$module /" || true
    done | sort -u
}

compat_edges() {
    grep -rn 'compat re-export' "$src" | sed "s|$src/||" || true
}

# Reads "from to" lines on stdin; prints the modules on a cycle and returns 1 if there is one.
check_acyclic() {
    awk '
        { from[NR] = $1; to[NR] = $2; node[$1]; node[$2] }
        END {
            # Peel nodes without incoming edges, then nodes without outgoing edges, until
            # neither is left: what remains lies on a cycle.
            for (v in node) alive[v] = 1
            do {
                changed = 0
                for (v in node) { indeg[v] = 0; outdeg[v] = 0 }
                for (i = 1; i <= NR; i++)
                    if (alive[from[i]] && alive[to[i]]) { outdeg[from[i]]++; indeg[to[i]]++ }
                for (v in node)
                    if (alive[v] && (indeg[v] == 0 || outdeg[v] == 0)) { alive[v] = 0; changed = 1 }
            } while (changed)
            cyclic = ""
            for (v in node) if (alive[v]) cyclic = cyclic " " v
            if (cyclic != "") { print "cycle among:" cyclic; exit 1 }
        }'
}

case "${1:-}" in
--self-test)
    printf 'a b\nb c\nc a\nd a\n' | check_acyclic >/dev/null && { echo "self-test FAILED: a cycle a->b->c->a passed"; exit 1; }
    printf 'a b\nb c\na c\n' | check_acyclic || { echo "self-test FAILED: a DAG was called cyclic"; exit 1; }
    printf 'x y\ny x\n' | check_acyclic >/dev/null && { echo "self-test FAILED: a 2-cycle passed"; exit 1; }
    echo "self-test passed: cycles are found, a DAG passes"
    ;;
--edges)
    check_acyclic <"$2" && echo "no cycle"
    ;;
"")
    edges="$(engine_edges)"
    echo "engine module edges (from -> to):"
    echo "$edges" | awk '{ printf "  %-12s -> %s\n", $1, $2 }'
    compat="$(compat_edges)"
    if [[ -n "$compat" ]]; then
        echo "compatibility re-exports (old paths for the app; not counted):"
        echo "$compat" | sed 's/^/  /'
    fi
    if echo "$edges" | check_acyclic; then echo "no cycle"; else exit 1; fi
    ;;
*)
    echo "usage: $0 [--self-test | --edges FILE]" >&2
    exit 2
    ;;
esac
