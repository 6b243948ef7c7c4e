#!/usr/bin/env bash
# Runs the "Reading the table" snippets of docs/features.md on a real
# feature table, taking their text from the document itself: the DuckDB
# query through DuckDB's Node.js client (npm package @duckdb/node-api, whose
# engine ships inside the package), and the pandas and polars snippets with
# python3 when it can import pandas with pyarrow, or polars; a snippet
# whose library is missing is reported as not run, never as passed.
#
#   bash bench/features/read_check.sh
#
# Needs npm (the registry) for DuckDB. Exits non-zero when a snippet that
# ran failed or returned no rows, or when DuckDB could not be installed.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go build -o "$work/zpd" ./cmd/zpd
cd "$work"
./zpd import --format assistments2009 --data "$root/testdata/public/assistments2009-excerpt/as_supersmall.csv" --out as2009.parquet >/dev/null
./zpd features --data as2009.parquet --out features/ >/dev/null

# block LANG N: the N-th (1-based) fenced block of language LANG in the
# "Reading the table" section.
block() {
  awk -v lang="$1" -v n="$2" '
    /^## / { insec = ($0 == "## Reading the table") }
    insec && /^```/ && !inb { inb = 1; cur = substr($0, 4); if (cur == lang) k++; next }
    insec && /^```/ && inb { inb = 0; next }
    insec && inb && cur == lang && k == n { print }
  ' "$root/docs/features.md"
}

status=0
sql="$(block sql 1)"
[[ -n "$sql" ]] || { echo "docs/features.md: no sql block under Reading the table" >&2; exit 1; }
mkdir -p duck
(cd duck && npm install --silent --no-audit --no-fund @duckdb/node-api@1.5.6-r.1 >/dev/null)
cat >duck/query.mjs <<'JS'
import { DuckDBInstance } from '@duckdb/node-api';
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const rows = (await con.runAndReadAll(process.argv[2])).getRowObjectsJson();
console.log(JSON.stringify(rows));
if (rows.length === 0) { console.error('no rows'); process.exit(1); }
JS
if out="$(node duck/query.mjs "$sql")"; then
  echo "duckdb: ok, $(echo "$out" | head -c 300)"
else
  echo "duckdb: FAILED" >&2
  status=1
fi

run_python() { # NAME IMPORT-CHECK N
  if ! python3 -c "$2" 2>/dev/null; then
    echo "$1: not run ($2 fails: the library is not installed)"
    return
  fi
  if python3 -c "$(block python "$3")
print(df.head() if hasattr(df, 'head') else df)"; then
    echo "$1: ok"
  else
    echo "$1: FAILED" >&2
    status=1
  fi
}
run_python pandas "import pandas, pyarrow" 1
run_python polars "import polars" 2
exit $status
