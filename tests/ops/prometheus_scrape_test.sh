#!/usr/bin/env bash
# Issue 17 item 6: a real Prometheus server (Debian's prometheus package) scrapes a running kiosk
# on loopback, and the test reads a business metric back through Prometheus' query API.
#   1. hospital-sim starts; `kiosk screenshot` runs the QR payment journey against it, so the
#      kiosk's payment journal holds one paid order;
#   2. `kiosk run --headless` starts on that journal with [metrics] on a free loopback port;
#   3. prometheus scrapes it every second; the test asks Prometheus (not the kiosk) for
#      yizhan_payments_total{outcome="done"} and up{job="yizhan-kiosk"}, with the kiosk's labels.
# Usage: prometheus_scrape_test.sh SOURCE_ROOT BUILD_DIR
set -euo pipefail
root="$1"
build="$2"
kiosk="$build/kiosk/kiosk"
sim="$build/sim/hospital/hospital-sim"
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
failed() {
  echo "FAILED: $*" >&2
  for f in "$work"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 30 "$f" >&2; }; done
  exit 1
}
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# A free port below the ephemeral range (32768-60999), from $1 on.
free_port() { for p in $(seq "$1" $(($1 + 199))); do listening "$p" || { echo "$p"; return 0; }; done; return 1; }
wait_for() {  # wait_for SECONDS COMMAND...: polls every 0.2 s
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do [ "$SECONDS" -lt "$deadline" ] || return 1; sleep 0.2; done
}

sim_port="$(free_port 18400)" || failed "no free port for hospital-sim"
"$sim" --listen "127.0.0.1:$sim_port" --data "$work/hospital" >"$work/hospital-sim.out" 2>"$work/hospital-sim.log" &
pids+=($!)
wait_for 20 grep -q "listening on" "$work/hospital-sim.out" || failed "hospital-sim did not start"

metrics_port="$(free_port 19470)" || failed "no free port for the metrics endpoint"
config="$work/kiosk.toml"
sed -E -e "s#127\.0\.0\.1:18080#127.0.0.1:$sim_port#g" -e "s#^data_dir *=.*#data_dir = \"$work/data\"#" \
  -e "s#^id *=.*#id = \"SCRAPE-TEST-01\"#" "$root/assets/config/demo.toml" >"$config"
printf '\n[metrics]\nlisten = "127.0.0.1:%s"\nsite = "test-campus"\n' "$metrics_port" >>"$config"

# 1. One paid order in the journal.
"$kiosk" screenshot --config "$config" --journey "$root/assets/journeys/payment-qr.json" --out "$work/shots" \
  >"$work/journey.log" 2>&1 || failed "the payment journey did not pass"

# 2. The kiosk, running.
"$kiosk" run --headless --config "$config" >"$work/kiosk.log" 2>&1 &
pids+=($!)
wait_for 30 curl -sf "http://127.0.0.1:$metrics_port/metrics" -o "$work/metrics.txt" || failed "the kiosk served no metrics"
grep -q '^yizhan_build_info{' "$work/metrics.txt" || failed "no yizhan_build_info in the kiosk's metrics"

# 3. Prometheus scrapes it.
prom_port="$(free_port 19090)" || failed "no free port for prometheus"
cat >"$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $root/deploy/prometheus/yizhan-alerts.yml
scrape_configs:
  - job_name: yizhan-kiosk
    honor_labels: true
    static_configs:
      - targets: ["127.0.0.1:$metrics_port"]
YAML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
pids+=($!)

query() {  # query PROMQL: prints the first result's value, or nothing
  curl -sf --get "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" |
    jq -r '.data.result[0].value[1] // empty'
}
paid_seen() { [ "$(query 'yizhan_payments_total{outcome="done",kiosk_id="SCRAPE-TEST-01",site="test-campus",mode="lobby"}')" = 1 ]; }
wait_for 60 paid_seen || failed "Prometheus did not return yizhan_payments_total{outcome=\"done\"} = 1 for the kiosk"
[ "$(query 'up{job="yizhan-kiosk"}')" = 1 ] || failed "up{job=\"yizhan-kiosk\"} is not 1"
[ "$(query 'yizhan_device_up{device="card",class="card_reader"}')" = 1 ] || failed "the card reader is not reported up"
[ "$(query 'yizhan_payment_orders{state="pending"}')" = 0 ] || failed "a pending order is reported"
echo "Prometheus on 127.0.0.1:$prom_port scraped the kiosk on 127.0.0.1:$metrics_port: payments done = 1, up = 1"
