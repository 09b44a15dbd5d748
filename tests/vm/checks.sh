#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The checks that run inside the test VM (busybox sh, a pure cgroup v2 host; see
# README.md). Each prints one line: "ok - NAME (Ns)", "ok - NAME # SKIP why" or
# "not ok - NAME: why" followed by "#" lines with the check's log.
#   sh checks.sh              every check, in order ($WIRT_VM_ONLY=a,b: only those)
#   sh checks.sh --one NAME   one check, in this process (the runner's child)
# A check runs as its own process under a timeout; afterwards every vServer is
# deleted, so a failed check does not spill into the next one.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
SELF=$0
ROOT=/var/lib/wirt
CG=/sys/fs/cgroup
OCI_ROOT=/run/oci # wirt-oci's --root
OCI_DIR=/tmp/oci  # the bundles
WHY=/tmp/check.why
CHECK_TIMEOUT=${WIRT_VM_CHECK_TIMEOUT:-150}

# ---- helpers ----------------------------------------------------------------------

fail() {
	echo "$*" >"$WHY"
	echo "FAIL: $*"
	exit 1
}

skip() {
	echo "$*" >"$WHY"
	exit 77
}

log() { echo "# $*"; }

# must CMD...: runs it, logs it; a non-zero exit fails the check with its output.
must() {
	local out rc
	echo "+ $*"
	out=$("$@" 2>&1)
	rc=$?
	[ -n "$out" ] && echo "$out"
	[ $rc -eq 0 ] || fail "'$*' exited $rc: $out"
}

json() { awk -f /json.awk; }

# status_get NAME KEY: one field of `wirt status NAME --json`
status_get() { wirt status "$1" --json | json | sed -n "s/^$2=//p"; }

state_is() {
	local s
	s=$(status_get "$1" state)
	[ "$s" = "$2" ] || fail "state of '$1' is '$s', expected '$2'"
}

cgdir() { echo "$CG/wirt/$1"; }

# cgval NAME FILE [KEY]: a cgroup file of vServer NAME, or one "KEY value" line of it
cgval() {
	if [ -n "${3:-}" ]; then
		sed -n "s/^$3 //p" "$(cgdir "$1")/$2"
	else
		cat "$(cgdir "$1")/$2"
	fi
}

uptime_cs() { awk '{ split($1, a, "."); print a[1] * 100 + a[2] }' /proc/uptime; }

# wait_for SECONDS CMD...: polls CMD every 0.2 s; 1 when it never succeeded.
wait_for() {
	local n=$(($1 * 5))
	shift
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
		n=$((n - 1))
	done
	return 1
}

# has_procs DIR: the cgroup has a process (cgroupfs files have st_size 0: no test -s)
has_procs() { [ -n "$(cat "$1/cgroup.procs" 2>/dev/null)" ]; }

booted() { wirt logs "$1" 2>/dev/null | grep -q "Please press Enter"; }

ensure_template() {
	wirt template list 2>/dev/null | grep -q '^busybox' && return 0
	must wirt template build busybox
}

# up NAME [CREATE-FLAGS...]: create + start, then wait until busybox init ran rcS.
up() {
	local n=$1
	shift
	ensure_template
	must wirt create "$n" "$@"
	must wirt start "$n"
	wait_for 60 booted "$n" || fail "'$n' did not reach its console prompt: $(wirt logs "$n" 2>&1 | tail -5)"
	state_is "$n" running
}

# gexec NAME CMD...: runs CMD in the guest, logs it, fails on a non-zero exit.
gexec() {
	local n=$1
	shift
	must wirt exec "$n" -- "$@"
}

# The host pid of a process whose command line is exactly the given words.
pid_of_cmdline() {
	local want p
	want=$(printf '%s\\0' "$@")
	for p in /proc/[0-9]*; do
		[ "$(tr '\0' '\n' <"$p/cmdline" 2>/dev/null | tr '\n' ' ')" = "$* " ] &&
			{ echo "${p#/proc/}"; return 0; }
	done
	return 1
}

# Processes whose real uid is in the vServer id ranges (>= 1000000000).
guest_uid_procs() {
	local p u
	for p in /proc/[0-9]*; do
		u=$(awk '/^Uid:/ { print $2 }' "$p/status" 2>/dev/null)
		[ -n "$u" ] && [ "$u" -ge 1000000000 ] && echo "${p#/proc/} uid $u $(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)"
	done
}

# Whatever a vServer may leave behind on the host: cgroups, mounts, processes.
leftovers() {
	ls -d "$CG"/wirt* 2>/dev/null
	grep " $ROOT/vservers" /proc/self/mountinfo
	guest_uid_procs
}

# ---- feature detection: a check of a knob that is not there yet is skipped ----------

# create_has FLAG VALUE: `wirt create` knows the flag (a trial create, deleted again).
create_has() {
	local out
	out=$(wirt create zz-probe "$@" 2>&1)
	wirt delete --force zz-probe >/dev/null 2>&1
	case "$out" in
	*"unknown option"*) return 1 ;;
	esac
	return 0
}

verb_has() {
	case "$(wirt "$@" 2>&1)" in
	*"unknown verb"*) return 1 ;;
	esac
	return 0
}

need_create() {
	ensure_template
	create_has "$@" || skip "not implemented yet (wirt create $1)"
}

need_verb() { verb_has "$1" || skip "not implemented yet (wirt $1)"; }

# ---- checks -----------------------------------------------------------------------

# The VM is what the suite claims: pure cgroup v2 with every controller, no v1.
check_host_cgroup2() {
	local t c
	t=$(stat -f -c %t $CG)
	[ "$t" = 63677270 ] || fail "$CG is filesystem type 0x$t, not cgroup2 (0x63677270)"
	for c in cpu cpuset memory pids io; do
		grep -qw $c $CG/cgroup.subtree_control || fail "controller $c not enabled at the root: $(cat $CG/cgroup.subtree_control)"
	done
	grep -w cgroup /proc/mounts | grep -vw cgroup2 && fail "a cgroup v1 hierarchy is mounted"
	log "kernel $(uname -r), controllers: $(cat $CG/cgroup.subtree_control)"
}

check_template_busybox() {
	must wirt template build busybox
	wirt template list | grep -q '^busybox' || fail "'template list' lacks busybox: $(wirt template list 2>&1)"
}

# create / start / exec / stop / restart / delete, with nothing left on the host.
check_lifecycle() {
	local cg pid out rc
	ensure_template
	cg=$(cgdir life)
	must wirt create life
	state_is life stopped
	[ -e "$cg" ] && fail "a stopped vServer has a cgroup: $cg"
	must wirt start life
	state_is life running
	[ -d "$cg" ] || fail "no cgroup $cg after start; $CG has: $(ls $CG)"
	pid=$(status_get life pid)
	[ -d "/proc/$pid" ] || fail "PID 1 of the guest ($pid) is not running"
	out=$(cat /proc/$pid/cgroup)
	[ "$out" = "0::/wirt/life" ] || fail "guest PID 1 is in '$out', not 0::/wirt/life"
	grep -qx "$pid" "$cg/cgroup.procs" || fail "$cg/cgroup.procs lacks PID 1 ($pid): $(cat "$cg/cgroup.procs")"
	wait_for 60 booted life || fail "no console prompt: $(wirt logs life 2>&1 | tail -5)"
	out=$(wirt exec life -- echo hello 2>&1)
	[ "$out" = hello ] || fail "exec echo printed '$out'"
	wirt exec life -- sh -c 'exit 7'
	rc=$?
	[ $rc -eq 7 ] || fail "exec 'exit 7' returned $rc"
	out=$(wirt exec life -- hostname 2>&1)
	[ "$out" = life ] || fail "hostname inside is '$out'"
	# No lxcfs in the VM: the vServer starts all the same, and says its /proc is the host's.
	out=$(status_get life proc_view)
	[ "$out" = host ] || fail "status proc_view is '$out' without lxcfs"
	must wirt stop life
	state_is life stopped
	[ -e "$cg" ] && fail "cgroup $cg left after stop: $(ls "$cg")"
	[ -d "/proc/$pid" ] && fail "guest PID 1 ($pid) still runs after stop"
	must wirt restart life
	state_is life running
	[ -d "$cg" ] || fail "no cgroup after restart"
	must wirt stop life
	[ -e "$cg" ] && fail "cgroup $cg left after the second stop"
	must wirt delete life
	[ -e "$ROOT/vservers/life" ] && fail "$ROOT/vservers/life left after delete"
	out=$(leftovers)
	[ -z "$out" ] || fail "left on the host after delete: $out"
}

# The vServer's own cgroup has every controller and its knob files.
check_controllers() {
	local cg f
	up ctl
	cg=$(cgdir ctl)
	for f in cpu memory pids cpuset io; do
		grep -qw $f "$cg/cgroup.controllers" || fail "controller $f missing in $cg: $(cat "$cg/cgroup.controllers")"
	done
	for f in cpu.weight cpu.max cpu.stat cpuset.cpus memory.max memory.low memory.swap.max memory.events pids.max pids.current io.stat; do
		[ -e "$cg/$f" ] || fail "$cg/$f missing"
	done
}

# The guest sees cgroup2 at /sys/fs/cgroup with its own cgroup as the root.
check_guest_cgroup_view() {
	local out
	up view
	out=$(wirt exec view -- cat /proc/mounts 2>&1 | grep ' /sys/fs/cgroup ')
	case "$out" in
	"cgroup2 /sys/fs/cgroup cgroup2 "*) ;;
	*) fail "guest's /sys/fs/cgroup mount is '$out'" ;;
	esac
	out=$(wirt exec view -- cat /proc/1/cgroup 2>&1)
	[ "$out" = "0::/" ] || fail "guest PID 1's /proc/1/cgroup is '$out', not 0::/"
	out=$(wirt exec view -- cat /proc/self/cgroup 2>&1)
	[ "$out" = "0::/" ] || fail "an exec'd process's /proc/self/cgroup is '$out', not 0::/"
	# The root of the guest's mount is its own cgroup (the host's root has no
	# memory.max), and nothing of the host's tree is visible.
	gexec view test -e /sys/fs/cgroup/memory.max
	out=$(wirt exec view -- ls /sys/fs/cgroup 2>&1)
	echo "$out" | grep -qx wirt && fail "the guest sees the host's wirt cgroup: $out"
	out=$(wirt exec view -- cat /sys/fs/cgroup/cgroup.procs 2>&1)
	echo "$out" | grep -qx 1 || fail "guest's cgroup.procs lacks its PID 1: $out"
	out=$(wirt exec view -- cat /sys/fs/cgroup/cgroup.controllers 2>&1)
	for c in cpu memory pids; do
		echo "$out" | grep -qw $c || fail "guest's cgroup.controllers lacks $c: $out"
	done
	# The limits are the host's to set, not guest root's.
	if wirt exec view -- sh -c 'echo 100000000 > /sys/fs/cgroup/memory.max' 2>/dev/null; then
		fail "guest root could write its own memory.max (now $(cgval view memory.max))"
	fi
}

# Delegation: guest root makes a sub-cgroup and moves a process there.
check_delegation() {
	local cg base owner pid
	up dele
	cg=$(cgdir dele)
	base=$(status_get dele id_base)
	gexec dele mkdir /sys/fs/cgroup/svc
	[ -d "$cg/svc" ] || fail "the guest's sub-cgroup is not at $cg/svc"
	owner=$(stat -c %u "$cg/svc")
	[ "$owner" = "$base" ] || fail "$cg/svc is owned by $owner, not guest root ($base)"
	gexec dele sh -c 'sh -c "echo \$\$ > /sys/fs/cgroup/svc/cgroup.procs && exec sleep 3131" </dev/null >/dev/null 2>&1 &'
	wait_for 10 has_procs "$cg/svc" || fail "no process arrived in $cg/svc"
	pid=$(cat "$cg/svc/cgroup.procs")
	[ "$(cat /proc/$pid/comm)" = sleep ] || fail "$cg/svc holds '$(cat /proc/$pid/comm)', not the sleep"
	[ "$(cat /proc/$pid/cgroup)" = "0::/wirt/dele/svc" ] || fail "the sleep is in $(cat /proc/$pid/cgroup)"
	must wirt stop dele
	[ -e "$cg" ] && fail "stop left $cg (with the guest's sub-cgroup): $(find "$cg" -type d)"
	[ -d "/proc/$pid" ] && fail "the sleep in the sub-cgroup ($pid) survived stop"
	true
}

# What a systemd guest does on v2: move every process into a leaf, enable controllers
# for its subtree and limit a service there. It runs in the background, after the
# `wirt exec` that starts it has left (its first child sits in the vServer's cgroup
# while the program runs, and a cgroup with processes cannot enable controllers for
# its children). Then wirt exec must still work: it can no longer join the vServer's
# own cgroup, which is an inner node now.
check_delegation_controllers() {
	local cg out
	up delc
	cg=$(cgdir delc)
	gexec delc sh -c 'cat >/tmp/dance <<"EOF"
set -e
sleep 1
mkdir /sys/fs/cgroup/init.scope /sys/fs/cgroup/svc
for p in $(cat /sys/fs/cgroup/cgroup.procs); do
	echo $p > /sys/fs/cgroup/init.scope/cgroup.procs 2>/dev/null || true
done
echo "+memory +pids" > /sys/fs/cgroup/cgroup.subtree_control
echo 20 > /sys/fs/cgroup/svc/pids.max
echo done
EOF
sh /tmp/dance </dev/null >/tmp/dance.out 2>&1 &'
	wait_for 20 test -e "$cg/svc/pids.max" || fail "the guest did not enable controllers for its subtree: $(wirt exec delc -- cat /tmp/dance.out 2>&1)"
	wait_for 5 grep -qx 20 "$cg/svc/pids.max" || fail "pids.max of the guest's service is '$(cat "$cg/svc/pids.max")'"
	grep -qx "$(status_get delc pid)" "$cg/init.scope/cgroup.procs" || fail "guest PID 1 is not in its init.scope"
	out=$(wirt exec delc -- echo still-here 2>&1)
	[ "$out" = still-here ] || fail "wirt exec after the guest enabled controllers for its subtree: '$out'"
	must wirt stop delc
	[ -e "$cg" ] && fail "stop left $cg: $(find "$cg" -type d)"
	true
}

# An exec'd process joins the vServer's cgroup.
check_exec_joins_cgroup() {
	local cg pid
	up ex
	cg=$(cgdir ex)
	wirt exec ex -- sleep 4242 </dev/null >/dev/null 2>&1 &
	wait_for 10 pid_of_cmdline sleep 4242 || fail "the exec'd sleep never showed up"
	pid=$(pid_of_cmdline sleep 4242)
	[ "$(cat /proc/$pid/cgroup)" = "0::/wirt/ex" ] || fail "the exec'd sleep ($pid) is in '$(cat /proc/$pid/cgroup)'"
	grep -qx "$pid" "$cg/cgroup.procs" || fail "$cg/cgroup.procs lacks the exec'd sleep $pid"
	[ "$(awk '/^Uid:/ { print $2 }' /proc/$pid/status)" = "$(status_get ex id_base)" ] ||
		fail "the exec'd sleep runs as uid $(awk '/^Uid:/ { print $2 }' /proc/$pid/status) on the host"
	must wirt stop ex
	[ -d "/proc/$pid" ] && fail "the exec'd sleep survived stop"
	true
}

# A SIGKILLed supervisor leaves the guest running ("crashed"); stop cleans it all.
check_killed_supervisor() {
	local cg sup pid out
	up kil
	cg=$(cgdir kil)
	sup=$(status_get kil supervisor_pid)
	pid=$(status_get kil pid)
	kill -9 "$sup" || fail "kill supervisor $sup"
	wait_for 10 sh -c "! test -d /proc/$sup" || fail "supervisor $sup did not die"
	state_is kil crashed
	[ -d "/proc/$pid" ] || fail "the guest's PID 1 died with its supervisor"
	has_procs "$cg" || fail "the guest's cgroup is empty after its supervisor died"
	must wirt stop kil
	state_is kil stopped
	[ -e "$cg" ] && fail "stop after a crash left $cg: $(cat "$cg/cgroup.procs")"
	[ -d "/proc/$pid" ] && fail "stop after a crash left PID 1 ($pid) running"
	must wirt start kil
	state_is kil running
	must wirt delete --force kil
	out=$(leftovers)
	[ -z "$out" ] || fail "left on the host: $out"
}

# --pids 64: a fork bomb (forkbomb.c) stops at 64 tasks; the neighbour still runs a
# command while the bomb keeps pressing on the limit.
check_pids_fork_bomb() {
	local cur top=0 i out
	need_create --pids 64
	up bomb --pids 64
	up calm
	[ "$(cgval bomb pids.max)" = 64 ] || fail "pids.max is '$(cgval bomb pids.max)'"
	wirt exec bomb -- sh -c 'cat >/tmp/forkbomb && chmod 755 /tmp/forkbomb' </forkbomb ||
		fail "copy the fork bomb into the guest"
	wirt exec bomb -- /tmp/forkbomb </dev/null >/dev/null 2>&1 &
	wait_for 30 sh -c "[ \$(sed -n 's/^max //p' $(cgdir bomb)/pids.events) -gt 0 ]" ||
		fail "pids.events never counted a refused fork: $(cat "$(cgdir bomb)/pids.events")"
	for i in 1 2 3 4 5 6 7 8 9 10; do
		cur=$(cgval bomb pids.current)
		[ "$cur" -le 64 ] || fail "pids.current is $cur, over 64"
		[ "$cur" -gt $top ] && top=$cur
		sleep 0.2
	done
	log "pids.current up to $top, pids.events max $(cgval bomb pids.events max)"
	[ $top -ge 60 ] || fail "the bomb held only $top tasks (expected it to press on 64)"
	i=$(uptime_cs)
	out=$(timeout 60 wirt exec calm -- echo alive 2>&1)
	[ "$out" = alive ] || fail "the neighbour did not run a command during the bomb: '$out'"
	log "the neighbour's exec took $(($(uptime_cs) - i))0 ms during the bomb"
	[ "$(cgval bomb pids.current)" -ge 60 ] || fail "the bomb was gone before the neighbour's command ran"
	must wirt stop --force bomb
	[ -e "$(cgdir bomb)" ] && fail "stop --force left the bomb's cgroup"
	true
}

# --memory 64M: a hog is OOM-killed inside; the neighbour's processes are untouched.
check_memory_oom() {
	local before after rc init v
	need_create --memory 64M
	up hog --memory 64M
	up nb
	[ "$(cgval hog memory.max)" = 67108864 ] || fail "memory.max is '$(cgval hog memory.max)'"
	gexec nb sh -c 'sleep 600 </dev/null >/dev/null 2>&1 &'
	before=$(sort "$(cgdir nb)/cgroup.procs" | tr '\n' ' ')
	init=$(status_get hog pid)
	wirt exec hog -- dd if=/dev/zero of=/dev/null bs=100M count=1
	rc=$?
	[ $rc -eq 0 ] && fail "a 100M buffer fit into --memory 64M"
	log "hog exited $rc; hog memory.events: $(tr '\n' ' ' <"$(cgdir hog)/memory.events")"
	[ "$(cgval hog memory.events oom_kill)" -ge 1 ] || fail "memory.events oom_kill is $(cgval hog memory.events oom_kill)"
	[ "$(cgval nb memory.events oom_kill)" = 0 ] || fail "the neighbour saw an OOM kill"
	after=$(sort "$(cgdir nb)/cgroup.procs" | tr '\n' ' ')
	[ "$before" = "$after" ] || fail "the neighbour's processes changed: '$before' -> '$after'"
	[ -d "/proc/$init" ] || fail "the OOM killer took the hog vServer's PID 1 (not only the hog)"
	dmesg | grep -q "oom-kill:.*oom_memcg=/wirt/hog" || fail "no OOM report for /wirt/hog in the kernel log"
	v=$(status_get hog oom_kills)
	[ "$v" = "$(cgval hog memory.events oom_kill)" ] || fail "status oom_kills '$v', memory.events oom_kill $(cgval hog memory.events oom_kill)"
	if verb_has stats; then
		v=$(wirt stats hog --json | json | sed -n 's/^oom_kills=//p')
		[ "$v" = "$(cgval hog memory.events oom_kill)" ] || fail "stats oom_kills '$v', memory.events oom_kill $(cgval hog memory.events oom_kill)"
	fi
	true
}

cpu_usec() { cgval "$1" cpu.stat usage_usec; }

hog_in() { wirt exec "$1" -- sh -c 'while :; do :; done' </dev/null >/dev/null 2>&1 & }

# Weights 100 and 300 on one CPU split it 1:3 (within 10%).
check_cpu_weight() {
	local a1 b1 a2 b2 da db ratio
	need_create --cpu-weight 300
	need_create --cpuset 0
	up w1 --cpu-weight 100 --cpuset 0
	up w3 --cpu-weight 300 --cpuset 0
	[ "$(cgval w3 cpu.weight)" = 300 ] || fail "cpu.weight of w3 is '$(cgval w3 cpu.weight)'"
	[ "$(cgval w1 cpuset.cpus.effective)" = 0 ] || fail "cpuset.cpus.effective of w1 is '$(cgval w1 cpuset.cpus.effective)'"
	hog_in w1
	hog_in w3
	sleep 1
	a1=$(cpu_usec w1)
	b1=$(cpu_usec w3)
	sleep 5
	a2=$(cpu_usec w1)
	b2=$(cpu_usec w3)
	da=$((a2 - a1))
	db=$((b2 - b1))
	[ $da -gt 0 ] || fail "the weight-100 hog got no CPU ($da us)"
	ratio=$((db * 100 / da))
	log "weight 100: ${da} us, weight 300: ${db} us, ratio x100: $ratio"
	[ $ratio -ge 270 ] && [ $ratio -le 330 ] || fail "CPU split 1:$ratio/100, expected 1:3 within 10% ($da us vs $db us)"
	must wirt stop --force w1
	must wirt stop --force w3
}

# --cpus 0.5 holds a hog at half a CPU (within 10%).
check_cpu_max() {
	local u1 u2 t1 t2 pct
	need_create --cpus 0.5
	up half --cpus 0.5
	log "cpu.max: $(cgval half cpu.max)"
	hog_in half
	sleep 1
	u1=$(cpu_usec half)
	t1=$(uptime_cs)
	sleep 5
	u2=$(cpu_usec half)
	t2=$(uptime_cs)
	# percent of one CPU: usec / (centiseconds * 10000) * 100
	pct=$(((u2 - u1) / (t2 - t1) / 100))
	log "used $((u2 - u1)) us in $((t2 - t1))0 ms: $pct% of a CPU"
	[ $pct -ge 45 ] && [ $pct -le 55 ] || fail "--cpus 0.5 gave the hog $pct% of a CPU"
	must wirt stop --force half
}

# wirt set NAME memory=128M: memory.max changes at once, and is kept in the config.
check_set_memory() {
	local out
	need_verb set
	up live
	must wirt set live memory=128M
	[ "$(cgval live memory.max)" = 134217728 ] || fail "memory.max after set is '$(cgval live memory.max)'"
	out=$(wirt exec live -- cat /sys/fs/cgroup/memory.max 2>&1)
	[ "$out" = 134217728 ] || fail "the guest sees memory.max '$out'"
	must wirt restart live
	[ "$(cgval live memory.max)" = 134217728 ] || fail "memory.max after a restart is '$(cgval live memory.max)' (set not stored)"
}

# Every knob lands in its v2 file with the value docs/resources.md gives, live, and
# setting a knob to its default writes the kernel's default back. A refused value
# changes nothing.
check_knobs_v2() {
	local dev out
	need_create --io-max /dev/vda:rbps=1M
	dev=$(cat /sys/block/vda/dev)
	up knob --cpu-weight 250 --cpus 1.5 --cpuset 1 --memory 256M --memory-low 64M \
		--swap 32M --pids 77 --io-weight 500 --io-max /dev/vda:rbps=1M,wiops=1000
	expect_cg knob cpu.weight 250
	expect_cg knob cpu.max "150000 100000"
	expect_cg knob cpuset.cpus 1
	expect_cg knob cpuset.cpus.effective 1
	expect_cg knob memory.max 268435456
	expect_cg knob memory.low 67108864
	expect_cg knob memory.swap.max 33554432
	expect_cg knob pids.max 77
	[ "$(head -1 "$(cgdir knob)/io.weight")" = "default 500" ] || fail "io.weight is '$(cat "$(cgdir knob)/io.weight")'"
	expect_cg knob io.max "$dev rbps=1048576 wbps=max riops=max wiops=1000"
	# A value the host cannot give is refused, and nothing changes.
	if out=$(wirt set knob cpus=64 memory=128M 2>&1); then
		fail "set cpus=64 on a 2-CPU host succeeded: $out"
	fi
	log "set cpus=64: $out"
	expect_cg knob cpu.max "150000 100000"
	expect_cg knob memory.max 268435456
	must wirt set knob cpu-weight=100 cpus=max memory=max memory-low=0 swap=max \
		pids=max io-weight=100 io-max=
	expect_cg knob cpu.weight 100
	expect_cg knob cpu.max "max 100000"
	expect_cg knob memory.max max
	expect_cg knob memory.low 0
	expect_cg knob memory.swap.max max
	expect_cg knob pids.max max
	[ "$(head -1 "$(cgdir knob)/io.weight")" = "default 100" ] || fail "io.weight is '$(cat "$(cgdir knob)/io.weight")'"
	expect_cg knob io.max ""
	# The kernel refuses an empty cpuset.cpus in a cgroup with processes (ENOSPC):
	# removing the cpuset of a running vServer must give it every CPU some other way.
	if ! out=$(wirt set knob cpuset= pids=55 2>&1); then
		expect_cg knob pids.max max
		expect_cg knob cpuset.cpus 1
		fail "'wirt set knob cpuset=' on a running vServer: $out"
	fi
	expect_cg knob cpuset.cpus.effective "$(cat $CG/wirt/cpuset.cpus.effective)"
	expect_cg knob pids.max 55
}

# expect_cg NAME FILE VALUE
expect_cg() {
	local v
	v=$(cat "$(cgdir "$1")/$2")
	[ "$v" = "$3" ] || fail "$2 of '$1' is '$v', expected '$3'"
}

# The guest reboots itself: the supervisor starts it again in the same cgroup, with
# its limits, and stop still leaves nothing.
check_guest_reboot() {
	local old new cg
	need_create --pids 100
	up rb --pids 100
	cg=$(cgdir rb)
	old=$(status_get rb pid)
	gexec rb mkdir /sys/fs/cgroup/leftover
	wirt exec rb -- reboot -f >/dev/null 2>&1
	wait_for 30 sh -c "p=\$(wirt status rb --json | awk -f /json.awk | sed -n 's/^pid=//p'); [ -n \"\$p\" ] && [ \"\$p\" != null ] && [ \"\$p\" != $old ]" ||
		fail "no new PID 1 after the guest rebooted: $(wirt status rb 2>&1)"
	state_is rb running
	new=$(status_get rb pid)
	[ -d "/proc/$old" ] && fail "the old PID 1 ($old) still runs"
	[ "$(cat /proc/$new/cgroup)" = "0::/wirt/rb" ] || fail "the new PID 1 is in '$(cat /proc/$new/cgroup)'"
	expect_cg rb pids.max 100
	wait_for 30 sh -c "wirt exec rb -- true" || fail "no exec into the rebooted guest"
	must wirt stop rb
	[ -e "$cg" ] && fail "stop after a reboot left $(find "$cg" -type d)"
	true
}

# stat_of FILE KEY: one field of a flattened `wirt stats --json`
stat_of() { sed -n "s/^$2=//p" "$1"; }

# wirt stats NAME --json agrees with the cgroup files (docs/wirt.md names the fields).
# A hog held at half a CPU gives cpu_percent something to measure.
check_stats_json() {
	local f=/tmp/stats.flat c0 c1 v cur peak
	need_verb stats
	need_create --cpus 0.5
	up st --memory 128M --pids 100 --cpus 0.5
	hog_in st
	sleep 1
	c0=$(cpu_usec st)
	wirt stats st --json >/tmp/stats.json 2>&1 || fail "stats --json: $(cat /tmp/stats.json)"
	c1=$(cpu_usec st)
	cur=$(cgval st memory.current)
	peak=$(cgval st memory.peak)
	cat /tmp/stats.json
	json </tmp/stats.json >$f
	[ "$(stat_of $f name)" = st ] || fail "stats name '$(stat_of $f name)'"
	[ "$(stat_of $f state)" = running ] || fail "stats state '$(stat_of $f state)'"
	[ "$(stat_of $f pid)" = "$(status_get st pid)" ] || fail "stats pid '$(stat_of $f pid)', status pid $(status_get st pid)"
	v=$(stat_of $f memory_limit)
	[ "$v" = "$(cgval st memory.max)" ] || fail "memory_limit $v, memory.max $(cgval st memory.max)"
	v=$(stat_of $f pids_limit)
	[ "$v" = "$(cgval st pids.max)" ] || fail "pids_limit $v, pids.max $(cgval st pids.max)"
	v=$(stat_of $f pids_current)
	[ "$v" -ge 1 ] && [ "$v" -le $(($(cgval st pids.current) + 3)) ] ||
		fail "pids_current $v, pids.current $(cgval st pids.current)"
	v=$(stat_of $f cpu_usec)
	[ "$v" -ge "$c0" ] && [ "$v" -le "$c1" ] || fail "cpu_usec $v, cpu.stat usage_usec $c0 before and $c1 after"
	v=$(stat_of $f cpu_percent)
	v=${v%.*}
	[ "$v" -ge 35 ] && [ "$v" -le 65 ] || fail "cpu_percent $(stat_of $f cpu_percent) for a hog held at --cpus 0.5"
	v=$(stat_of $f memory_current)
	[ "$v" -gt $((cur * 3 / 4)) ] && [ "$v" -lt $((cur * 5 / 4)) ] || fail "memory_current $v, memory.current $cur"
	v=$(stat_of $f memory_peak)
	[ "$v" -ge "$(stat_of $f memory_current)" ] && [ "$v" -le "$peak" ] || fail "memory_peak $v, memory.peak $peak"
	v=$(stat_of $f swap_limit)
	[ "$v" = null ] || fail "swap_limit $v with memory.swap.max $(cgval st memory.swap.max)"
	v=$(stat_of $f oom_kills)
	[ "$v" = "$(cgval st memory.events oom_kill)" ] || fail "oom_kills $v, memory.events oom_kill $(cgval st memory.events oom_kill)"
	for v in io_read_bytes io_write_bytes io_read_ops io_write_ops net_rx_bytes net_tx_bytes; do
		case "$(stat_of $f $v)" in
		[0-9]*) ;;
		*) fail "$v is '$(stat_of $f $v)'" ;;
		esac
	done
	# Without NAME: an array of every running vServer.
	wirt stats --json | json | grep -qx "0.name=st" || fail "'stats --json' lacks st: $(wirt stats --json 2>&1)"
}

# ---- wirt-oci ---------------------------------------------------------------------

oci() { wirt-oci --root "$OCI_ROOT" "$@"; }

oci_bundle_dir() { echo "$OCI_DIR/$1"; }

# json_strings WORD...: the words as a JSON array of strings (no newlines or tabs in
# them: JSON wants those escaped, and this does only backslashes and quotes).
json_strings() {
	local a out=""
	for a in "$@"; do
		a=$(printf '%s' "$a" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')
		out="$out${out:+, }\"$a\""
	done
	echo "[$out]"
}

# json_array_set FILE KEY VALUE: the first array "KEY": [ ... ] of FILE (as wirt-oci
# spec writes it: one element a line) becomes VALUE. ENVIRON, not awk -v, which would
# eat VALUE's backslashes.
json_array_set() {
	KEY=$2 VALUE=$3 awk '
		function repl(line) {
			return ind "\"" ENVIRON["KEY"] "\": " ENVIRON["VALUE"] (line ~ /,[ \t]*$/ ? "," : "")
		}
		!done && index($0, "\"" ENVIRON["KEY"] "\": [") {
			match($0, /^[ \t]*/)
			ind = substr($0, 1, RLENGTH)
			done = 1
			if ($0 ~ /\]/) print repl($0)
			else skip = 1
			next
		}
		skip && /^[ \t]*\]/ { print repl($0); skip = 0; next }
		skip { next }
		{ print }' "$1" >"$1.tmp" && mv "$1.tmp" "$1"
}

# oci_bundle NAME CMD...: a bundle in $OCI_DIR/NAME: a busybox rootfs and the
# config.json `wirt-oci spec` writes, with process.args CMD, no terminal, a writable
# root (for mknod in /tmp) and CAP_MKNOD, so that a refused device node is the device
# rules' doing, not the capability's. Everything else is the default spec: device
# rules "deny all" (wirt-oci adds runc's standard allowances), cgroup at /sys/fs/cgroup.
oci_bundle() {
	local b a
	b=$(oci_bundle_dir "$1")
	shift
	rm -rf "$b"
	mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/sys" "$b/rootfs/dev" "$b/rootfs/tmp" ||
		fail "mkdir $b"
	cp /bin/busybox "$b/rootfs/bin/busybox" || fail "copy busybox to $b"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -s busybox "$b/rootfs/bin/$a"
	done
	(cd "$b" && wirt-oci spec) || fail "'wirt-oci spec' in $b failed"
	json_array_set "$b/config.json" args "$(json_strings "$@")"
	sed -i -e 's/"terminal": true/"terminal": false/' -e 's/"readonly": true/"readonly": false/' \
		-e 's/"CAP_KILL",/"CAP_KILL", "CAP_MKNOD",/' "$b/config.json"
	grep -q '"CAP_MKNOD"' "$b/config.json" && grep -q '"terminal": false' "$b/config.json" ||
		fail "editing $b/config.json did not take: $(cat "$b/config.json")"
}

# oci_resources NAME JSON: adds members to linux.resources of bundle NAME.
oci_resources() {
	sed -i "s/\"resources\": {/\"resources\": { $2,/" "$(oci_bundle_dir "$1")/config.json"
}

oci_status() { oci state "$1" 2>/dev/null | json | sed -n 's/^status=//p'; }
oci_stopped() { [ "$(oci_status "$1")" = stopped ]; }

# oci_cgdir ID: the container's cgroup on the host (no cgroupsPath: wirt-oci/ID)
oci_cgdir() { echo "$CG/wirt-oci/$1"; }

# Whatever a container may leave behind: state, cgroup, mounts of a bundle.
oci_leftovers() {
	ls -d "$OCI_ROOT"/* 2>/dev/null
	ls -d "$CG"/wirt-oci/* 2>/dev/null
	grep " $OCI_DIR/" /proc/self/mountinfo
}

# `wirt-oci run` of a busybox bundle: the output, and the exit status passed through.
check_oci_run() {
	local b out rc
	oci_bundle run0 sh -c 'echo "hello from $(hostname), pid $$"'
	b=$(oci_bundle_dir run0)
	echo "+ wirt-oci --root $OCI_ROOT run -b $b c1"
	out=$(oci run -b "$b" c1 2>&1)
	rc=$?
	echo "$out"
	[ $rc -eq 0 ] || fail "'wirt-oci run -b $b c1' exited $rc: $out"
	[ "$out" = "hello from wirt-oci, pid 1" ] || fail "c1 printed '$out', expected 'hello from wirt-oci, pid 1'"
	oci_bundle run7 sh -c 'echo to stderr >&2; exit 7'
	b=$(oci_bundle_dir run7)
	out=$(oci run -b "$b" c7 2>&1)
	rc=$?
	[ $rc -eq 7 ] || fail "'wirt-oci run' of 'exit 7' exited $rc: $out"
	[ "$out" = "to stderr" ] || fail "c7 printed '$out', expected 'to stderr'"
	[ -e "$OCI_ROOT/c1" ] && fail "state $OCI_ROOT/c1 left after run"
	return 0
}

# linux.resources memory and pids: in the container's cgroup on the host, and what the
# container sees at /sys/fs/cgroup (the default spec's cgroup mount).
check_oci_limits() {
	local b cg out
	oci_bundle lim sh -c 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max'
	oci_resources lim '"memory": { "limit": 67108864 }, "pids": { "limit": 32 }'
	b=$(oci_bundle_dir lim)
	cg=$(oci_cgdir lim)
	echo "+ wirt-oci --root $OCI_ROOT create -b $b lim"
	oci create -b "$b" lim >"$OCI_DIR/lim.out" 2>&1 || fail "'wirt-oci create -b $b lim' failed: $(cat "$OCI_DIR/lim.out")"
	[ -d "$cg" ] || fail "no cgroup $cg after create; $CG/wirt-oci has: $(ls "$CG/wirt-oci" 2>&1)"
	out=$(cat "$cg/memory.max")
	[ "$out" = 67108864 ] || fail "$cg/memory.max is '$out', expected 67108864"
	out=$(cat "$cg/pids.max")
	[ "$out" = 32 ] || fail "$cg/pids.max is '$out', expected 32"
	must oci start lim
	wait_for 30 oci_stopped lim || fail "lim did not stop: status '$(oci_status lim)'"
	out=$(tr '\n' ' ' <"$OCI_DIR/lim.out")
	echo "inside: $out"
	[ "$out" = "67108864 32 " ] || fail "inside, memory.max and pids.max read '$out', expected '67108864 32'"
	must oci delete lim
}

# The device rules on v2 (an eBPF program on the container's cgroup): the default
# spec's "deny all" plus runc's allowances let /dev/null work and refuse a disk's node
# (creating it is allowed: "b *:* m"); with "allow all" the same disk reads.
check_oci_devices() {
	local b out vda maj min script
	vda=$(cat /sys/block/vda/dev) || fail "no /sys/block/vda/dev"
	maj=${vda%:*}
	min=${vda#*:}
	# One line: config.json's strings get no newlines from json_strings
	script="cat /dev/null && echo null-read-ok; echo x >/dev/null && echo null-write-ok;"
	script="$script for d in 'sda 8 0' 'vda $maj $min'; do set -- \$d;"
	script="$script mknod /tmp/\$1 b \$2 \$3 && echo mknod-\$1-ok;"
	script="$script if head -c1 /tmp/\$1 >/tmp/\$1.out 2>/tmp/\$1.err;"
	script="$script then echo read-\$1-ok \$(wc -c </tmp/\$1.out);"
	script="$script else echo read-\$1-failed: \$(cat /tmp/\$1.err); fi; done"
	oci_bundle devdeny sh -c "$script"
	b=$(oci_bundle_dir devdeny)
	echo "+ wirt-oci --root $OCI_ROOT run -b $b devdeny"
	out=$(oci run -b "$b" devdeny 2>&1) || fail "'wirt-oci run -b $b devdeny' exited $?: $out"
	echo "$out"
	echo "$out" | grep -qx null-read-ok || fail "cat /dev/null failed inside: $out"
	echo "$out" | grep -qx null-write-ok || fail "echo >/dev/null failed inside: $out"
	echo "$out" | grep -qx mknod-sda-ok || fail "mknod /tmp/sda b 8 0 failed inside: $out"
	echo "$out" | grep -q "^read-sda-failed: .*Operation not permitted" ||
		fail "reading b 8:0 was not refused with EPERM: $out"
	echo "$out" | grep -q "^read-vda-failed: .*Operation not permitted" ||
		fail "reading vda (b $vda) was not refused with EPERM: $out"
	# The positive control: the same, with every device allowed
	oci_bundle devallow sh -c "$script"
	b=$(oci_bundle_dir devallow)
	json_array_set "$b/config.json" devices '[{ "allow": true, "access": "rwm" }]'
	grep -q '"allow": true, "access": "rwm"' "$b/config.json" || fail "devices not set: $(cat "$b/config.json")"
	echo "+ wirt-oci --root $OCI_ROOT run -b $b devallow"
	out=$(oci run -b "$b" devallow 2>&1) || fail "'wirt-oci run -b $b devallow' exited $?: $out"
	echo "$out"
	echo "$out" | grep -qx "read-vda-ok 1" || fail "with every device allowed, vda (b $vda) did not read: $out"
	echo "$out" | grep -q "^read-sda-.*Operation not permitted" &&
		fail "with every device allowed, b 8:0 was refused with EPERM: $out"
	return 0
}

# After delete (and after run, which deletes), nothing of the container is left: no
# state dir, no cgroup, no mount of its bundle.
check_oci_leaves_nothing() {
	local b out
	oci_bundle gone true
	b=$(oci_bundle_dir gone)
	must oci run -b "$b" gone1
	[ -e "$OCI_ROOT/gone1" ] && fail "state dir $OCI_ROOT/gone1 left after run"
	[ -e "$(oci_cgdir gone1)" ] && fail "cgroup $(oci_cgdir gone1) left after run"
	oci create -b "$b" gone2 >"$OCI_DIR/gone2.out" 2>&1 ||
		fail "'wirt-oci create -b $b gone2' failed: $(cat "$OCI_DIR/gone2.out")"
	[ -d "$OCI_ROOT/gone2" ] || fail "no state dir $OCI_ROOT/gone2 after create"
	[ -d "$(oci_cgdir gone2)" ] || fail "no cgroup $(oci_cgdir gone2) after create"
	must oci start gone2
	wait_for 30 oci_stopped gone2 || fail "gone2 did not stop: status '$(oci_status gone2)'"
	must oci delete gone2
	[ -e "$OCI_ROOT/gone2" ] && fail "state dir $OCI_ROOT/gone2 left after delete"
	[ -e "$(oci_cgdir gone2)" ] && fail "cgroup $(oci_cgdir gone2) left after delete"
	out=$(oci_leftovers)
	[ -z "$out" ] || fail "left on the host: $out"
}

# Last: nothing of any vServer is left on the host.
check_no_leftovers() {
	local out
	out=$(leftovers)
	[ -z "$out" ] || fail "left on the host: $out"
}

CHECKS="host-cgroup2 template-busybox lifecycle controllers guest-cgroup-view delegation
	delegation-controllers exec-joins-cgroup killed-supervisor pids-fork-bomb memory-oom
	cpu-weight cpu-max set-memory knobs-v2 guest-reboot stats-json oci-run oci-limits
	oci-devices oci-leaves-nothing no-leftovers"

# ---- runner -----------------------------------------------------------------------

# WIRT_VM_LIB=1 . /checks.sh: only the helpers and checks (for a WIRT_VM_SCRIPT).
[ "${WIRT_VM_LIB:-}" = 1 ] && return 0

if [ "${1:-}" = --one ]; then
	fn=check_$(echo "$2" | tr - _)
	$fn
	exit 0
fi

cleanup() {
	local d
	for d in "$ROOT"/vservers/*; do
		[ -d "$d" ] && wirt delete --force "${d##*/}" >/dev/null 2>&1
	done
	for d in "$OCI_ROOT"/*; do
		[ -d "$d" ] && oci delete --force "${d##*/}" >/dev/null 2>&1
	done
	rm -rf "$OCI_DIR"
}

# A check is named as in $CHECKS or as its function: oci-run or check_oci_run.
only=$(echo "${WIRT_VM_ONLY:-}" | sed 's/check_//g' | tr _ -)
for name in $CHECKS; do
	case ",$only," in
	",,") ;;
	*",$name,"*) ;;
	*) continue ;;
	esac
	rm -f "$WHY"
	t0=$(date +%s)
	timeout "$CHECK_TIMEOUT" sh "$SELF" --one "$name" >/tmp/check.log 2>&1
	rc=$?
	cleanup
	t=$(($(date +%s) - t0))
	case $rc in
	0) echo "ok - $name (${t}s)" ;;
	77) echo "ok - $name # SKIP $(cat "$WHY")" ;;
	*)
		if [ -s "$WHY" ]; then
			why=$(tr '\n' ' ' <"$WHY" | sed 's/ *$//')
		elif [ $rc -ge 124 ]; then
			why="timed out after ${CHECK_TIMEOUT}s (exit $rc)"
		else
			why="exited $rc"
		fi
		echo "not ok - $name: $why (${t}s)"
		tail -40 /tmp/check.log | sed 's/^/#   /'
		;;
	esac
done
