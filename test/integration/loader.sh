#!/usr/bin/env bash
# test/integration/loader.sh: hack-load on small IDX and .npy fixtures:
# round trips (stored bytes equal the file's), and truncated, mismatched or
# foreign files rejected with a message, a non-zero exit and nothing loaded.
# Uses the cluster of test/run.sh (PGHOST, PGPORT, PGUSER exported).
set -uo pipefail
LOAD=$(pg_config --bindir 2>/dev/null)/hack-load
[ -x "$LOAD" ] || LOAD=/usr/lib/postgresql/15/bin/hack-load
DB=hack_loader_it
dir=$(mktemp -d)
passed=0
failed=0
check() {	# check NAME EXPECTED ACTUAL (long values are shown by their first differing line)
	if [ "$2" = "$3" ]; then
		passed=$((passed + 1)); echo "ok $1"
	else
		failed=$((failed + 1))
		echo "FAIL $1:"
		diff <(echo "$2") <(echo "$3") | head -4 | cut -c1-200
	fi
}
q() { psql -X -q -At -d "$DB" -c "$1" 2>&1; }
stored() { q "SELECT id || ' ' || coalesce(label::text, '') || ' ' || encode(img, 'hex') FROM $1 ORDER BY id"; }

/usr/bin/python3 "$(dirname "$0")/make_fixtures.py" "$dir" || { echo "loader: 0 passed, 1 failed"; exit 1; }
dropdb --if-exists "$DB" >/dev/null 2>&1
createdb "$DB"

"$LOAD" -q -d "$DB" -t idx_plain --create "$dir/idx-images" "$dir/idx-labels"
check "IDX plain round trip" "$(cat "$dir/idx.expect")" "$(stored idx_plain)"
"$LOAD" -q -d "$DB" -t public.idx_gz --create "$dir/idx-images.gz" "$dir/idx-labels.gz"
check "IDX gzip round trip" "$(cat "$dir/idx.expect")" "$(stored idx_gz)"
"$LOAD" -q -d "$DB" -t npy_u8 --create "$dir/u8.npy" "$dir/labels.npy"
check "npy uint8 with npy labels" "$(cat "$dir/u8.expect")" "$(stored npy_u8)"
"$LOAD" -q -d "$DB" -t npy_f32 --create "$dir/f32.npy.gz"
check "npy float32 HWC to CHW, no labels" "$(cat "$dir/f32.expect")" "$(stored npy_f32)"
"$LOAD" -q -d "$DB" -t idx_gz --truncate --start-id 100 --limit 5 "$dir/idx-images.gz"
check "truncate, start-id and limit" "100-104:5:0" "$(q "SELECT min(id) || '-' || max(id) || ':' || count(*) || ':' || count(label) FROM idx_gz")"
out=$("$LOAD" -d "$DB" -t "Odd Name" --create "$dir/idx-images" 2>&1)
check "quoted table names and a summary line" "37" "$(q 'SELECT count(*) FROM "Odd Name"')"
check "summary names the count" "loaded 37 images" "$(echo "$out" | grep -o 'loaded 37 images')"

# failures: message, non-zero exit, nothing loaded (the --create is rolled back too)
fails() {	# fails NAME EXPECTED-MESSAGE-PART ARGS...
	local name=$1 want=$2
	shift 2
	local out rc
	out=$("$LOAD" -q -d "$DB" -t bad --create "$@" 2>&1)
	rc=$?
	check "$name: exit status" "1" "$rc"
	check "$name: message" "$want" "$(echo "$out" | grep -o "$want" | head -1)"
	check "$name: nothing loaded" "f" "$(q "SELECT to_regclass('bad') IS NOT NULL")"
}
fails "truncated IDX" "is truncated" "$dir/idx-images-truncated" "$dir/idx-labels"
fails "IDX with trailing data" "has data after its 37 items" "$dir/idx-images-long"
fails "fewer labels than images" "has 36 labels but" "$dir/idx-images" "$dir/idx-labels-short"
fails "not a dataset" "neither an IDX nor a .npy file" "$dir/garbage"
fails "float64 images" "images must be uint8 or float32" "$dir/f64.npy"
fails "truncated npy" "is truncated" "$dir/u8-truncated.npy"
fails "missing file" "could not open" "$dir/nope"
out=$("$LOAD" 2>&1); rc=$?
check "usage error exits 2" "2" "$rc"

dropdb "$DB"
rm -rf "$dir"
echo "loader: $passed passed, $failed failed"
[ "$failed" = 0 ]
