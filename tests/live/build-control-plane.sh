#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager and kube-scheduler v1.20.2 from Debian bookworm's
# `kubernetes` source package (the last upload that ships vendor/), offline, with Debian's Go 1.19.
# The binaries are cached outside the repository:
#   ${KVET_K8S_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/kvet/k8s-1.20.2/bin}
# A second run with the binaries present does nothing. Needs root (apt-get). About 7 minutes cold.
set -euo pipefail
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/kvet/k8s-1.20.2
BIN=${KVET_K8S_BIN:-$CACHE/bin}
if [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/kube-controller-manager" ] && [ -x "$BIN/kube-scheduler" ]; then
  echo "control plane binaries present in $BIN"
  exit 0
fi
W=$CACHE/build
# apt against a network mirror: retry a few times before giving up.
retry() { local n; for n in 1 2 3; do "$@" && return 0; echo "retrying ($n): $*" >&2; sleep $((n * 5)); done; "$@"; }
mkdir -p "$W"/apt/lists/partial "$W"/apt/cache/archives/partial "$W"/src "$BIN"
export DEBIAN_FRONTEND=noninteractive
retry apt-get update -qq >/dev/null
retry apt-get install -y -qq --no-install-recommends etcd-server rsync openssl curl dpkg-dev make \
  golang-1.19-go golang-github-modern-go-reflect2-dev >/dev/null
# kubectl for manual checks; any version will do, so keep one that is already there.
command -v kubectl >/dev/null || retry apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null
# Source packages come from the Debian mirror apt is already configured with.
MIRROR=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -1 || true)
[ -n "$MIRROR" ] || MIRROR=$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -1 || true)
[ -n "$MIRROR" ] || { echo "no Debian mirror in the apt configuration" >&2; exit 1; }
echo "deb-src $MIRROR bookworm main" > "$W"/apt/sources.list
APT=(-o Dir::Etc::SourceList="$W"/apt/sources.list -o Dir::Etc::SourceParts=/dev/null
     -o Dir::State::Lists="$W"/apt/lists -o Dir::Cache="$W"/apt/cache -o APT::Sandbox::User=root)
retry apt-get "${APT[@]}" update -qq >/dev/null
PKG=kubernetes_1.20.5+really1.20.2-1.1+deb12u1
( cd "$W"/src && [ -f "$PKG.dsc" ] || retry apt-get "${APT[@]}" source --download-only kubernetes=1.20.5+really1.20.2-1.1+deb12u1 >/dev/null )
( cd "$W"/src && rm -rf k8s && dpkg-source -x "$PKG.dsc" k8s >/dev/null )
# reflect2 1.0.1 (vendored) crashes with Go >= 1.18; use Debian's 1.0.2.
R="$W"/src/k8s/vendor/github.com/modern-go/reflect2
rm -rf "$R" && cp -r /usr/share/gocode/src/github.com/modern-go/reflect2 "$R"
rm -rf "$R"/*_test.go "$R"/tests "$R"/test* 2>/dev/null || true
export GOROOT=/usr/lib/go-1.19 PATH=/usr/lib/go-1.19/bin:$PATH GOCACHE="$W"/gocache GOPATH="$W"/gopath CGO_ENABLED=0 GOPROXY=off GOFLAGS=
cd "$W"/src/k8s
make gen_openapi >/dev/null    # pkg/generated/openapi is not shipped
V="-X k8s.io/kubernetes/vendor/k8s.io/component-base/version.gitVersion=v1.20.2 -X k8s.io/kubernetes/vendor/k8s.io/component-base/version.gitMajor=1 -X k8s.io/kubernetes/vendor/k8s.io/component-base/version.gitMinor=20"
V="$V ${V//component-base\/version/client-go/pkg/version}"
cd _output/local/go/src/k8s.io/kubernetes
for c in kube-apiserver kube-controller-manager kube-scheduler; do
  GO111MODULE=off GOPATH="$PWD/../../.." go build -trimpath -ldflags "-s -w $V" -o "$BIN/$c" ./cmd/$c
done
ls -la "$BIN"
