#!/usr/bin/env bash
# Installs the official DynamoDB Local jar (shipped inside the npm package
# amplify-dynamodb-simulator) into .cache/dynamodb-local, once.
set -euo pipefail
version=2.9.30
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${DYNAMODB_LOCAL_DIR:-$root/.cache/dynamodb-local}
if [ -f "$dir/DynamoDBLocal.jar" ]; then
  exit 0
fi
command -v java >/dev/null || { echo "DynamoDB Local needs Java (17 or later) on PATH" >&2; exit 1; }
command -v npm >/dev/null || { echo "installing DynamoDB Local needs npm on PATH" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "installing DynamoDB Local (amplify-dynamodb-simulator@$version) into $dir" >&2
(cd "$tmp" && npm pack --silent "amplify-dynamodb-simulator@$version" >/dev/null && tar -xzf ./*.tgz)
mkdir -p "$dir"
cp -R "$tmp/package/emulator/." "$dir/"
test -f "$dir/DynamoDBLocal.jar"
