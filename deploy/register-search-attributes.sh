#!/bin/sh
# Registers the search attributes that durable-agent runs publish, once, before any worker starts
# (docker-compose.yml runs it as the one-shot `temporal-setup` service). Workers register missing ones
# themselves at start-up as well (ensureSearchAttributes in src/worker.ts), but several workers starting at
# the same moment would race to add the same attributes; doing it here first avoids that.
# Needs the `temporal` CLI, TEMPORAL_ADDRESS and optionally TEMPORAL_NAMESPACE (default: default).
set -eu

namespace="${TEMPORAL_NAMESPACE:-default}"
# name:type, as in src/shared/search-attributes.ts (a unit test keeps the two lists equal).
attributes="AgentStatus:Keyword AgentIteration:Int AgentTotalTokens:Int AgentCostUsd:Double AgentModel:Keyword"

# The namespace is created by the server container just after it starts serving; wait for it.
attempt=1
until existing="$(temporal operator search-attribute list --namespace "$namespace" 2>/dev/null)"; do
  if [ "$attempt" -ge 60 ]; then
    echo "namespace $namespace is not available at $TEMPORAL_ADDRESS after 60 attempts" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 2
done

for attribute in $attributes; do
  name="${attribute%%:*}"
  type="${attribute#*:}"
  if printf '%s\n' "$existing" | awk -v name="$name" '$1 == name { found = 1 } END { exit !found }'; then
    echo "$name ($type) is already registered in namespace $namespace"
  else
    temporal operator search-attribute create --namespace "$namespace" --name "$name" --type "$type"
    echo "registered $name ($type) in namespace $namespace"
  fi
done
