#!/usr/bin/env bash
# Builds the real programs the end-to-end tests run, from the Go module proxy at pinned versions,
# into a cache outside the repository:
#   ${CL_TOOLS_DIR:-$HOME/.cache/continuous-load/tools}/<name>-<version>/<binary>
# Idempotent: a tool whose binaries are all present is skipped (a warm run takes about a second).
#
# Usage:
#   scripts/e2e-tools.sh                 build every tool
#   scripts/e2e-tools.sh NAME...         build only these (etcd kube-apiserver kubectl podinfo
#                                        statsd_exporter prometheus prometheus-operator coredns
#                                        toxiproxy k6-runner; NAME-<version> for one version)
#   scripts/e2e-tools.sh --json [NAME...]  build as above, then print {"<binary>[@<version>]": path}
#                                        on stdout (logs go to stderr)
#   scripts/e2e-tools.sh --list          print the pinned tools and exit
#
# Environment: CL_TOOLS_DIR (cache root), CL_TOOLS_NICE (nice level for builds, default 10),
# GOFLAGS (e.g. -p=1 to build with one core), GOPROXY, GOMODCACHE (default Go module cache is used).
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools_dir=${CL_TOOLS_DIR:-$HOME/.cache/continuous-load/tools}
nice_level=${CL_TOOLS_NICE:-10}

# name | version label | binaries | how:
#   "install <pkg>@<module version>..."  go install (the module has no replace directives);
#                                         <pkg>@<version>=<binary> renames the installed binary
#                                         (go install names it after the package's last element)
#   "wrapper <dir> <pkg>"                 go build in a wrapper module of ours under e2e/tools/
#   "module <module>@<version> <pkg>"     the module as the proxy serves it (go mod download), copied
#                                         to a temp dir, its replace directives dropped (they point
#                                         at nested modules the proxy publishes at the same version),
#                                         then go build. Nothing of it lands in the repository.
# podinfo: the proxy serves no v6.x version of github.com/stefanprodan/podinfo (its tags lack the
# leading "v" and its module path lacks /v6). The only pseudo-version it serves is 6.9.2's commit
# e86405a8674e. v6.14.1 (pinned in the issue) is not available; see e2e/README.md.
TOOLS=(
  "etcd|3.6.16|etcd|wrapper e2e/tools/etcd ."
  "kube-apiserver|1.37.2|kube-apiserver|wrapper e2e/tools/kube-apiserver/v1.37.2 ."
  "kube-apiserver|1.27.16|kube-apiserver|wrapper e2e/tools/kube-apiserver/v1.27.16 ."
  "kubectl|1.37.2|kubectl|wrapper e2e/tools/kube-apiserver/v1.37.2 ./kubectl"
  "kubectl|1.27.16|kubectl|wrapper e2e/tools/kube-apiserver/v1.27.16 ./kubectl"
  "podinfo|6.9.2|podinfo|install github.com/stefanprodan/podinfo/cmd/podinfo@v1.8.1-0.20250910200901-e86405a8674e"
  "statsd_exporter|0.30.0|statsd_exporter|install github.com/prometheus/statsd_exporter@v0.30.0"
  "prometheus|3.16.0|prometheus promtool|install github.com/prometheus/prometheus/cmd/prometheus@v0.316.0 github.com/prometheus/prometheus/cmd/promtool@v0.316.0"
  "prometheus-operator|0.93.0|prometheus-operator|module github.com/prometheus-operator/prometheus-operator@v0.93.0 ./cmd/operator"
  "coredns|1.15.0|coredns|wrapper e2e/tools/coredns ."
  "toxiproxy|2.5.0|toxiproxy-server|install github.com/Shopify/toxiproxy/v2/cmd/server@v2.5.0=toxiproxy-server"
  "k6-runner|0.54.0|k6-runner|wrapper e2e/k6-runner ."
)

log() { printf '[e2e-tools] %s\n' "$*" >&2; }

# Runs a command; on failure prints the exact command, its directory and exit code, and exits.
run() {
  local rc=0
  "$@" || rc=$?
  if (( rc != 0 )); then
    log "FAILED (exit $rc) in $(pwd):"
    log "  $(printf '%q ' "$@")"
    exit "$rc"
  fi
}

ldflags_for() { # name version
  case "$1" in
    prometheus-operator)
      echo "-X github.com/prometheus/common/version.Version=$2 -X github.com/prometheus/common/version.Revision=module -X github.com/prometheus/common/version.Branch=module -X github.com/prometheus/common/version.BuildUser=e2e-tools" ;;
    prometheus)
      echo "-X github.com/prometheus/common/version.Version=$2 -X github.com/prometheus/common/version.Revision=module-v0.${2#3.} -X github.com/prometheus/common/version.Branch=module -X github.com/prometheus/common/version.BuildUser=e2e-tools" ;;
    toxiproxy)
      echo "-X github.com/Shopify/toxiproxy/v2.Version=$2" ;;
    statsd_exporter)
      echo "-X github.com/prometheus/common/version.Version=$2 -X github.com/prometheus/common/version.Revision=module -X github.com/prometheus/common/version.Branch=module -X github.com/prometheus/common/version.BuildUser=e2e-tools" ;;
    kube-apiserver|kubectl)
      local minor=${2#*.}; minor=${minor%%.*}
      # Like upstream's hack/lib/version.sh: both packages (1.27's /version is served from client-go's).
      local pkg out=""
      for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        out+="-X $pkg.gitVersion=v$2 -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean -X $pkg.gitCommit=0000000000000000000000000000000000000000 -X $pkg.buildDate=1970-01-01T00:00:00Z "
      done
      echo "${out% }" ;;
    *) echo "" ;;
  esac
}

selected() { # name version -> 0 if selected by the arguments
  local name=$1 version=$2 w
  (( ${#want[@]} == 0 )) && return 0
  for w in "${want[@]}"; do
    [[ "$w" == "$name" || "$w" == "$name-$version" || "$w" == "$name@$version" ]] && return 0
  done
  return 1
}

# A digest of everything that decides the binary: the recipe, the flags, the Go version and, for
# wrapper modules, every *.go file, go.mod and go.sum under the module directory. A cached tool with
# another digest is rebuilt.
recipe_digest() { # how ldflags
  local words=($1) f
  {
    printf '%s\n%s\n%s\n' "$1" "$2" "$go_version"
    if [[ "${words[0]}" == wrapper ]]; then
      for f in go.mod go.sum main.go; do cat "$repo_root/${words[1]}/$f" 2>/dev/null || true; done
      # Then every other *.go, go.mod and go.sum below it (path and content), so a change anywhere
      # in the module rebuilds it; a module with only those three files keeps its former digest.
      # Test files never reach the binary, so editing a test does not rebuild.
      (cd "$repo_root/${words[1]}" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) \
        ! -name '*_test.go' ! -path ./main.go ! -path ./go.mod ! -path ./go.sum -print0 \
        | LC_ALL=C sort -z | xargs -0 -r sha256sum)
    fi
  } | sha256sum | cut -d' ' -f1
}

is_built() { # dest "binaries" digest
  local b
  for b in $2; do [[ -x "$1/$b" ]] || return 1; done
  [[ "$(cat "$1/.recipe" 2>/dev/null)" == "$3" ]]
}

build_tool() { # name version "binaries" "how"
  local name=$1 version=$2 bins=$3 how=$4
  local dest="$tools_dir/$name-$version" ldflags digest
  ldflags=$(ldflags_for "$name" "$version")
  digest=$(recipe_digest "$how" "$ldflags")
  if is_built "$dest" "$bins" "$digest"; then
    log "ok      $name $version ($dest)"
    return 0
  fi
  # Several checkouts (worktrees, CI jobs) may share the cache: one builder per tool at a time.
  local lock_fd
  exec {lock_fd}>"$tools_dir/.$name-$version.lock"
  if ! flock -n "$lock_fd"; then
    log "wait    $name $version: another e2e-tools.sh is building it"
    flock "$lock_fd"
  fi
  if is_built "$dest" "$bins" "$digest"; then
    log "ok      $name $version ($dest, built meanwhile)"
    exec {lock_fd}>&-
    return 0
  fi
  local tmp="$dest.partial.$$" start=$SECONDS
  rm -rf "$tmp"; mkdir -p "$tmp"
  local -a common=(nice -n "$nice_level" env CGO_ENABLED=0 go)
  # shellcheck disable=SC2206
  local -a words=($how)
  log "build   $name $version <- ${words[*]:1}"
  case "${words[0]}" in
    install)
      local spec pkg rename
      for spec in "${words[@]:1}"; do
        pkg=${spec%%=*}; rename=""
        [[ "$spec" == *=* ]] && rename=${spec#*=}
        (cd "$tmp" && run env GOBIN="$tmp" "${common[@]}" install -trimpath -ldflags "$ldflags" "$pkg")
        if [[ -n "$rename" ]]; then
          local installed=${pkg%@*}; installed=${installed##*/}
          run mv "$tmp/$installed" "$tmp/$rename"
        fi
      done ;;
    wrapper)
      local dir="$repo_root/${words[1]}"
      [[ -f "$dir/go.mod" ]] || { log "FAILED: wrapper module $dir/go.mod is missing"; exit 1; }
      (cd "$dir" && run "${common[@]}" build -mod=readonly -trimpath -tags providerless -ldflags "$ldflags" -o "$tmp/$bins" "${words[2]}") ;;
    module)
      local src json
      json=$(run go mod download -json "${words[1]}")
      src=$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json")
      [[ -d "$src" ]] || { log "FAILED: go mod download -json ${words[1]} gave no Dir:"; log "$json"; exit 1; }
      run cp -r "$src" "$tmp/src"
      run chmod -R u+w "$tmp/src"
      (
        cd "$tmp/src"
        local -a drops=()
        mapfile -t drops < <(go mod edit -json | awk '/"Old": *\{/ {old=1; next} old && /"Path":/ {gsub(/.*"Path": *"|".*/, ""); print; old=0}' | sort -u)
        local r
        for r in "${drops[@]}"; do run go mod edit "-dropreplace=$r"; done
        run "${common[@]}" build -mod=mod -trimpath -ldflags "$ldflags" -o "$tmp/$bins" "${words[2]}"
      )
      rm -rf "$tmp/src" ;;
    *) log "FAILED: unknown build method '${words[0]}' for $name"; exit 1 ;;
  esac
  local b
  for b in $bins; do
    [[ -x "$tmp/$b" ]] || { log "FAILED: $name $version built, but $tmp/$b is missing"; exit 1; }
  done
  echo "$digest" > "$tmp/.recipe"
  rm -rf "$dest"; mv "$tmp" "$dest"
  exec {lock_fd}>&-
  log "built   $name $version in $((SECONDS - start))s -> $dest"
}

json=0; want=()
for a in "$@"; do
  case "$a" in
    --json) json=1 ;;
    --list) for t in "${TOOLS[@]}"; do IFS='|' read -r n v b h <<<"$t"; printf '%s %s %s\n' "$n" "$v" "$b"; done; exit 0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | grep '^#'; exit 0 ;;
    -*) log "unknown option $a"; exit 2 ;;
    *) want+=("$a") ;;
  esac
done
command -v go >/dev/null || { log "FAILED: go is not on PATH"; exit 1; }
go_version=$(go env GOVERSION)
mkdir -p "$tools_dir"

total_start=$SECONDS
matched=0
for t in "${TOOLS[@]}"; do
  IFS='|' read -r name version bins how <<<"$t"
  selected "$name" "$version" || continue
  matched=1
  build_tool "$name" "$version" "$bins" "$how"
done
(( matched )) || { log "FAILED: no tool matches: ${want[*]} (see --list)"; exit 2; }
log "done in $((SECONDS - total_start))s (cache: $tools_dir)"

if (( json )); then
  sep='{'
  for t in "${TOOLS[@]}"; do
    IFS='|' read -r name version bins how <<<"$t"
    selected "$name" "$version" || continue
    for b in $bins; do
      printf '%s"%s@%s":"%s"' "$sep" "$b" "$version" "$tools_dir/$name-$version/$b"; sep=','
    done
  done
  printf '}\n'
fi
