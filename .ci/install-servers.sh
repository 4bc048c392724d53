#!/usr/bin/env bash
# Installs the servers `npm test` and `npm run dev` start when MONGO_URL / REDIS_URL are unset:
# redis-server and sqlite3 (with apt-get, when missing); FerretDB v1.24.2, built from the Go
# module proxy into $(go env GOPATH)/bin (when that is not already there); and mongo-java-server
# 1.47.0 with taskql's launcher, built with Maven (and a JDK and Maven from apt-get, when missing)
# into scripts/mongo-java-server/target/ (docs/test-servers.md). Safe to run again: it only checks
# when all are installed. .ci/run runs it; developers can too.
set -euo pipefail

FERRETDB_VERSION=v1.24.2
# The launcher's Maven project; its pom.xml names the mongo-java-server version.
MONGO_JAVA_SERVER_DIR=$(cd "$(dirname "$0")/../scripts/mongo-java-server" && pwd)

log() { printf '[%s] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
fail() { log "error: $*" >&2; exit 1; }
as_root() { if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# Undone on exit, however the script ends.
build_dir=''
policy_added=''
apt_updated=''
trap '[[ -z $build_dir ]] || rm -rf "$build_dir"; [[ -z $policy_added ]] || as_root rm -f /usr/sbin/policy-rc.d' EXIT

# apt_install <command> <package> <how to install it elsewhere>: installs the package when the
# command is missing.
apt_install() {
  local command=$1 package=$2 elsewhere=$3
  if command -v "$command" >/dev/null; then
    log "$command is installed: $(command -v "$command")"
    return
  fi
  command -v apt-get >/dev/null || fail "$command is missing: $elsewhere"
  log "installing $package with apt-get"
  # Tests start redis-server themselves: keep the package from starting a system service too.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    policy_added=yes
    printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod +x /usr/sbin/policy-rc.d
  fi
  [[ -n $apt_updated ]] || { as_root apt-get update -q; apt_updated=yes; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$package"
  log "installed $package: $(command -v "$command")"
}

install_ferretdb() {
  command -v go >/dev/null || fail 'Go is needed to build FerretDB: see https://go.dev/doc/install'
  local gopath bin
  gopath=$(go env GOPATH)
  bin="${gopath%%:*}/bin" # where `go install` would put it
  # Not `ferretdb --version | grep -q`: grep exits at the match, and under pipefail the SIGPIPE
  # that ferretdb may then get fails the test.
  if grep -qx "version: $FERRETDB_VERSION" <<<"$("$bin/ferretdb" --version 2>/dev/null)"; then
    log "FerretDB $FERRETDB_VERSION is installed: $bin/ferretdb"
    return
  fi
  log "building FerretDB $FERRETDB_VERSION into $bin (about 1.5 min the first time)"
  # Not `go install …@version`: the proxy refuses FerretDB's version list, and such a binary
  # panics for want of build/version/version.txt, which the release tarballs add. So build the
  # module's source with that file written.
  local src
  build_dir=$(mktemp -d)
  src=$(cd "$build_dir" && go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" |
    sed -n 's/.*"Dir": "\(.*\)",/\1/p')
  [[ -n $src ]] || fail "go mod download gave no directory for FerretDB $FERRETDB_VERSION"
  cp -r "$src"/. "$build_dir"
  chmod -R u+w "$build_dir" # the module cache is read-only
  echo "$FERRETDB_VERSION" >"$build_dir/build/version/version.txt"
  mkdir -p "$bin"
  (cd "$build_dir" && go build -trimpath -o "$bin/ferretdb" ./cmd/ferretdb)
  grep -qx "version: $FERRETDB_VERSION" <<<"$("$bin/ferretdb" --version)" ||
    fail "the built $bin/ferretdb does not say version $FERRETDB_VERSION"
  log "built $bin/ferretdb"
}

install_mongo_java_server() {
  local dir=$MONGO_JAVA_SERVER_DIR
  local jar=$dir/target/taskql-mongo-java-server.jar
  # Built, and from the pom and sources as they are (a version bump in pom.xml rebuilds).
  if [[ -f $jar && -d $dir/target/lib && -z $(find "$dir/pom.xml" "$dir/src" -newer "$jar" -print -quit) ]]; then
    log "mongo-java-server is installed: $jar"
    return
  fi
  log "building mongo-java-server and its launcher with Maven into $dir/target"
  rm -rf "$dir/target" # no jars of an older version left in target/lib
  # Its output only when it fails: even quiet, Maven 3.8 prints stray colour codes.
  local output
  output=$(mvn --batch-mode --quiet --no-transfer-progress -f "$dir/pom.xml" package 2>&1) ||
    fail "mvn package failed in $dir:"$'\n'"$output"
  [[ -f $jar ]] || fail "mvn package built no $jar"
  log "built $jar"
}

apt_install redis-server redis-server 'install Redis (brew install redis, or your package manager)'
# FerretDB's missing _id index is added with the sqlite3 shell: scripts/ferretdb-id-indexes.ts.
apt_install sqlite3 sqlite3 'install sqlite3 (brew install sqlite, or your package manager)'
install_ferretdb
# mongo-java-server runs on Java 17 or later; Maven fetches it and builds the launcher.
apt_install javac openjdk-17-jdk-headless 'install a JDK 17 or later (brew install openjdk@17, or your package manager)'
apt_install mvn maven 'install Maven (brew install maven, or your package manager)'
install_mongo_java_server
