# Sourced by bench/compare.sh and bench/link-order.sh, from the repository's root: `gen NAME
# SHAPE ARGS...` writes the pair target/bench/data/NAME/{staging,production}.json with
# bench/gen_surfaces.py, and writes it again only when the generator or the arguments
# changed (a stamp beside the pair records both).
gen() { # name shape args...
    local name=$1 shape=$2
    shift 2
    local dir="target/bench/data/$name" stamp="target/bench/data/$name/.made-by"
    local want
    want="$(sha256sum bench/gen_surfaces.py | cut -d' ' -f1) $shape $*"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return
    fi
    python3 bench/gen_surfaces.py "$shape" "$dir" "$@" >&2
    echo "$want" >"$stamp"
}
