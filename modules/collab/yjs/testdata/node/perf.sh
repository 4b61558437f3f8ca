#!/bin/sh
# perf.sh times yjs and the Go update codec on the same inputs and rewrites
# the "Y.js codec (modules/collab/yjs)" section of docs/perf.md.
# Run it on a quiet machine: yjs and Go rounds alternate and each side keeps
# its fastest, but heavy concurrent load still makes the numbers noisy.
set -eu
cd "$(dirname "$0")/../.."
YJS_PERF=1 exec go test -run '^TestPerfVsYjs$' -count=1 -v -timeout 30m .
