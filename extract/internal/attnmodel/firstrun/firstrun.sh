#!/bin/sh
# firstrun.sh COMMIT MAXFILE OUT.json: exports the engine of COMMIT (a
# session's first build) to /tmp, adds the attention model's input hook
# (hook.go.txt) and a dumper (dump.go.txt), and runs it on the urgency set
# of this tree up to file MAXFILE. Run from the module root; see
# docs/extraction.md, "Eleventh session".
set -eu
commit=$1 max=$2 out=$3
here=$(pwd)
fr=extract/internal/attnmodel/firstrun
tree=/tmp/attn-firstrun-$commit
rm -rf "$tree" && mkdir -p "$tree"
git archive "$commit" | tar -x -C "$tree"
mkdir -p "$tree/extract/internal/attnmodel" "$tree/extract/attndump"
cp extract/internal/attnmodel/attnmodel.go "$tree/extract/internal/attnmodel/"
cp $fr/hook.go.txt "$tree/extract/attnhook.go"
cp $fr/dump.go.txt "$tree/extract/attndump/main.go"
# The hook, right after the rules' urgency.
sed -i 's|^\(\t*\)d.Urgency, d.UrgencyScore, d.UrgencyReasons, d.UrgencyEvidence = UrgencyWithEvidence(in)$|&\n\1if AttentionHook != nil {\n\1\tAttentionHook(attentionInput(d, in, askSubj, own), d)\n\1}|' "$tree/extract/engine.go"
grep -q 'AttentionHook(attentionInput' "$tree/extract/engine.go"
(cd "$tree" && CGO_ENABLED=0 go build -o "$tree/attndump" ./extract/attndump)
"$tree/attndump" -dir "$here/extract/testdata/urgency" -max "$max" -out "$out"
