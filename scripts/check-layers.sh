#!/usr/bin/env bash
# The folders of src/ in dependency order, top to bottom. A file may include
# its own folder and any folder below it, never one above: no cycle between
# folders. Run by ctest (layer_order); exits non-zero listing every violation.
set -euo pipefail
cd "$(dirname "$0")/../src"
layers=(app http web delivery webhooks domain store common)

declare -A rank
for i in "${!layers[@]}"; do rank[${layers[$i]}]=$i; done

status=0
for dir in */; do
  dir=${dir%/}
  if [[ -z "${rank[$dir]+x}" ]]; then
    echo "check-layers: src/$dir is not in the layer order (scripts/check-layers.sh)" >&2
    status=1
  fi
done

while IFS= read -r line; do
  file=${line%%:*}
  target=$(sed -E 's/.*#include "([^/"]+)\/.*/\1/' <<<"$line")
  own=${file%%/*}
  [[ -z "${rank[$target]+x}" || -z "${rank[$own]+x}" ]] && continue
  if ((rank[$target] < rank[$own])); then
    echo "check-layers: src/$file includes $target/, which is above $own/ (${layers[*]})" >&2
    status=1
  fi
done < <(grep -rnoE '^#include "[^/"]+/[^"]+"' --include='*.h' --include='*.cc' . | sed 's|^\./||')

if ((status == 0)); then echo "check-layers: ${layers[*]}: no include runs upward"; fi
exit $status
