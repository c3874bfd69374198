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
"$LOAD" -q -d "$DB" -t edge_labels --create "$dir/idx-images" "$dir/labels-edge.npy"
check "int32 edge labels, big-endian int64" "-2147483648 2147483647 37" "$(q "SELECT min(label) || ' ' || max(label) || ' ' || count(*) FROM edge_labels")"
"$LOAD" -q -d "$DB" -t max_ids --create --start-id 9223372036854775771 "$dir/idx-images"
check "start-id up to the bigint maximum" "9223372036854775771 9223372036854775807 37" "$(q "SELECT min(id) || ' ' || max(id) || ' ' || count(*) FROM max_ids")"
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
fails "IDX of 4 dimensions" "idx-4d: IDX file has 4 dimensions (magic 0x00000804), only 1 to 3 are supported; an images file must be 3-D" "$dir/idx-4d"
fails "IDX of 15 dimensions" "idx-15d: IDX file has 15 dimensions (magic 0x0000080f)" "$dir/idx-15d"
fails "IDX of 0 dimensions" "idx-0d: IDX file has 0 dimensions" "$dir/idx-0d"
fails "IDX of 15 dimensions as labels" "idx-15d: IDX file has 15 dimensions (magic 0x0000080f), only 1 to 3 are supported; a labels file must be 1-D (N)" "$dir/idx-images" "$dir/idx-15d"
fails "IDX labels as images" "idx-labels: IDX file has 1 dimension, but an images file must be 3-D (N x H x W)" "$dir/idx-labels"
fails "IDX images as labels" "idx-images: IDX file has 3 dimensions, but a labels file must be 1-D (N)" "$dir/idx-images" "$dir/idx-images"
fails "int64 label above int32" "labels-wide.npy: label at index 3 is 4294967297, outside the int32 range" "$dir/idx-images" "$dir/labels-wide.npy"
fails "int64 label below int32" "labels-below.npy: label at index 3 is -2147483649, outside the int32 range" "$dir/idx-images" "$dir/labels-below.npy"
fails "uint64 label above INT64_MAX" "labels-u8-big.npy: label at index 5 is 9223372036854775809, outside" "$dir/idx-images" "$dir/labels-u8-big.npy"
fails "start-id overflowing bigint" "start-id 9223372036854775807 is too large for 2 images" --start-id 9223372036854775807 --limit 2 "$dir/idx-images"
fails "start-id one too large" "start-id 9223372036854775772 is too large for 37 images" --start-id 9223372036854775772 "$dir/idx-images"
fails "start-id above bigint" "start-id \"9223372036854775808\" is out of the bigint range" --start-id 9223372036854775808 "$dir/idx-images"
fails "start-id below bigint" "start-id \"-9223372036854775809\" is out of the bigint range" --start-id -9223372036854775809 "$dir/idx-images"
fails "empty start-id" "invalid --start-id" --start-id= "$dir/idx-images"
out=$("$LOAD" 2>&1); rc=$?
check "usage error exits 2" "2" "$rc"

dropdb "$DB"
rm -rf "$dir"
echo "loader: $passed passed, $failed failed"
[ "$failed" = 0 ]
