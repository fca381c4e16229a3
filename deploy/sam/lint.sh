#!/bin/sh
# lint.sh runs cfn-lint (with its SAM translator) on the SAM template and
# fails on any error or warning; informational findings are printed but
# pass. Run from anywhere: deploy/sam/lint.sh [template]
#
# cfn-lint's exit status is a bit mask: 1 the linter itself failed, 2
# errors, 4 warnings, 8 informational.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
template=${1:-"$dir/template.yaml"}

if ! command -v cfn-lint >/dev/null 2>&1; then
	echo "lint.sh: cfn-lint is not installed (pip install cfn-lint)" >&2
	exit 1
fi
echo "lint.sh: $(cfn-lint --version) on $template"
cfn-lint -t "$template"
rc=$?
if [ $((rc & 7)) -ne 0 ]; then
	echo "lint.sh: cfn-lint found errors or warnings (exit status $rc) in $template" >&2
	exit 1
fi
echo "lint.sh: no errors or warnings"
