#!/usr/bin/env bash
# Starts etcd, kube-apiserver, kube-controller-manager and kube-scheduler on loopback, with a
# throwaway PKI, and writes an admin kubeconfig (group system:masters) to STATE/kubeconfig.
#   start-control-plane.sh BIN_DIR STATE_DIR        stop: kill $(cat STATE_DIR/*.pid)
# Ports come from KVET_API_PORT (16443) and KVET_ETCD_PORT (12379, and the next one for peers).
# KVET_APISERVER_ONLY=1 starts etcd and kube-apiserver only: a second, lighter cluster for the
# fleet tests (objects are stored and served; no controller acts on them).
set -euo pipefail
B=${1:?bin dir}; D=${2:?state dir}
mkdir -p "$D"; cd "$D"
API=${KVET_API_PORT:-16443}; ETCD=${KVET_ETCD_PORT:-12379}; PEER=$((ETCD + 1))
t0=$(date +%s%N)
ssl() { openssl "$@" 2>/dev/null; }
ssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 7 -subj /CN=kvet-test-ca
cat > x509.cnf <<CNF
[req]
distinguished_name=dn
[dn]
[server]
subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth
[client]
extendedKeyUsage=clientAuth
CNF
ssl req -newkey rsa:2048 -nodes -keyout apiserver.key -subj /CN=kube-apiserver -out apiserver.csr
ssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 7 -extfile x509.cnf -extensions server -out apiserver.crt
ssl req -newkey rsa:2048 -nodes -keyout admin.key -subj "/O=system:masters/CN=kvet-admin" -out admin.csr
ssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 7 -extfile x509.cnf -extensions client -out admin.crt
ssl genrsa -out sa.key 2048
ssl rsa -in sa.key -pubout -out sa.pub
cat > kubeconfig <<KC
apiVersion: v1
kind: Config
clusters:
- name: kvet-test
  cluster: {server: "https://127.0.0.1:$API", certificate-authority-data: $(base64 -w0 ca.crt)}
users:
- name: admin
  user: {client-certificate-data: $(base64 -w0 admin.crt), client-key-data: $(base64 -w0 admin.key)}
contexts:
- name: kvet-test
  context: {cluster: kvet-test, user: admin}
current-context: kvet-test
KC
rm -rf "$D/etcd-data"
etcd --name kvet --data-dir "$D/etcd-data" --listen-client-urls "http://127.0.0.1:$ETCD" \
  --advertise-client-urls "http://127.0.0.1:$ETCD" --listen-peer-urls "http://127.0.0.1:$PEER" \
  --initial-advertise-peer-urls "http://127.0.0.1:$PEER" --initial-cluster "kvet=http://127.0.0.1:$PEER" \
  --listen-metrics-urls '' > etcd.log 2>&1 &
echo $! > etcd.pid
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$ETCD/health" >/dev/null && break; sleep 0.1; done
"$B/kube-apiserver" --etcd-servers="http://127.0.0.1:$ETCD" --bind-address=127.0.0.1 --secure-port="$API" \
  --advertise-address=127.0.0.1 --insecure-port=0 --tls-cert-file=apiserver.crt --tls-private-key-file=apiserver.key \
  --client-ca-file=ca.crt --service-account-key-file=sa.pub --service-account-signing-key-file=sa.key \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local --service-cluster-ip-range=10.0.0.0/24 \
  --endpoint-reconciler-type=none --authorization-mode=RBAC --allow-privileged=true --profiling=false \
  > apiserver.log 2>&1 &
echo $! > apiserver.pid
C=(curl -sf --cacert ca.crt --cert admin.crt --key admin.key)
for _ in $(seq 1 300); do "${C[@]}" "https://127.0.0.1:$API/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
"${C[@]}" "https://127.0.0.1:$API/readyz" >/dev/null || { echo "kube-apiserver did not become ready; see $D/apiserver.log" >&2; exit 1; }
t1=$(date +%s%N)
if [ "${KVET_APISERVER_ONLY:-}" = "1" ]; then
  echo "apiserver up after $(( (t1 - t0) / 1000000 )) ms (no controllers); KUBECONFIG=$D/kubeconfig"
  exit 0
fi
# No kubelet: the node lifecycle controller would mark every node NotReady, so it is off.
"$B/kube-controller-manager" --kubeconfig=kubeconfig --authentication-kubeconfig=kubeconfig --authorization-kubeconfig=kubeconfig \
  --bind-address=127.0.0.1 --port=0 --secure-port=0 --leader-elect=false --service-account-private-key-file=sa.key \
  --root-ca-file=ca.crt --use-service-account-credentials=true --cluster-signing-cert-file=ca.crt \
  --cluster-signing-key-file=ca.key --controllers='*,-nodelifecycle' > kcm.log 2>&1 &
echo $! > kcm.pid
"$B/kube-scheduler" --kubeconfig=kubeconfig --bind-address=127.0.0.1 --port=0 --secure-port=0 --leader-elect=false > scheduler.log 2>&1 &
echo $! > scheduler.pid
for _ in $(seq 1 300); do
  "${C[@]}" "https://127.0.0.1:$API/api/v1/namespaces/default/serviceaccounts/default" >/dev/null 2>&1 && break; sleep 0.2
done
t2=$(date +%s%N)
echo "control plane up: apiserver ready after $(( (t1 - t0) / 1000000 )) ms, controllers after $(( (t2 - t0) / 1000000 )) ms; KUBECONFIG=$D/kubeconfig"
