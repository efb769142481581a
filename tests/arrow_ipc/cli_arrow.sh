#!/usr/bin/env bash
# cli_arrow.sh APHX CORPORA — `aphx arrow` end to end on the arrow-testing gold
# files: cat (table, --json, --limit, stdin), schema, convert (stream <-> file,
# lz4/zstd, stdout), help, usage errors and corrupt-input messages.
# Exits 77 (skip) when the corpora are absent.
set -u
aphx=$1
gold=$2/arrow-testing
if [ ! -d "$gold" ]; then
  echo "cli_arrow: $gold is absent; skipping"
  exit 77
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/aphx-cli-arrow.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
check() {   # check NAME COND...
  local name=$1; shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}
prim=$gold/1.0.0-littleendian/generated_primitive.stream
dict=$gold/1.0.0-littleendian/generated_dictionary.arrow_file

"$aphx" arrow cat "$prim" --limit 2 >"$tmp/cat.txt" 2>"$tmp/err"
check "cat exits 0" test $? -eq 0
check "cat prints the format and the schema" grep -q "^-- stream format" "$tmp/cat.txt"
check "cat --limit 2 prints 2 rows" grep -q "^(2 rows in 1 batch)" "$tmp/cat.txt"

"$aphx" arrow cat "$dict" --json >"$tmp/json.txt"
check "cat --json exits 0" test $? -eq 0
check "cat --json: one object per line" bash -c "! grep -qv '^{.*}\$' '$tmp/json.txt'"
rows=$("$aphx" arrow cat "$dict" | sed -n 's/^(\([0-9]*\) rows.*/\1/p')
check "cat --json: as many lines as rows ($rows)" test "$(wc -l <"$tmp/json.txt")" -eq "$rows"

"$aphx" arrow cat - <"$prim" >"$tmp/stdin.txt"
check "cat - reads stdin" cmp -s <("$aphx" arrow cat "$prim") "$tmp/stdin.txt"

"$aphx" arrow schema "$gold/1.0.0-littleendian/generated_custom_metadata.stream" >"$tmp/schema.txt"
check "schema shows schema metadata" grep -q "^-- metadata: " "$tmp/schema.txt"
check "schema shows field metadata" grep -q "^-- field .* metadata: " "$tmp/schema.txt"

for src in "$dict" "$gold/2.0.0-compression/generated_lz4.stream"; do
  "$aphx" arrow cat "$src" | tail -n +2 >"$tmp/a"
  for to in file stream; do
    for c in none lz4 zstd; do
      "$aphx" arrow convert "$src" "$tmp/out" --to "$to" --compression "$c" 2>"$tmp/err"
      ok=$?
      "$aphx" arrow cat "$tmp/out" | tail -n +2 >"$tmp/b"
      check "convert $(basename "$src") --to $to --compression $c" \
        bash -c "[ $ok -eq 0 ] && cmp -s '$tmp/a' '$tmp/b' && \"$aphx\" arrow cat '$tmp/out' | head -1 | grep -q '^-- $to format'"
    done
  done
done
"$aphx" arrow convert "$dict" - --to stream | "$aphx" arrow cat - >"$tmp/piped"
check "convert to stdout, cat from stdin" cmp -s <("$aphx" arrow cat "$dict" | tail -n +2) <(tail -n +2 "$tmp/piped")

head -c 700 "$prim" >"$tmp/trunc.stream"
"$aphx" arrow cat "$tmp/trunc.stream" >/dev/null 2>"$tmp/err"
check "truncated stream: exit 1" test $? -eq 1
check "truncated stream: 'FILE: corrupt: ...'" grep -q "^aphx arrow: $tmp/trunc.stream: corrupt: " "$tmp/err"
"$aphx" arrow cat "$tmp/does-not-exist" 2>"$tmp/err"
check "missing file: exit 1" test $? -eq 1
check "missing file: names the file" grep -q "does-not-exist: No such file" "$tmp/err"
"$aphx" arrow cat "$prim" --bogus 2>/dev/null
check "unknown option: exit 2" test $? -eq 2
"$aphx" arrow convert "$prim" "$tmp/x" --compression snappy 2>/dev/null
check "bad compression: exit 2" test $? -eq 2
for sub in cat schema convert; do
  "$aphx" arrow $sub --help >"$tmp/help"
  check "$sub --help" grep -q "^Usage: aphx arrow $sub" "$tmp/help"
done

echo "cli_arrow: $fails failure(s)"
[ $fails -eq 0 ]
