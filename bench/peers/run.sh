#!/usr/bin/env bash
# bench/peers/run.sh: xmppd side by side with ejabberd and Prosody (issue #6).
#
# `make bench-peers` runs this. It installs Debian's ejabberd and Prosody
# when missing (apt-get, with service start-up blocked so that no system
# daemon takes port 5222), builds bin/xmppd and bin/xmppbench, and runs the
# three servers one at a time as foreground children of this script, each
# with its own configuration and data in a temporary directory, on loopback
# ports that do not collide with xmppd's defaults:
#
#   ejabberd 127.0.0.1:15222, BOSH http://127.0.0.1:15280/http-bind
#            (Erlang distribution 127.0.0.1:15299, no epmd)
#   Prosody  127.0.0.1:25222, BOSH http://127.0.0.1:25280/http-bind
#   xmppd    127.0.0.1:30222, BOSH http://127.0.0.1:30280/http-bind
#
# The same accounts are created on all three by in-band registration
# (xmppbench register). Then, for every scenario (msg, login, idle, bosh,
# presence, mixed), each server is started fresh on its data, measured with
# bin/xmppbench --pid, and stopped. The result is bench/peers/RESULTS.md
# (or $OUT): machine, versions, the exact commands and configurations, and
# one table per scenario with the three side by side. Every step is
# bounded in time; every process started here is stopped on exit. Must run
# as root (it installs packages and runs the peers as their Debian system
# users).
#
# Knobs (environment), defaults below: SERVERS; msg: PAIRS, WINDOW,
# MSG_DURATION; login: LOGINS; idle: IDLE_USERS, IDLE_HOLD; bosh:
# BOSH_USERS, BOSH_PAIRS, BOSH_HOLD; presence: PRES_USERS, PRES_CONTACTS,
# PRES_INTERVAL, PRES_DURATION; mixed: MIXED_USERS, MIXED_CONTACTS,
# MIXED_CHURN, MIXED_DURATION; all: CONCURRENCY, MECH, MECH2, LOAD_MECH,
# SETUP_TIMEOUT, NICE, OUT, KEEP_WORK=1, TOTAL_TIMEOUT.
#
# A short run that still gives every scenario a result for all three:
#   IDLE_USERS=300 LOGINS=300 BOSH_USERS=200 PRES_USERS=100 \
#   MIXED_USERS=400 MIXED_DURATION=20s OUT=/tmp/peers-small.md make bench-peers
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD

SERVERS=${SERVERS:-"xmppd ejabberd prosody"}
IDLE_USERS=${IDLE_USERS:-5000}
IDLE_HOLD=${IDLE_HOLD:-10s}
PAIRS=${PAIRS:-50}
WINDOW=${WINDOW:-10}
MSG_DURATION=${MSG_DURATION:-10s}
LOGINS=${LOGINS:-2000}
# Logins in progress at once (login and idle ramp-up), the same for all
# three: low enough that the slowest server answers every login within
# --timeout, so the run measures cost rather than timeouts.
CONCURRENCY=${CONCURRENCY:-64}
# bosh: BOSH_USERS sessions held BOSH_HOLD, the first BOSH_PAIRS of them
# echoing messages to a TCP partner (the round trip is the latency).
BOSH_USERS=${BOSH_USERS:-1500}
BOSH_PAIRS=${BOSH_PAIRS:-10}
BOSH_HOLD=${BOSH_HOLD:-20s}
# presence: PRES_USERS online with mutual rosters of PRES_CONTACTS, each
# changing presence once per PRES_INTERVAL for PRES_DURATION, which asks
# PRES_USERS × PRES_CONTACTS / PRES_INTERVAL deliveries a second of the
# server (2,500/s by default: well below what the slowest of the three
# sustains here, so that the figures are costs, not a backlog).
PRES_USERS=${PRES_USERS:-500}
PRES_CONTACTS=${PRES_CONTACTS:-10}
PRES_INTERVAL=${PRES_INTERVAL:-2s}
PRES_DURATION=${PRES_DURATION:-30s}
# mixed: MIXED_USERS online with rosters of MIXED_CONTACTS, 5 % of them
# chatting (a message every 10 s), a presence change per user every 5
# minutes, MIXED_CHURN relogins a second, for MIXED_DURATION (xmppbench's
# messenger profile).
#
# Both build their rosters in band, on every run (the accounts are fresh):
# the subscription handshakes are not measured, but they bound the sizes.
# On this 2-core machine Prosody took 41 s for 500 × 10 contacts, 192 s
# for 2,000 × 10 (ejabberd 24 s and 108 s, xmppd a few seconds) and did
# not finish 500 × 20 in 120 s: with internal storage every roster change
# reads and rewrites the user's whole roster file (storagemanager's map
# shim). SETUP_TIMEOUT bounds the handshakes (and each login) of presence
# and mixed.
MIXED_USERS=${MIXED_USERS:-2000}
MIXED_CONTACTS=${MIXED_CONTACTS:-10}
MIXED_CHURN=${MIXED_CHURN:-5}
MIXED_DURATION=${MIXED_DURATION:-60s}
MECH=${MECH:-PLAIN}
MECH2=${MECH2-SCRAM-SHA-1} # login and idle again with this one ("" for none)
# bosh, presence and mixed log in with this one: what most clients use, and
# the one that does not inflate ejabberd's sessions (see "Reading the
# figures" in the report).
LOAD_MECH=${LOAD_MECH:-SCRAM-SHA-1}
SETUP_TIMEOUT=${SETUP_TIMEOUT:-600s}
OUT=${OUT:-bench/peers/RESULTS.md}
TOTAL_TIMEOUT=${TOTAL_TIMEOUT:-3600}
# Servers and load generator alike run at this nice value, ahead of other
# work on a shared machine (0 to leave them at the default). Each runs in a
# session of its own, whose autogroup gets the same nice value: with
# kernel.sched_autogroup_enabled a process's nice value only counts within
# its autogroup.
NICE=${NICE:--10}
# Accounts: msg, login, idle and bosh share user0 .. (none of them touches
# a roster); presence and mixed each build their rosters on a range of their
# own, so that neither finds the other's contacts (which would be
# deliveries nobody counts on) nor leaves them for login's roster fetch.
BASE_USERS=$(( IDLE_USERS > LOGINS ? IDLE_USERS : LOGINS ))
BASE_USERS=$(( BASE_USERS > 2 * PAIRS ? BASE_USERS : 2 * PAIRS ))
BASE_USERS=$(( BASE_USERS > BOSH_USERS + BOSH_PAIRS ? BASE_USERS : BOSH_USERS + BOSH_PAIRS ))
PRES_FIRST=$BASE_USERS
MIXED_FIRST=$(( PRES_FIRST + PRES_USERS ))
ACCOUNTS=$(( MIXED_FIRST + MIXED_USERS ))

# Below Linux's ephemeral range (32768-60999): a server port inside it can
# be taken as the local port of one of the load generator's connections.
declare -A PORT=([xmppd]=30222 [ejabberd]=15222 [prosody]=25222)
declare -A HTTP_PORT=([xmppd]=30280 [ejabberd]=15280 [prosody]=25280)
declare -A NAME=([xmppd]=xmppd [ejabberd]=ejabberd [prosody]=Prosody)
EJ_DIST_PORT=15299

# boosted CMD ARGS...: exec CMD in a new session whose autogroup, and CMD
# itself, get the nice value NICE. Run as `boosted ... &`: $! is then CMD's
# pid (setsid does not fork outside a process-group leader; exec keeps it).
boosted() {
	exec setsid sh -c 'echo "$0" >/proc/self/autogroup 2>/dev/null; exec nice -n "$0" "$@"' "$NICE" "$@"
}

log() { printf '%s bench-peers: %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root: it installs Debian packages and runs the peers as their system users"
for s in $SERVERS; do [ -n "${PORT[$s]:-}" ] || die "unknown server $s (xmppd, ejabberd, prosody)"; done

WORK=$(mktemp -d /tmp/bench-peers.XXXXXX)
chmod 755 "$WORK"
RES=$WORK/results
mkdir -p "$RES"
: >"$WORK/commands"
: >"$WORK/notes"

# ------------------------------------------------------------ processes
declare -A LAUNCHED=() # server -> pid of the process started here
declare -A SRV_PID=()  # server -> pid of the process listening on its port
BENCH_PID=             # the xmppbench run in progress
WATCHDOG=

stop_server() { # stop_server NAME: TERM, then KILL after 30 s
	local s=$1 launcher=${LAUNCHED[$1]:-} srv=${SRV_PID[$1]:-}
	unset "LAUNCHED[$s]" "SRV_PID[$s]"
	# The listening process first (ejabberdctl's shell is beam.smp's
	# parent, not beam.smp itself), then what this script launched.
	local pid i
	for pid in $srv $launcher; do
		kill -TERM "$pid" 2>/dev/null || continue
		for ((i = 0; i < 300; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "$s (pid $pid) still running after 30 s: KILL"
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
	[ -z "$launcher" ] || wait "$launcher" 2>/dev/null || true
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	local s
	[ -z "$BENCH_PID" ] || kill -TERM "$BENCH_PID" 2>/dev/null || true
	for s in "${!LAUNCHED[@]}"; do stop_server "$s"; done
	if [ -n "$WATCHDOG" ]; then
		kill "$WATCHDOG" 2>/dev/null || true
		[ ! -s "$WORK/watchdog.pid" ] || kill "$(cat "$WORK/watchdog.pid")" 2>/dev/null || true
	fi
	if [ "${KEEP_WORK:-0}" = 1 ] || [ "$rc" != 0 ]; then
		log "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# The whole run is bounded too: the watchdog TERMs this script, whose trap
# stops the servers.
(
	sleep "$TOTAL_TIMEOUT" &
	echo $! >"$WORK/watchdog.pid"
	wait $! && log "TOTAL_TIMEOUT ($TOTAL_TIMEOUT s) reached" && kill -TERM $$
) 2>/dev/null &
WATCHDOG=$!

# ------------------------------------------------------------ installing
install_peers() {
	local missing=()
	case " $SERVERS " in *" ejabberd "*) command -v ejabberdctl >/dev/null || missing+=(ejabberd) ;; esac
	case " $SERVERS " in *" prosody "*) command -v prosody >/dev/null || missing+=(prosody) ;; esac
	command -v jq >/dev/null || missing+=(jq)
	command -v setpriv >/dev/null || missing+=(util-linux)
	command -v ss >/dev/null || missing+=(iproute2)
	[ ${#missing[@]} -gt 0 ] || return 0
	log "installing ${missing[*]}"
	# Debian starts a freshly installed ejabberd or Prosody on 5222: a
	# policy-rc.d that refuses keeps them from starting (and from loading the
	# machine during the measurements).
	local guard=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		guard=1
	fi
	local rc=0
	timeout 600 apt-get update -q >"$WORK/apt.log" 2>&1 &&
		DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -q --no-install-recommends \
			"${missing[@]}" >>"$WORK/apt.log" 2>&1 || rc=$?
	[ -z "$guard" ] || rm -f /usr/sbin/policy-rc.d
	[ "$rc" = 0 ] || { tail -20 "$WORK/apt.log" >&2; die "apt-get failed ($rc)"; }
}

# ------------------------------------------------------------ servers
# Configuration files, written once; each start uses the same data.
write_configs() {
	local d
	# xmppd: loopback c2s and BOSH (plain HTTP) only; limits that would
	# throttle a load test lifted.
	d=$WORK/xmppd
	mkdir -p "$d/data"
	cat >"$d/xmppd.yaml" <<EOF
domain: localhost
data_dir: $d/data
listen: {c2s: "127.0.0.1:${PORT[xmppd]}", c2s_tls: "", component: "", http: "127.0.0.1:${HTTP_PORT[xmppd]}", https: "", admin: ""}
auth: {plain_in_clear: true, max_failures_per_ip_per_minute: -1}
registration: {mode: loopback, rate_per_ip_per_hour: -1}
limits: {max_connections_per_ip: 100000}
log: {level: warn}
EOF

	# ejabberd: Debian's module set without the ones that need listeners we
	# do not open (HTTP API, upload, admin, MQTT, STUN, s2s) and without
	# mod_pres_counter and mod_fail2ban (rate limiters); no shaper on c2s,
	# fsm queue raised, backlog raised, caches sized for the accounts;
	# SCRAM-SHA-1 storage (Debian's auth_password_format: scram, 4096
	# iterations). BOSH: mod_bosh behind a plain-HTTP ejabberd_http listener
	# at /http-bind, its own defaults otherwise (max_inactivity 30 s counts
	# only while a session has no request held, which never happens here).
	d=$WORK/ejabberd
	mkdir -p "$d/conf" "$d/spool" "$d/logs" "$d/home"
	cat >"$d/conf/ejabberd.yml" <<EOF
loglevel: warning
log_rotate_count: 0
hosts:
  - localhost
listen:
  -
    port: ${PORT[ejabberd]}
    ip: "127.0.0.1"
    module: ejabberd_c2s
    max_stanza_size: 262144
    access: c2s
    starttls_required: false
    max_fsm_queue: 1000000
    backlog: 1024
  -
    port: ${HTTP_PORT[ejabberd]}
    ip: "127.0.0.1"
    module: ejabberd_http
    tls: false
    backlog: 1024
    request_handlers:
      /http-bind: mod_bosh
max_fsm_queue: 1000000
auth_method: internal
auth_password_format: scram
disable_sasl_mechanisms:
  - "digest-md5"
  - "X-OAUTH2"
registration_timeout: infinity
cache_size: $((ACCOUNTS * 2))
acl:
  local:
    user_regexp: ""
  loopback:
    ip:
      - 127.0.0.0/8
      - ::1/128
access_rules:
  local:
    allow: local
  c2s:
    deny: blocked
    allow: all
  register:
    allow: all
  pubsub_createnode:
    allow: local
shaper_rules:
  max_user_sessions: 10
  max_user_offline_messages: 100
modules:
  mod_adhoc: {}
  mod_avatar: {}
  mod_blocking: {}
  mod_bosh: {}
  mod_caps: {}
  mod_carboncopy: {}
  mod_client_state: {}
  mod_disco: {}
  mod_last: {}
  mod_offline:
    access_max_user_messages: max_user_offline_messages
  mod_ping: {}
  mod_privacy: {}
  mod_private: {}
  mod_pubsub:
    access_createnode: pubsub_createnode
    plugins:
      - flat
      - pep
  mod_register:
    access: register
    ip_access: all
  mod_roster:
    versioning: true
  mod_stream_mgmt:
    resend_on_timeout: if_offline
  mod_vcard:
    search: false
  mod_vcard_xupdate: {}
  mod_version: {}
EOF
	cat >"$d/conf/ejabberdctl.cfg" <<EOF
ERLANG_NODE=xmppd-bench@localhost
ERL_DIST_PORT=$EJ_DIST_PORT
INET_DIST_INTERFACE=127.0.0.1
ERL_OPTIONS="-env ERL_CRASH_DUMP_BYTES 0"
EOF
	cp /etc/ejabberd/inetrc "$d/conf/inetrc" 2>/dev/null ||
		printf '{lookup,["file","native"]}.\n{host,{127,0,0,1}, ["localhost"]}.\n' >"$d/conf/inetrc"
	chown -R ejabberd:ejabberd "$d" 2>/dev/null || true

	# Prosody: Debian's default module list without limits (bandwidth
	# limits), tls (no TLS for anyone), dialback/s2s (no federation), posix
	# (run in the foreground here) and the admin shell; PLAIN allowed in the
	# clear; open registration (mod_invites_register would ask for
	# invites); SCRAM-SHA-1 storage at 4096 iterations like the other two
	# (Prosody's default is 10000); accept backlog raised. BOSH: mod_bosh
	# (at /http-bind, its defaults) on plain HTTP on loopback, no HTTPS port.
	d=$WORK/prosody
	mkdir -p "$d/data" "$d/certs"
	cat >"$d/prosody.cfg.lua" <<EOF
pidfile = "$d/prosody.pid"
data_path = "$d/data"
certificates = "$d/certs"
log = { warn = "$d/prosody.log" }
c2s_ports = { ${PORT[prosody]} }
c2s_interfaces = { "127.0.0.1" }
http_ports = { ${HTTP_PORT[prosody]} }
http_interfaces = { "127.0.0.1" }
https_ports = {}
network_settings = { tcp_backlog = 1024 }
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
allow_registration = true
registration_invite_only = false
authentication = "internal_hashed"
default_iteration_count = 4096
storage = "internal"
modules_enabled = {
	"disco"; "roster"; "saslauth"; "blocklist"; "bookmarks"; "carbons";
	"pep"; "private"; "smacks"; "vcard4"; "vcard_legacy"; "csi_simple";
	"invites"; "invites_adhoc"; "invites_register"; "ping"; "register";
	"time"; "uptime"; "version"; "admin_adhoc"; "bosh";
}
modules_disabled = { "s2s" }
VirtualHost "localhost"
EOF
	chown -R prosody:prosody "$d" 2>/dev/null || true
}

# listener_pid PORT: the process listening on 127.0.0.1:PORT.
listener_pid() {
	ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2
}

port_busy() { [ -n "$(ss -ltnH "sport = :$1" 2>/dev/null)" ]; }


# start_server NAME: start it in the foreground of a background job, wait
# (≤ 90 s) for its c2s and HTTP ports, and set SERVER_PID to the process
# listening on the c2s port.
start_server() {
	local s=$1 port=${PORT[$1]} hport=${HTTP_PORT[$1]} d=$WORK/$1 pid p
	for p in "$port" "$hport"; do
		if port_busy "$p"; then
			log "port $p already in use: cannot start $s"
			return 1
		fi
	done
	case $s in
	xmppd)
		boosted "$ROOT/bin/xmppd" -config "$d/xmppd.yaml" >>"$d/out.log" 2>&1 &
		;;
	ejabberd)
		# ejabberdctl run as the ejabberd user execs erl, which execs
		# beam.smp: the job's pid becomes the VM. HOME holds the cookie.
		boosted env HOME="$d/home" setpriv --reuid=ejabberd --regid=ejabberd --init-groups \
			ejabberdctl --config-dir "$d/conf" --spool "$d/spool" --logs "$d/logs" foreground \
			>>"$d/out.log" 2>&1 &
		;;
	prosody)
		boosted setpriv --reuid=prosody --regid=prosody --init-groups \
			prosody -F --config "$d/prosody.cfg.lua" >>"$d/out.log" 2>&1 &
		;;
	esac
	pid=$!
	LAUNCHED[$s]=$pid
	local i
	for ((i = 0; i < 900; i++)); do
		kill -0 "$pid" 2>/dev/null || { log "$s exited during start-up; see $d/out.log"; tail -5 "$d/out.log" >&2; unset "LAUNCHED[$s]"; wait "$pid" || true; return 1; }
		if port_busy "$port" && port_busy "$hport"; then break; fi
		sleep 0.1
	done
	if ! port_busy "$port" || ! port_busy "$hport"; then
		log "$s did not listen on $port and $hport within 90 s"
		stop_server "$s"
		return 1
	fi
	SERVER_PID=$(listener_pid "$port")
	[ -n "$SERVER_PID" ] || { log "no pid listening on $port"; stop_server "$s"; return 1; }
	SRV_PID[$s]=$SERVER_PID
	# Let start-up work (ejabberd loads its Mnesia tables) settle.
	sleep 3
	log "$s started, pid $SERVER_PID on 127.0.0.1:$port (BOSH on $hport)"
}

# ------------------------------------------------------------ measuring
declare -A BROKEN=() # server -> why it was dropped

# bench NAME LABEL SCENARIO ARGS...: one xmppbench run against NAME,
# bounded in time; the JSON line goes to $RES/NAME-LABEL.json.
bench() {
	local s=$1 label=$2 sc=$3
	shift 3
	local args=("$sc" --server "127.0.0.1:${PORT[$s]}" --domain localhost --quiet "$@")
	printf '%s: xmppbench %s\n' "${NAME[$s]}" "${args[*]}" |
		sed "s/--pid [0-9]*/--pid \$PID/" >>"$WORK/commands"
	local rc=0
	# In the background and waited for, so that a TERM reaches the trap.
	boosted timeout 1200 "$ROOT/bin/xmppbench" "${args[@]}" \
		--markdown "$RES/$s-$label.md" >"$RES/$s-$label.json" 2>"$RES/$s-$label.err" &
	BENCH_PID=$!
	wait "$BENCH_PID" || rc=$?
	BENCH_PID=
	if [ ! -s "$RES/$s-$label.json" ]; then
		log "$s $label: no result (exit $rc): $(tail -3 "$RES/$s-$label.err" | tr '\n' ' ')"
		printf -- '- %s %s: xmppbench gave no result (exit %s): %s\n' "${NAME[$s]}" "$label" "$rc" \
			"$(tail -3 "$RES/$s-$label.err" | tr '\n' ' ')" >>"$WORK/notes"
		rm -f "$RES/$s-$label.json"
		return 0
	fi
	log "$s $label: $(jq -c '.metrics' "$RES/$s-$label.json")"
	[ "$rc" = 0 ] || printf -- '- %s %s: not clean (exit %s), failures %s\n' "${NAME[$s]}" "$label" "$rc" \
		"$(jq -c '.failures' "$RES/$s-$label.json")" >>"$WORK/notes"
}

# run_fresh NAME LABEL SCENARIO ARGS...: start NAME fresh, bench, stop.
run_fresh() {
	local s=$1
	[ -z "${BROKEN[$s]:-}" ] || return 0
	if ! start_server "$s"; then
		BROKEN[$s]="did not start for $2 (see the log lines above)"
		printf -- '- %s: did not start for %s\n' "${NAME[$s]}" "$2" >>"$WORK/notes"
		return 0
	fi
	local pid=$SERVER_PID
	bench "$@" --pid "$pid"
	stop_server "$s"
}

# ------------------------------------------------------------ the run
install_peers
log "building bin/xmppd and bin/xmppbench"
mkdir -p bin
CGO_ENABLED=0 timeout 600 go build -o bin/xmppd ./tools/xmppd
CGO_ENABLED=0 timeout 600 go build -o bin/xmppbench ./tools/xmppbench
write_configs
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
PSI_BEFORE=$(sed -n 's/^some avg10=\([0-9.]*\) avg60=\([0-9.]*\).*/\2 %/p' /proc/pressure/cpu 2>/dev/null || true)
T0=$(date +%s)

# Accounts: user0 .. user$((ACCOUNTS-1)), password "password", on each
# server by in-band registration; the registration run is not a measurement.
for s in $SERVERS; do
	if ! start_server "$s"; then
		BROKEN[$s]="did not start"
		printf -- '- %s: did not start; see its log\n' "${NAME[$s]}" >>"$WORK/notes"
		continue
	fi
	bench "$s" register register --users "$ACCOUNTS" --conns 16 --max-time 600s
	if [ "$(jq -r '.metrics.registered + .metrics.already_existed' "$RES/$s-register.json" 2>/dev/null)" != "$ACCOUNTS" ]; then
		BROKEN[$s]="could not register $ACCOUNTS accounts"
		printf -- '- %s: could not register %s accounts\n' "${NAME[$s]}" "$ACCOUNTS" >>"$WORK/notes"
	fi
	stop_server "$s"
done

# Scenarios interleave the servers, so that load from elsewhere on a shared
# machine falls on all three alike.
for s in $SERVERS; do
	run_fresh "$s" msg msg --pairs "$PAIRS" --window "$WINDOW" --duration "$MSG_DURATION" \
		--presence --mech "$MECH" --concurrency "$CONCURRENCY" --timeout 30s --max-time 120s
done
# Logins and idle sessions with MECH and again with MECH2 (by default
# SCRAM-SHA-1, which every server offers and most clients use): with PLAIN
# the server derives the salted password itself, which is what dominates
# ejabberd's cost and even its memory per session.
for m in $MECH $MECH2; do
	for s in $SERVERS; do
		run_fresh "$s" "login-$m" login --users "$LOGINS" --roster --presence --mech "$m" \
			--concurrency "$CONCURRENCY" --timeout 30s --max-time 300s
	done
done
for m in $MECH $MECH2; do
	for s in $SERVERS; do
		run_fresh "$s" "idle-$m" idle --users "$IDLE_USERS" --duration "$IDLE_HOLD" --presence --mech "$m" \
			--concurrency "$CONCURRENCY" --timeout 30s --max-time 300s
	done
done
for s in $SERVERS; do
	run_fresh "$s" bosh bosh --users "$BOSH_USERS" --pairs "$BOSH_PAIRS" --duration "$BOSH_HOLD" \
		--bosh "http://127.0.0.1:${HTTP_PORT[$s]}/http-bind" --mech "$LOAD_MECH" \
		--concurrency "$CONCURRENCY" --timeout 30s --max-time 300s
done
# presence and mixed without --api: accounts (already there) and mutual
# rosters by in-band registration and subscription handshakes, the same
# procedure on all three; --timeout also bounds the handshakes as a whole.
for s in $SERVERS; do
	run_fresh "$s" presence presence --first-user "$PRES_FIRST" --users "$PRES_USERS" \
		--contacts "$PRES_CONTACTS" --presence-interval "$PRES_INTERVAL" --duration "$PRES_DURATION" \
		--drain 30s --mech "$LOAD_MECH" --concurrency "$CONCURRENCY" --timeout "$SETUP_TIMEOUT" --max-time 1100s
done
for s in $SERVERS; do
	run_fresh "$s" mixed mixed --first-user "$MIXED_FIRST" --users "$MIXED_USERS" \
		--contacts "$MIXED_CONTACTS" --chatters 0.05 --chat-interval 10s --presence-interval 5m \
		--churn-rate "$MIXED_CHURN" --duration "$MIXED_DURATION" --drain 30s --mech "$LOAD_MECH" \
		--concurrency "$CONCURRENCY" --timeout "$SETUP_TIMEOUT" --max-time 1100s
done
T1=$(date +%s)
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
PSI_AFTER=$(sed -n 's/^some avg10=\([0-9.]*\) avg60=\([0-9.]*\).*/\2 %/p' /proc/pressure/cpu 2>/dev/null || true)

# ------------------------------------------------------------ the report
# metric KEY SERVER SCENARIO: a number from a result, or empty.
metric() {
	local f=$RES/$2-$3.json
	[ -s "$f" ] || return 0
	jq -r "$1 // empty" "$f"
}

fmt() { # a number for a table
	[ -n "$1" ] || { printf 'n/a'; return; }
	awk -v x="$1" 'BEGIN {
		a = x < 0 ? -x : x
		if (a >= 1000) { s = sprintf("%.0f", x); n = length(s); o = "";
			for (i = 1; i <= n; i++) { o = o substr(s, i, 1); if ((n - i) % 3 == 0 && i < n) o = o "," } print o }
		else if (a >= 100) printf "%.0f\n", x
		else if (a >= 10) printf "%.1f\n", x
		else if (a >= 1) printf "%.2f\n", x
		else printf "%.3g\n", x }'
}

ratio() { # xmppd / peer
	[ -n "$1" ] && [ -n "$2" ] || { printf '–'; return; }
	awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) { print "–"; exit } r = a / b
		if (r >= 10) printf "%.0f×\n", r; else if (r >= 0.1) printf "%.2f×\n", r; else printf "%.3f×\n", r }'
}

# row SCENARIO LABEL BETTER JQ: one table row, the three side by side.
row() {
	local sc=$1 label=$2 better=$3 q=$4 x e p
	x=$(metric "$q" xmppd "$sc")
	e=$(metric "$q" ejabberd "$sc")
	p=$(metric "$q" prosody "$sc")
	printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$better" \
		"$(fmt "$x")" "$(fmt "$e")" "$(fmt "$p")" "$(ratio "$x" "$e")" "$(ratio "$x" "$p")"
}

table_head() {
	printf '| metric | better | xmppd | ejabberd | Prosody | xmppd / ejabberd | xmppd / Prosody |\n'
	printf '|---|---|---:|---:|---:|---:|---:|\n'
}

pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || printf 'not installed'; }

mkdir -p "$(dirname "$OUT")"
{
	cat <<EOF
# xmppd, ejabberd and Prosody side by side

Generated by \`make bench-peers\` (\`bench/peers/run.sh\`) on $(date -u '+%Y-%m-%d %H:%M UTC'); do not
edit by hand, run it again. The whole run took $((T1 - T0)) s after the build.

## Machine and versions

| | |
|---|---|
| CPU | $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores (load generator on the same cores) |
| memory | $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) |
| kernel | $(uname -sr) |
| OS | $(. /etc/os-release && printf '%s' "$PRETTY_NAME") |
| load average before / after | $LOAD_BEFORE / $LOAD_AFTER (the machine is shared with other builds) |
| CPU pressure (PSI some, avg60) before / after | ${PSI_BEFORE:-n/a} / ${PSI_AFTER:-n/a} |
| Go | $(go version | sed 's/^go version //') |
| xmppd | $(git describe --always --dirty 2>/dev/null || printf unknown), \`CGO_ENABLED=0\` |
| ejabberd | $(pkgver ejabberd) (Debian), Erlang/OTP erlang-base $(pkgver erlang-base) |
| Prosody | $(pkgver prosody) (Debian), lua5.4 $(pkgver lua5.4) |

## Fairness

- **No TLS for all three**, SASL **$MECH** in the clear, on loopback; login
  and idle also with **${MECH2:-no second mechanism}**; bosh, presence and
  mixed with **$LOAD_MECH**. All three store salted SCRAM
  credentials at 4,096 PBKDF2 iterations (xmppd SCRAM-SHA-256 and SHA-1,
  ejabberd and Prosody SCRAM-SHA-1; Prosody's default of 10,000 lowered to
  4,096), so a PLAIN login derives a key on every server, and a SCRAM login
  leaves that to the client (the load generator, on the same cores).
- **Limits lifted**: xmppd without per-IP auth-failure, registration and
  connection limits; ejabberd without a c2s shaper, without mod_pres_counter
  and mod_fail2ban, max_fsm_queue 1,000,000, listen backlog 1,024, caches
  sized for the accounts; Prosody without mod_limits, tcp_backlog 1,024.
- Modules: each peer keeps Debian's default module set except the ones that
  need a listener not opened here (HTTP API, upload, web admin, MQTT, STUN,
  s2s) and the rate limiters; runtime options as Debian ships them
  (ejabberdctl's Erlang flags, Prosody's epoll backend and Lua GC). xmppd
  runs its defaults.
- **BOSH on all three**, plain HTTP on loopback at \`/http-bind\`: xmppd's
  \`listen.http\`, ejabberd's mod_bosh behind an ejabberd_http listener,
  Prosody's mod_bosh on its HTTP server (no HTTPS port). Each keeps its own
  BOSH defaults; their inactivity limits (xmppd 60 s, ejabberd 30 s,
  Prosody 60 s) count only while a session has no request held, which the
  load generator never lets happen.
- **Same accounts** user0 … user$((ACCOUNTS - 1)) (password \`password\`) on all
  three, created by in-band registration with \`xmppbench register\`. msg,
  login, idle and bosh use user0 … (none of them touches a roster); presence
  uses user$PRES_FIRST … user$((MIXED_FIRST - 1)) and mixed user$MIXED_FIRST …
  user$((ACCOUNTS - 1)), so that each builds its mutual rosters on accounts of
  its own. Those rosters are built in band, by RFC 6121 subscription
  handshakes (no server's provisioning API), the same procedure on all
  three; the set-up is not measured.
- **Each server freshly started** for every scenario (Prosody's cost grows
  after many logins), on data that persists between starts; one server runs
  at a time; logs at warning level, written to the temporary directory.
- **Same client**: \`bin/xmppbench\`, same flags against all three, on the
  same two cores as the server. Server CPU and RSS are read from /proc of the
  server process (ejabberd: beam.smp; Prosody: lua5.4; xmppd: xmppd).
- Scenarios interleave the servers (msg for all three, then login, idle,
  bosh, presence and mixed), so load from elsewhere on the machine falls on
  all three alike; servers and load generator each run in a session of
  their own whose autogroup, like the process, has nice $NICE (other builds share this
  machine; with autogroup scheduling a plain \`nice\` would not count
  against them).
EOF
	echo
	echo '## Results'
	echo
	echo "Ratios are xmppd's figure divided by the peer's: below 1× is better for"
	echo 'costs and latencies, above 1× for throughput.'
	echo
	echo "### msg: $PAIRS pairs × window $WINDOW for $MSG_DURATION"
	echo
	table_head
	row msg 'delivered msgs/s' higher '.metrics.delivered_per_s'
	row msg 'delivery latency p50 (ms)' lower '.latency.p50_ms'
	row msg 'delivery latency p90 (ms)' lower '.latency.p90_ms'
	row msg 'delivery latency p99 (ms)' lower '.latency.p99_ms'
	row msg 'delivery latency p99.9 (ms)' lower '.latency.p99_9_ms'
	row msg 'delivery latency max (ms)' lower '.latency.max_ms'
	row msg 'server CPU-s per 100k msgs' lower '.metrics.server_cpu_per_100k_msgs'
	row msg 'server CPU (cores)' - '.metrics.server_cpu_utilisation'
	row msg 'sent' - '.metrics.sent'
	row msg 'lost (sent − delivered)' 'must be 0' '.metrics.lost'
	row msg 'failures' 'must be 0' '[.failures[]] | add // 0'
	echo
	for m in $MECH $MECH2; do
		echo "### login, $m: $LOGINS logins (bind, roster get, initial presence), $CONCURRENCY at once"
		echo
		table_head
		row "login-$m" 'server CPU-s per 1,000 logins' lower '.metrics.server_cpu_per_1k_logins'
		row "login-$m" 'logins/s' higher '.metrics.logins_per_s'
		row "login-$m" 'login latency p50 (ms)' lower '.latency.p50_ms'
		row "login-$m" 'login latency p99 (ms)' lower '.latency.p99_ms'
		row "login-$m" 'logins ok' - '.metrics.logins_ok'
		row "login-$m" 'failures' 'must be 0' '[.failures[]] | add // 0'
		echo
	done
	for m in $MECH $MECH2; do
		echo "### idle, $m: $IDLE_USERS authenticated sessions (with initial presence) held $IDLE_HOLD"
		echo
		table_head
		row "idle-$m" 'server RSS per session (B)' lower '.metrics.server_bytes_per_session'
		row "idle-$m" 'server RSS before (MiB)' lower '.metrics.server_rss_start'
		row "idle-$m" 'server RSS while held (MiB)' lower '.metrics.server_rss_held'
		row "idle-$m" 'server CPU-s while held' lower '.metrics.server_cpu_during_hold'
		row "idle-$m" 'logins/s during ramp-up' higher '.metrics.logins_per_s_during_ramp'
		row "idle-$m" 'sessions alive' - '.metrics.sessions_alive'
		row "idle-$m" 'failures' 'must be 0' '[.failures[]] | add // 0'
		echo
	done
	echo "### bosh: $BOSH_USERS BOSH sessions ($LOAD_MECH, hold=1, wait=60) held $BOSH_HOLD, $BOSH_PAIRS of them echoing to TCP partners"
	echo
	table_head
	row bosh 'server RSS per session (B)' lower '.metrics.server_bytes_per_session'
	row bosh 'server RSS per session at connect (B)' lower '.metrics.server_bytes_per_session_at_connect'
	row bosh 'server RSS before (MiB)' lower '.metrics.server_rss_start'
	row bosh 'server RSS while held (MiB)' lower '.metrics.server_rss_held'
	row bosh 'server CPU-s while held (echo pairs busy)' - '.metrics.server_cpu_during_hold'
	row bosh 'server CPU-s per 1,000 round trips' lower \
		'if (.metrics.round_trips // 0) > 0 then (.metrics.server_cpu_during_hold // empty) * 1000 / .metrics.round_trips else empty end'
	row bosh 'BOSH login latency p50 (ms)' lower '.metrics.bosh_login_p50'
	row bosh 'BOSH login latency p99 (ms)' lower '.metrics.bosh_login_p99'
	row bosh 'ramp-up (s)' lower '.metrics.ramp_up'
	row bosh 'BOSH<->TCP round trips/s' higher '.metrics.round_trips_per_s'
	row bosh 'round trip p50 (ms)' lower '.latency.p50_ms'
	row bosh 'round trip p99 (ms)' lower '.latency.p99_ms'
	row bosh 'round trip max (ms)' lower '.latency.max_ms'
	row bosh 'sessions alive' - '.metrics.sessions_alive'
	row bosh 'lost (sent − echoed back)' 'must be 0' '.metrics.lost'
	row bosh 'failures' 'must be 0' '[.failures[]] | add // 0'
	echo
	echo "### presence: $PRES_USERS users × $PRES_CONTACTS mutual contacts, a change per user every $PRES_INTERVAL for $PRES_DURATION ($LOAD_MECH)"
	echo
	table_head
	row presence 'deliveries/s (the load asked)' - '.metrics.deliveries_per_s'
	row presence 'server CPU-s per 100k deliveries' lower '.metrics.server_cpu_per_100k_deliveries'
	row presence 'server CPU (cores)' - '.metrics.server_cpu_utilisation'
	row presence 'presence latency p50 (ms)' lower '.latency.p50_ms'
	row presence 'presence latency p90 (ms)' lower '.latency.p90_ms'
	row presence 'presence latency p99 (ms)' lower '.latency.p99_ms'
	row presence 'presence latency max (ms)' lower '.latency.max_ms'
	row presence 'server RSS when ready (MiB)' lower '.metrics.server_rss_ready'
	row presence 'changes sent' - '.metrics.changes_sent'
	row presence 'deliveries' - '.metrics.deliveries'
	row presence 'lost (expected − delivered)' 'must be 0' '.metrics.lost'
	row presence 'failures' 'must be 0' '[.failures[]] | add // 0'
	echo
	echo "### mixed: $MIXED_USERS users, $MIXED_CONTACTS contacts, 5 % chatting every 10 s, presence every 5 min, $MIXED_CHURN relogins/s, for $MIXED_DURATION ($LOAD_MECH)"
	echo
	table_head
	row mixed 'server CPU-s' lower '.metrics.server_cpu'
	row mixed 'server CPU (cores)' lower '.metrics.server_cpu_utilisation'
	row mixed 'server RSS per session (B)' lower '.metrics.server_bytes_per_session'
	row mixed 'server RSS when ready (MiB)' lower '.metrics.server_rss_ready'
	row mixed 'msgs delivered/s' - '.metrics.msgs_delivered_per_s'
	row mixed 'msg latency p50 (ms)' lower '.latency.p50_ms'
	row mixed 'msg latency p99 (ms)' lower '.latency.p99_ms'
	row mixed 'presence deliveries/s' - '.metrics.presence_deliveries_per_s'
	row mixed 'presence latency p50 (ms)' lower '.metrics.presence_latency_p50'
	row mixed 'presence latency p99 (ms)' lower '.metrics.presence_latency_p99'
	row mixed 'relogins/s' - '.metrics.logins_per_s'
	row mixed 'relogin latency p50 (ms)' lower '.metrics.login_latency_p50'
	row mixed 'relogin latency p99 (ms)' lower '.metrics.login_latency_p99'
	row mixed 'sessions online at the end' - '.metrics.sessions_online'
	row mixed 'msgs lost' 'must be 0' '.metrics.msgs_lost'
	row mixed 'presence lost (owed − checked)' 'must be 0' '.metrics.presence_lost'
	row mixed 'failures' 'must be 0' '[.failures[]] | add // 0'
	echo
	echo '### register (set-up, not a measurement)'
	echo
	table_head
	row register 'registrations/s' higher '.metrics.registrations_per_s'
	row register 'accounts registered' - '(.metrics.registered + .metrics.already_existed)'
	echo
	cat <<'EOF'
## Reading the figures

- **ejabberd with PLAIN.** ejabberd stores SCRAM credentials here (Debian's
  `auth_password_format: scram`), so a PLAIN login makes it run PBKDF2 in
  the session's own Erlang process, whose heap then stays grown while the
  session idles. When this script was written,
  `erlang:process_info(P, memory)` over the c2s processes of 300 idle
  sessions gave ~540 KB each after PLAIN logins and ~68 KB after
  SCRAM-SHA-1 ones. The SCRAM-SHA-1 rows are ejabberd's fairer figures for
  memory and login cost; the PLAIN rows are what a client that sends PLAIN
  costs it.
- **CPU seconds per unit of work** (per 100k messages, per 1,000 logins)
  are the steadier figures on a shared machine; throughput and latency also
  depend on what else ran at the time (see the CPU pressure above).
- The load generator shares the two cores with the server, so msgs/s and
  logins/s are those of server and client together on this box, not the
  server's ceiling.
- **bosh**: the RSS per session includes the session's HTTP connection and
  its held request. The echo pairs play ping-pong as fast as they can for
  the whole hold, so the CPU while held is theirs: CPU-s per 1,000 round
  trips is the comparable cost, round trips/s what server and client
  manage together. The sessions all log in before the hold, CONCURRENCY
  at once as in idle; a BOSH login is several HTTP round trips (session
  creation, SASL, stream restart, bind).
- **presence** and **mixed** offer a fixed load (open loop): when nothing is
  lost, deliveries/s, msgs/s and relogins/s are the same for all three by
  construction, and the comparison is in the CPU seconds, the memory and
  the latencies. A server's CPU per 100k deliveries includes what it spends
  whatever the load, so it depends on the rate asked (PRES_INTERVAL).

EOF
	echo '## Problems during the run'
	echo
	if [ -s "$WORK/notes" ]; then cat "$WORK/notes"; else echo 'None: every run completed with no failure and no loss.'; fi
	echo
	echo '## Exact commands'
	echo
	echo 'Built with `CGO_ENABLED=0 go build -o bin/xmppd ./tools/xmppd` and'
	echo '`go build -o bin/xmppbench ./tools/xmppbench`. Every server and every'
	echo "xmppbench run below was started as \`setsid sh -c 'echo $NICE >/proc/self/autogroup; exec nice -n $NICE \"\$@\"' CMD...\`"
	echo '(each xmppbench run also under `timeout 1200`); the servers:'
	echo
	echo '```'
	echo "xmppd:    bin/xmppd -config \$WORK/xmppd/xmppd.yaml"
	echo "ejabberd: env HOME=\$WORK/ejabberd/home setpriv --reuid=ejabberd --regid=ejabberd --init-groups ejabberdctl --config-dir \$WORK/ejabberd/conf --spool \$WORK/ejabberd/spool --logs \$WORK/ejabberd/logs foreground"
	echo "Prosody:  setpriv --reuid=prosody --regid=prosody --init-groups prosody -F --config \$WORK/prosody/prosody.cfg.lua"
	echo '```'
	echo
	echo "and the load, one server at a time, in this order (\`\$PID\` the process listening on the server's c2s port):"
	echo
	echo '```'
	cat "$WORK/commands"
	echo '```'
	echo
	echo '## Configurations'
	echo
	for f in xmppd/xmppd.yaml ejabberd/conf/ejabberd.yml ejabberd/conf/ejabberdctl.cfg prosody/prosody.cfg.lua; do
		echo "\`$f\` (\$WORK = a fresh temporary directory):"
		echo
		echo '```'
		sed "s|$WORK|\$WORK|g" "$WORK/$f"
		echo '```'
		echo
	done
	echo '## Raw results'
	echo
	echo 'One JSON line per run, as xmppbench printed it.'
	echo
	echo '```'
	for f in "$RES"/*.json; do
		[ -s "$f" ] && printf '%s\n' "$(cat "$f")"
	done
	echo '```'
} >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
log "wrote $OUT"
for s in $SERVERS; do
	[ -z "${BROKEN[$s]:-}" ] || log "$s: ${BROKEN[$s]}"
done
