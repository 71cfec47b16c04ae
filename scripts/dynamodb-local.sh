#!/usr/bin/env bash
# Conformance run: the data-layer tests against the official DynamoDB Local jar (not dynalite).
#
#   scripts/dynamodb-local.sh [extra vitest args]
#   scripts/dynamodb-local.sh --jar-dir     fetch, verify and cache the jar; print its directory
#
# npm test runs the same tests against the same cached jar through
# test/conformance/dynamodb-local.test.ts, which uses --jar-dir and starts Java itself.
#
# The jar comes from the npm package amplify-dynamodb-simulator, which ships DynamoDB Local
# with its sqlite4java native libraries. It is fetched with `npm pack` (nothing is installed
# into node_modules), unpacked and cached under .cache/dynamodb-local/ (gitignored). Then an
# in-memory DynamoDB Local is started on a free port, test/integration/data-layer.test.ts runs
# against it (BROKER_TEST_DYNAMODB_ENDPOINT), and the Java process is stopped. Exits non-zero
# if anything fails, including a single test.
#
# Environment:
#   DYNAMODB_LOCAL_NPM_VERSION  package version to use (default 2.9.30: DynamoDB Local 1.25.1)
#   DYNAMODB_LOCAL_JAR_SHA256   expected sha256 of DynamoDBLocal.jar (default: the pinned one
#                               below for 2.9.30; set to "skip" for another version)
#   DYNAMODB_LOCAL_STARTUP_SECONDS  how long to wait for the server to answer (default 60)
#   JAVA                        java binary (default: java on PATH)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

MODE=run
if [[ "${1:-}" == --jar-dir ]]; then
  MODE=jar-dir
  shift
fi

PACKAGE=amplify-dynamodb-simulator
VERSION="${DYNAMODB_LOCAL_NPM_VERSION:-2.9.30}"
PINNED_SHA256_2_9_30=454305e9bc3e6ebcca5b62569869e31563b8d7e346474e94557b2600702146c7
if [[ "$VERSION" == 2.9.30 ]]; then
  EXPECTED_SHA256="${DYNAMODB_LOCAL_JAR_SHA256:-$PINNED_SHA256_2_9_30}"
else
  EXPECTED_SHA256="${DYNAMODB_LOCAL_JAR_SHA256:-skip}"
fi
STARTUP_SECONDS="${DYNAMODB_LOCAL_STARTUP_SECONDS:-60}"
JAVA="${JAVA:-java}"
CACHE="$ROOT/.cache/dynamodb-local/$PACKAGE-$VERSION"
EMULATOR="$CACHE/emulator"

say() { printf '[dynamodb-local] %s\n' "$*" >&2; }
die() { printf '[dynamodb-local] ERROR: %s\n' "$*" >&2; exit 1; }

started_at=$(date +%s)

# --- Java --------------------------------------------------------------------------------------
command -v "$JAVA" >/dev/null 2>&1 ||
  die "Java is required to run DynamoDB Local (Java 11 or newer; 17 recommended) but '$JAVA' was not found on PATH. Install a JRE (e.g. apt-get install openjdk-17-jre-headless) or set JAVA=/path/to/java."
java_version_line="$("$JAVA" -version 2>&1 | head -n 1)"
java_major="$(sed -E 's/.*version "([0-9]+)(\.([0-9]+))?.*/\1 \3/' <<<"$java_version_line")"
read -r major minor <<<"$java_major"
[[ "$major" == 1 ]] && major="${minor:-0}"
[[ "$major" =~ ^[0-9]+$ ]] || die "Could not read the Java version from: $java_version_line"
(( major >= 11 )) || die "DynamoDB Local needs Java 11 or newer; found $java_version_line"
say "using $java_version_line"

# --- Fetch and cache the jar ---------------------------------------------------------------------
if [[ ! -f "$EMULATOR/DynamoDBLocal.jar" || ! -d "$EMULATOR/DynamoDBLocal_lib" ]]; then
  command -v npm >/dev/null 2>&1 || die "npm is needed to fetch $PACKAGE@$VERSION"
  mkdir -p "$ROOT/.cache/dynamodb-local"
  work="$(mktemp -d "$ROOT/.cache/dynamodb-local/fetch.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  say "fetching $PACKAGE@$VERSION with npm pack (not installed into node_modules)"
  tarball="$(cd "$work" && npm pack "$PACKAGE@$VERSION" --silent | tail -n 1)" || die "npm pack $PACKAGE@$VERSION failed (offline? registry unreachable?)"
  [[ -n "$tarball" && -f "$work/$tarball" ]] || die "npm pack $PACKAGE@$VERSION did not produce a tarball (offline? registry unreachable?)"
  tar -xzf "$work/$tarball" -C "$work" package/emulator ||
    die "$tarball has no package/emulator directory; the package layout changed, inspect it with: tar tzf $tarball"
  [[ -f "$work/package/emulator/DynamoDBLocal.jar" ]] || die "$tarball has no package/emulator/DynamoDBLocal.jar"
  [[ -d "$work/package/emulator/DynamoDBLocal_lib" ]] || die "$tarball has no package/emulator/DynamoDBLocal_lib"
  mkdir -p "$CACHE"
  rm -rf "$EMULATOR.partial"
  mv "$work/package/emulator" "$EMULATOR.partial"
  # Another run may have finished first; its copy is as good as ours.
  if [[ -e "$EMULATOR" ]]; then rm -rf "$EMULATOR.partial"; else mv "$EMULATOR.partial" "$EMULATOR"; fi
  rm -rf "$work"
  trap - EXIT
fi

if [[ "$EXPECTED_SHA256" != skip ]]; then
  actual="$( (sha256sum "$EMULATOR/DynamoDBLocal.jar" 2>/dev/null || shasum -a 256 "$EMULATOR/DynamoDBLocal.jar") | cut -d' ' -f1)"
  [[ "$actual" == "$EXPECTED_SHA256" ]] ||
    die "DynamoDBLocal.jar sha256 is $actual, expected $EXPECTED_SHA256. Delete $CACHE to fetch again, or set DYNAMODB_LOCAL_JAR_SHA256."
fi

# --- Native sqlite4java library for this platform (needed even with -inMemory) --------------------
os="$(uname -s)"
arch="$(uname -m)"
case "$os/$arch" in
  Linux/x86_64 | Linux/amd64) native=libsqlite4java-linux-amd64.so ;;
  Linux/aarch64 | Linux/arm64) native=libsqlite4java-linux-aarch64.so ;;
  Linux/i?86) native=libsqlite4java-linux-i386.so ;;
  Darwin/arm64) native=libsqlite4java-osx-aarch64.dylib ;;
  Darwin/x86_64) native=libsqlite4java-osx-x86_64.dylib ;;
  *) die "no known sqlite4java native library for $os/$arch; DynamoDB Local cannot run here" ;;
esac
[[ -f "$EMULATOR/DynamoDBLocal_lib/$native" ]] ||
  die "$EMULATOR/DynamoDBLocal_lib has no $native for $os/$arch; available: $(cd "$EMULATOR/DynamoDBLocal_lib" && ls ./*sqlite4java* | tr '\n' ' ')"

if [[ "$MODE" == jar-dir ]]; then
  printf '%s\n' "$EMULATOR"
  exit 0
fi

jar_version="$(cd "$EMULATOR" && "$JAVA" -jar DynamoDBLocal.jar -version 2>/dev/null | tail -n 1 || true)"
say "DynamoDB Local ${jar_version:-(version unknown)} from $PACKAGE@$VERSION, native library $native"

# --- Start DynamoDB Local ----------------------------------------------------------------------
port="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
endpoint="http://127.0.0.1:$port"
log="$(mktemp "${TMPDIR:-/tmp}/dynamodb-local.XXXXXX.log")"

# Run from the emulator directory: the jar's manifest Class-Path names DynamoDBLocal_lib/ relatively.
(cd "$EMULATOR" && exec "$JAVA" -Djava.library.path="$EMULATOR/DynamoDBLocal_lib" -jar DynamoDBLocal.jar \
  -inMemory -sharedDb -disableTelemetry -port "$port") >"$log" 2>&1 &
java_pid=$!

stop_java() {
  if kill -0 "$java_pid" 2>/dev/null; then
    kill "$java_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$java_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$java_pid" 2>/dev/null || true
  fi
  wait "$java_pid" 2>/dev/null || true
  rm -f "$log"
}
trap stop_java EXIT
trap 'exit 130' INT TERM

say "starting on $endpoint (pid $java_pid)"
deadline=$(( $(date +%s) + STARTUP_SECONDS ))
# Any HTTP answer means Jetty is up; a signed ListTables proves sqlite4java loaded too.
until node -e "
  fetch(process.argv[1], { method: 'POST', headers: {
    'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables',
    authorization: 'AWS4-HMAC-SHA256 Credential=local/20240101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=0' },
    body: '{}' }).then(async (r) => process.exit(r.status === 200 && 'TableNames' in (await r.json()) ? 0 : 1), () => process.exit(1));
" "$endpoint" 2>/dev/null; do
  if ! kill -0 "$java_pid" 2>/dev/null; then
    cat "$log" >&2
    die "DynamoDB Local exited during start-up (log above)"
  fi
  if (( $(date +%s) > deadline )); then
    cat "$log" >&2
    die "DynamoDB Local did not answer on $endpoint within ${STARTUP_SECONDS}s (log above)"
  fi
  sleep 0.25
done
ready_at=$(date +%s)
say "ready after $(( ready_at - started_at ))s; running the data-layer tests against it"

# --- Run the tests -------------------------------------------------------------------------------
status=0
BROKER_TEST_DYNAMODB_ENDPOINT="$endpoint" npx vitest run test/integration/data-layer.test.ts "$@" || status=$?

if (( status != 0 )); then
  say "DynamoDB Local log:"
  cat "$log" >&2 || true
  say "FAILED (exit $status) against DynamoDB Local ${jar_version:-?} after $(( $(date +%s) - started_at ))s"
else
  say "passed against DynamoDB Local ${jar_version:-?} in $(( $(date +%s) - started_at ))s"
fi
exit "$status"
