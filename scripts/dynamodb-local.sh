#!/usr/bin/env bash
# Runs DynamoDB Local (in memory) in the foreground on 127.0.0.1:${PORT:-8000},
# installing it first if needed. Stop it with Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-dynamodb-local.sh"
dir=${DYNAMODB_LOCAL_DIR:-$root/.cache/dynamodb-local}
port=${PORT:-8000}
echo "DynamoDB Local on http://127.0.0.1:$port (in memory; Ctrl-C to stop)" >&2
echo "  export AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:$port AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local" >&2
cd "$dir"
DDB_LOCAL_TELEMETRY=0 exec java -Djava.library.path=DynamoDBLocal_lib -jar DynamoDBLocal.jar \
  -inMemory -disableTelemetry -port "$port"
