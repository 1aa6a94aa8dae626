#!/usr/bin/env bash
# Writes link/symbol-order.txt, the order in which build.rs has the linker lay out the
# envparity binary's code: every function that typical runs execute (diff of the bench
# pairs, check of the shipped example pair in each report format, snapshot), those most runs
# share first. Code a run needs then lies together, and a run maps far fewer of the
# binary's pages (bench/README.md, "Eighth round").
#
#   bash bench/link-order.sh      # the release and dist profiles, both shipped
#
# The names are the build's own, so they hold for one toolchain and one Cargo.lock, and for
# the functions of the code as it is: run this again when the toolchain or the dependencies
# change, or when a change moves much code (bench/link-coverage.sh counts how many of the
# names of a profile a binary still has). A stale name costs nothing but its place.
# Needs valgrind (callgrind lists the functions a run executes), nm and python3.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
work="$root/target/link-order"
data="$root/target/bench/data"
out="$root/link/symbol-order.txt"
say() { printf 'link-order.sh: %s\n' "$*" >&2; }

for tool in valgrind nm python3; do
    if ! command -v "$tool" >/dev/null; then
        say "missing: $tool (sudo apt-get install valgrind binutils python3)"
        exit 2
    fi
done
profiles=(release dist)

# The bench pairs the runs read, as bench/compare.sh makes them.
# shellcheck source=bench/pairs.sh
. bench/pairs.sh
gen realistic realistic
gen keyed-10k keyed --entries 10000
gen empty empty
mkdir -p "$work"

pair() { echo "$data/$1/staging.json $data/$1/production.json"; }
examples="--staging examples/staging --production examples/production"
runs=(
    "diff $(pair realistic)"
    "diff $(pair realistic) --format json --show-expected"
    "diff $(pair keyed-10k)"
    "diff $(pair empty) --format json"
    "check $examples"
    "check $examples --format json"
    "check $examples --format markdown"
    "check $examples --format junit"
    "check $examples --format sarif"
    "snapshot --env staging --source examples/staging --output $work/snapshot.json"
)

for profile in "${profiles[@]}"; do
    say "building the $profile profile"
    cargo build --quiet --locked --profile "$profile" --bin envparity
    bin="$root/target/$profile/envparity"
    nm --defined-only "$bin" | awk '$2 ~ /^[tTwW]$/ {print $3}' | sort -u >"$work/$profile.symbols"
    if [ ! -s "$work/$profile.symbols" ]; then
        say "the $profile build has no symbol table (is the profile stripped?)"
        exit 2
    fi
    rm -f "$work/$profile".*.callgrind
    i=0
    for run in "${runs[@]}"; do
        i=$((i + 1))
        say "$profile: envparity $run"
        # shellcheck disable=SC2086 # each run is a word list
        valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/$profile.$i.callgrind" \
            "$bin" $run >/dev/null 2>"$work/$profile.$i.log" || true
        # A run that failed to start would order nothing: every run must have judged.
        grep -q '^fn=' "$work/$profile.$i.callgrind" || { say "callgrind recorded nothing for: $run"; exit 1; }
    done
done

python3 - "$work" "$out" "$(rustc --version)" "${profiles[@]}" <<'EOF'
import collections, glob, os, re, sys

work, out, rustc, profiles = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
define = re.compile(r"^c?fn=\(\d+\) (.+)$")
lines = [
    "# The envparity binary's functions in the order the linker lays them out (build.rs).",
    "# Written by bench/link-order.sh with " + rustc + "; the names are those builds'.",
]
for profile in profiles:
    with open(os.path.join(work, profile + ".symbols")) as f:
        symbols = set(f.read().split())
    runs = collections.Counter()
    files = sorted(glob.glob(os.path.join(work, profile + ".*.callgrind")))
    for path in files:
        seen = set()
        with open(path, errors="replace") as f:
            for line in f:
                m = define.match(line)
                if m and m.group(1) in symbols:
                    seen.add(m.group(1))
        runs.update(seen)
    names = sorted(runs, key=lambda name: (-runs[name], name))
    lines.append(f"# profile {profile}: {len(names)} functions from {len(files)} runs")
    lines += names
    print(f"link-order.sh: {profile}: {len(names)} functions", file=sys.stderr)
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as f:
    f.write("\n".join(lines) + "\n")
EOF
say "wrote ${out#"$root"/}; the next build of envparity links in its order"
