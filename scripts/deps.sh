#!/usr/bin/env bash
# Installs every Debian 12 package leakscope needs to build, test and benchmark.
# Idempotent: does nothing when all packages are present; runs `apt-get update` only when needed.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git binutils perl time python3 curl
  dpkg-dev                              # make package: dpkg-shlibdeps computes the .deb's Depends
  libjemalloc-dev libjemalloc2          # jemalloc with --enable-prof, and jeprof (bench peer)
  libdw-dev libelf-dev                  # ELF symbols, DWARF lines and inline frames
  libprotobuf-dev protobuf-compiler     # pprof profile.proto
  zlib1g-dev                            # gzip profiles
  libcli11-dev nlohmann-json3-dev       # CLI and JSON
  libre2-dev                            # patterns in pprof's dialect (RE2), linear-time matching
  libgtest-dev libgmock-dev libbenchmark-dev
  libunwind-dev libcpp-httplib-dev      # profiler: fast unwinder, debug endpoints
  golang-go                             # real Go heap profiles and `go tool pprof` as the interop referee
  chromium nodejs                       # browser tests (playwright-core drives /usr/bin/chromium)
  rabbitmq-server librabbitmq-dev       # the relay's broker (tests start private instances) and its AMQP client
  libcurl4-openssl-dev libnghttp2-dev libssl-dev  # FCM HTTP v1 client (HTTP/2), OAuth2 JWT signing
  nghttp2-client                        # h2load: the HTTP/2 client peer in relay_throughput_bench
  libgraphviz-dev                       # call graphs laid out and rendered in-process (libgvc)
  clang libclang-rt-14-dev              # libFuzzer targets and their sanitizers (make fuzz)
  clang-format                          # make format / format-check (make test checks the style first)
)

# npm packages for the browser tests, from tests/browser/package-lock.json.
browser_deps() {
  local dir
  dir="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
  if [ ! -d "$dir/node_modules/playwright-core" ]; then
    echo "deps: installing browser test packages (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Some nodejs builds ship npm inside; Debian's own npm package is needed only when the command is absent.
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#packages[@]} packages present"
  browser_deps
  exit 0
fi

echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has empty package lists; a stale one may name files that are gone: update then.
if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
browser_deps
