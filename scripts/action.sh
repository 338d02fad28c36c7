#!/usr/bin/env bash
# The GitHub Action's logic (action.yml runs this): install ci-vitals, then run one report with
# the inputs turned into flags. Every input arrives as an INPUT_* environment variable, never as
# shell text: values are only ever expanded inside double quotes or array elements, and there is
# no eval, so an input such as `$(touch /tmp/x)` stays data.
#
# Test hook: CI_VITALS_BIN names an already-built binary and skips the installation.
set -euo pipefail

fail() {
  # A workflow command, so the message shows as an annotation; exit 3 is ci-vitals'
  # configuration error.
  echo "::error title=ci-vitals::$1"
  exit "${2:-3}"
}

# Inputs that are true/false; anything else is a mistake worth stopping for.
check_boolean() {
  case "$2" in
    true | false) ;;
    *) fail "input $1 must be true or false, not '$2'" ;;
  esac
}

# Splits a list input on newlines and commas, trims each item, drops empty ones; one item per
# line on stdout.
list_items() {
  printf '%s\n' "$1" | tr ',' '\n' | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' | grep -v '^$' || true
}

# Gate expressions may hold commas (`x in [1, 2]`), so they are split on newlines only.
line_items() {
  printf '%s\n' "$1" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' | grep -v '^$' || true
}

# The release target of this runner, as the release archives name it, into $target.
release_target() {
  local os="${RUNNER_OS:-$(uname -s)}" arch="${RUNNER_ARCH:-$(uname -m)}"
  case "$os/$arch" in
    Linux/X64 | Linux/x86_64) target=x86_64-unknown-linux-musl ;;
    Linux/ARM64 | Linux/aarch64) target=aarch64-unknown-linux-musl ;;
    macOS/X64 | Darwin/x86_64) target=x86_64-apple-darwin ;;
    macOS/ARM64 | Darwin/arm64) target=aarch64-apple-darwin ;;
    *) fail "no ci-vitals release for $os/$arch: use install: source" ;;
  esac
}

# The version in the action's own Cargo.toml: pinning the action pins the binary.
own_version() {
  sed -n 's/^version = "\(.*\)"$/\1/p' "$GITHUB_ACTION_PATH/Cargo.toml" | head -n 1
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  else
    shasum -a 256 "$1" | cut -d ' ' -f 1
  fi
}

# Downloads the release archive of $1 for this runner and checks it against the checksum file
# committed in this repository, into $bin. Fails closed: no entry for the archive, no
# installation. (Functions set globals rather than print: a failure inside `$(...)` would lose
# its message.)
install_release() {
  local version="${1#v}" target archive sums expected dir actual
  release_target
  archive="ci-vitals-v$version-$target.tar.gz"
  sums="$GITHUB_ACTION_PATH/checksums/SHA256SUMS"
  expected="$(awk -v name="$archive" '$2 == name { print $1 }' "$sums" 2>/dev/null || true)"
  if [ -z "$expected" ]; then
    fail "no checksum for $archive in checksums/SHA256SUMS of this action: refusing to install an unverified binary (pin a released version, or use install: source)" 1
  fi
  dir="$RUNNER_TEMP/ci-vitals-release"
  mkdir -p "$dir"
  local url="${CI_VITALS_RELEASE_BASE:-https://github.com/ci-vitals/ci-vitals/releases/download}/v$version/$archive"
  echo "ci-vitals: downloading $url" >&2
  curl --fail --silent --show-error --location --retry 3 --output "$dir/$archive" "$url" \
    || fail "cannot download $url" 1
  actual="$(sha256_of "$dir/$archive")"
  if [ "$actual" != "$expected" ]; then
    fail "checksum mismatch for $archive: expected $expected, got $actual" 1
  fi
  tar -xzf "$dir/$archive" -C "$dir"
  bin="$dir/ci-vitals"
}

install_source() {
  cargo install --locked --quiet --path "$GITHUB_ACTION_PATH" --root "$RUNNER_TEMP/ci-vitals"
  bin="$RUNNER_TEMP/ci-vitals/bin/ci-vitals"
}

: "${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set: run this script from action.yml}"
: "${RUNNER_TEMP:?RUNNER_TEMP is not set: run this script from action.yml}"

demo="${INPUT_DEMO:-false}"
summary="${INPUT_SUMMARY:-true}"
comment="${INPUT_COMMENT:-false}"
cache="${INPUT_CACHE:-false}"
check_boolean demo "$demo"
check_boolean cache "$cache"
check_boolean summary "$summary"
check_boolean comment "$comment"
format="${INPUT_FORMAT:-markdown}"
case "$format" in
  markdown) ext=md ;;
  html) ext=html ;;
  json) ext=json ;;
  *) fail "input format must be markdown, html or json, not '$format'" ;;
esac

# Tokens reach the binary through its environment, never its arguments (visible to `ps`).
if [ -n "${INPUT_BITRISE_TOKEN:-}" ]; then
  echo "::add-mask::$INPUT_BITRISE_TOKEN"
  export BITRISE_TOKEN="$INPUT_BITRISE_TOKEN"
elif [ "$demo" = false ]; then
  fail "input bitrise-token is required (pass it from a secret), unless demo: true"
fi
if [ -n "${INPUT_GITHUB_TOKEN:-}" ]; then
  echo "::add-mask::$INPUT_GITHUB_TOKEN"
  export GITHUB_TOKEN="$INPUT_GITHUB_TOKEN"
fi

if [ -n "${CI_VITALS_BIN:-}" ]; then
  bin="$CI_VITALS_BIN"
else
  case "${INPUT_INSTALL:-release}" in
    release) install_release "${INPUT_VERSION:-$(own_version)}" ;;
    source) install_source ;;
    *) fail "input install must be release or source, not '${INPUT_INSTALL}'" ;;
  esac
fi

args=(report --format "$format" --output "${INPUT_OUTPUT:-$RUNNER_TEMP/ci-vitals-report.$ext}")
if [ "$demo" = true ]; then args+=(--demo); fi
# The directory action.yml's actions/cache step restores and saves.
if [ "$cache" = true ]; then args+=(--cache-dir "$RUNNER_TEMP/ci-vitals-cache"); fi
if [ -n "${INPUT_API_URL:-}" ]; then args+=(--api-url "$INPUT_API_URL"); fi
if [ -n "${INPUT_DAYS:-}" ]; then args+=(--days "$INPUT_DAYS"); fi
while IFS= read -r item; do args+=(--app "$item"); done < <(list_items "${INPUT_APPS:-}")
while IFS= read -r item; do args+=(--pipeline "$item"); done < <(list_items "${INPUT_PIPELINES:-}")
while IFS= read -r item; do args+=(--branch "$item"); done < <(list_items "${INPUT_BRANCHES:-}")
while IFS= read -r item; do args+=(--fail-if "$item"); done < <(line_items "${INPUT_FAIL_IF:-}")
if [ "$summary" = true ]; then args+=(--github-summary); fi
if [ "$comment" = true ]; then args+=(--github-comment); fi
args+=(--github-outputs)

# The binary's exit code is the step's: 4 when a gate failed, after everything was published.
exec "$bin" "${args[@]}"
