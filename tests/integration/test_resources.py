# SPDX-License-Identifier: LGPL-2.1-or-later
"""
Resource control on real vServers, on a cgroup v1 host (tests/vm runs the same checks
on cgroup v2): a fork bomb stops at --pids, a memory hog is killed inside its own
vServer only, CPU hogs split one CPU by --cpu-weight and --cpus caps one, `wirt set`
changes a running vServer's limits at once, `wirt stats` agrees with the kernel, and
lxcfs shows a guest its own limits in /proc (docs/lxcfs.md).

Knobs are checked against the kernel's own files of the vServer's cgroup
(/sys/fs/cgroup/<controller>/<wirt.tag>/<name>). A test whose option or verb the binary
does not know yet is skipped, saying which; any other failure of it is a failure.
"""
import json
import os
import subprocess
import time

import pytest

from conftest import CGROUP_ROOT, REPO, read_text, show, wait_until

pytestmark = pytest.mark.skipif(
    not os.path.isdir(f"{CGROUP_ROOT}/pids"),
    reason="cgroup v1 checks (this host runs cgroup v2: see tests/vm)")

MiB = 1024 * 1024

# ---- what the binary knows -------------------------------------------------------------


def require_options(wirt, *args):
    """Skips the test when `wirt create` does not know one of these options yet (a
    trial create that fails with 'unknown option'); a trial that fails otherwise fails
    the test, since the option is known and refused a valid value."""
    cp = wirt.run("create", "probe", *args)
    if cp.returncode != 0:
        if "unknown option" in cp.stderr:
            pytest.skip(f"wirt create does not know {' '.join(map(str, args))} yet: "
                        f"{cp.stderr.strip()}")
        pytest.fail(f"trial create with {args} failed" + show(cp))
    wirt("delete", "probe")


def require_verb(wirt, verb, *args):
    """Skips the test when the binary has no verb 'verb' yet ('unknown verb'). The
    trial really runs: give it arguments that change nothing."""
    cp = wirt.run(verb, *args)
    if "unknown verb" in cp.stderr:
        pytest.skip(f"wirt has no '{verb}' verb yet: {cp.stderr.strip()}")
    return cp


def lxcfs_serving():
    cp = subprocess.run(["sh", str(REPO / "scripts" / "lxcfs.sh"), "--status"],
                        capture_output=True, timeout=10)
    return cp.returncode == 0


def require_lxcfs():
    if not lxcfs_serving():
        pytest.skip("lxcfs is not running (scripts/lxcfs.sh starts it)")


# ---- the kernel's view of a vServer's cgroup ---------------------------------------------


def cg_dir(wirt, controller, name):
    return f"{CGROUP_ROOT}/{controller}/{wirt.tag}/{name}"


def cg_read(wirt, controller, name, file):
    path = os.path.join(cg_dir(wirt, controller, name), file)
    text = read_text(path)
    assert text is not None, f"cannot read {path}"
    return text.strip()


def cg_int(wirt, controller, name, file):
    return int(cg_read(wirt, controller, name, file))


def cg_write(wirt, controller, name, file, value):
    with open(os.path.join(cg_dir(wirt, controller, name), file), "w") as f:
        f.write(str(value))


def cg_key(wirt, controller, name, file, key):
    """Value of line 'key N' of a flat keyed file (memory.oom_control, pids.events)."""
    for line in cg_read(wirt, controller, name, file).splitlines():
        k, _, v = line.partition(" ")
        if k == key:
            return int(v)
    pytest.fail(f"no '{key}' in {cg_dir(wirt, controller, name)}/{file}")


def cpu_ns(wirt, name):
    return cg_int(wirt, "cpuacct", name, "cpuacct.usage")


def measure_cpu(wirt, names, seconds):
    """CPU seconds each vServer used over 'seconds' of wall time, and the wall time."""
    t0 = time.monotonic()
    before = {n: cpu_ns(wirt, n) for n in names}
    time.sleep(seconds)
    after = {n: cpu_ns(wirt, n) for n in names}
    wall = time.monotonic() - t0
    return {n: (after[n] - before[n]) / 1e9 for n in names}, wall


def start_in_background(wirt, name, command):
    """Runs 'command' inside, detached from the exec (it is reparented to the guest's
    init); delete --force in teardown kills it with the vServer."""
    wirt.sh(name, f"{command} </dev/null >/dev/null 2>&1 &")


def comm(pid):
    return (read_text(f"/proc/{pid}/comm") or "").strip()


def timed(fn):
    t0 = time.monotonic()
    result = fn()
    return result, time.monotonic() - t0


# ---- wirt stats --json --------------------------------------------------------------------


def stats_json(wirt, name=None):
    cp = wirt("stats", *([name] if name else []), "--json")
    try:
        return json.loads(cp.stdout)
    except ValueError:
        pytest.fail("stats --json is not JSON" + show(cp))


def stats_entry(doc, name):
    """The object for vServer 'name' in `stats [NAME] --json`: the document itself
    (with NAME) or one element of the list (without)."""
    if isinstance(doc, dict) and doc.get("name") == name:
        return doc
    for item in doc if isinstance(doc, list) else []:
        if isinstance(item, dict) and item.get("name") == name:
            return item
    pytest.fail(f"no vServer {name!r} in stats --json: {doc!r}")


def stat_field(entry, key):
    assert key in entry, f"stats --json has no {key!r}: {entry!r}"
    return entry[key]


# ---- pids ---------------------------------------------------------------------------------

# Spawns sleeps until fork fails (busybox sh then exits: "can't fork"), counting them in
# a file with a builtin; bounded, so a broken limit ends the loop too.
SPAWN_UNTIL_FORK_FAILS = (
    "n=0; while [ $n -lt {bound} ]; do sleep 600 </dev/null >/dev/null 2>&1 & "
    "n=$((n+1)); echo $n > /tmp/spawned; done")


def test_fork_bomb_stops_at_pids_limit(wirt):
    require_options(wirt, "--pids", "64")
    wirt.create_started("bomb", "--pids", "64")
    wirt.create_started("neighbour")
    assert cg_read(wirt, "pids", "bomb", "pids.max") == "64"

    # Three waves: each one spawns until fork fails; the tasks left stay at the limit.
    peak = 0
    waves = []
    for _ in range(3):
        waves.append(wirt.sh("bomb", SPAWN_UNTIL_FORK_FAILS.format(bound=500), check=False,
                             timeout=60))
        peak = max(peak, cg_int(wirt, "pids", "bomb", "pids.current"))
    assert waves[0].returncode != 0 and "fork" in waves[0].stderr, \
        "spawning 500 sleeps never failed to fork" + show(waves[0])
    current = cg_int(wirt, "pids", "bomb", "pids.current")
    sleeps = [p for p in wirt.cgroup_pids("bomb") if comm(p) == "sleep"]
    assert peak <= 64 and current <= 64, f"pids.current peaked at {peak}, now {current}"
    assert len(sleeps) >= 64 - 8, \
        f"only {len(sleeps)} sleeps in the cgroup: the limit bit early (pids.current {current})"
    assert cg_key(wirt, "pids", "bomb", "pids.events", "max") >= 1

    # The bomb holds its 64 tasks; the host and the neighbour do not notice.
    cp, took = timed(lambda: subprocess.run(["sh", "-c", "echo ok"], capture_output=True,
                                            text=True, timeout=10))
    assert cp.stdout == "ok\n" and took < 5, f"host command took {took:.1f}s" + show(cp)
    cp, took = timed(lambda: wirt.exec("neighbour", "echo", "ok", timeout=10))
    assert cp.stdout == "ok\n" and took < 5, f"neighbour command took {took:.1f}s" + show(cp)
    # ... and may have more than 64 tasks of its own.
    cp = wirt.sh("neighbour", SPAWN_UNTIL_FORK_FAILS.format(bound=80) + "; cat /tmp/spawned",
                 timeout=30)
    assert cp.stdout.strip() == "80", "the neighbour could not spawn 80 sleeps" + show(cp)
    assert cg_int(wirt, "pids", "bomb", "pids.current") <= 64


# ---- memory -------------------------------------------------------------------------------


def host_has_swap():
    lines = (read_text("/proc/swaps") or "").splitlines()
    return len(lines) > 1


def test_memory_hog_killed_inside_only(wirt):
    hog_args = ["--memory", "64M"]
    if host_has_swap():
        hog_args += ["--swap", "0"]  # else the hog swaps instead of meeting the limit
    require_options(wirt, *hog_args)
    require_verb(wirt, "stats", "--json")
    wirt.create_started("hog", *hog_args)
    wirt.create_started("neighbour")
    assert cg_int(wirt, "memory", "hog", "memory.limit_in_bytes") == 64 * MiB
    start_in_background(wirt, "neighbour", "sleep 600")
    wait_until(lambda: any(comm(p) == "sleep" for p in wirt.cgroup_pids("neighbour")), 5,
               "the neighbour's sleep")
    neighbour_before = wirt.cgroup_pids("neighbour")
    hog_init = wirt.status("hog").get("pid")

    # busybox dd allocates its block (100 MiB) and fills it from /dev/zero.
    cp = wirt.sh("hog", "dd if=/dev/zero of=/dev/null bs=100M count=1; echo rc=$?",
                 check=False, timeout=60)
    assert "rc=137" in cp.stdout, "dd was not SIGKILLed" + show(cp)

    assert cg_key(wirt, "memory", "hog", "memory.oom_control", "oom_kill") >= 1
    assert cg_key(wirt, "memory", "neighbour", "memory.oom_control", "oom_kill") == 0
    assert wirt.cgroup_pids("neighbour") == neighbour_before, "the neighbour lost processes"
    st = wirt.status("hog")
    assert st["state"] == "running" and st.get("pid") == hog_init, f"hog after OOM: {st}"
    assert wirt.exec("hog", "echo", "alive").stdout == "alive\n"

    entry = stats_entry(stats_json(wirt, "hog"), "hog")
    kills = stat_field(entry, "oom_kills")
    assert kills == cg_key(wirt, "memory", "hog", "memory.oom_control", "oom_kill"), entry
    entry = stats_entry(stats_json(wirt, "neighbour"), "neighbour")
    assert stat_field(entry, "oom_kills") == 0, entry


# ---- cpu ----------------------------------------------------------------------------------


def test_cpu_weight_splits_one_cpu(wirt):
    require_options(wirt, "--cpuset", "0", "--cpu-weight", "300")
    wirt.create_started("light", "--cpuset", "0", "--cpu-weight", "100", wait_console=False)
    wirt.create_started("heavy", "--cpuset", "0", "--cpu-weight", "300", wait_console=False)
    for n in ("light", "heavy"):
        assert cg_read(wirt, "cpuset", n, "cpuset.cpus") == "0"
        start_in_background(wirt, n, "yes")
    time.sleep(0.5)
    # Both groups compete under the same parent, so their split does not depend on what
    # else runs on CPU 0; a second try only absorbs a burst of other load.
    tries = []
    for _ in range(2):
        used, wall = measure_cpu(wirt, ("light", "heavy"), 5)
        ratio = used["heavy"] / max(used["light"], 1e-9)
        tries.append(f"light {used['light']:.2f}s heavy {used['heavy']:.2f}s "
                     f"in {wall:.1f}s: 1:{ratio:.2f}")
        if abs(ratio - 3) <= 0.3:
            return
    pytest.fail("CPU split not within 10% of 1:3: " + "; ".join(tries))


def test_cpus_caps_a_hog(wirt):
    require_options(wirt, "--cpus", "0.5")
    wirt.create_started("capped", "--cpus", "0.5", wait_console=False)
    quota = cg_int(wirt, "cpu", "capped", "cpu.cfs_quota_us")
    period = cg_int(wirt, "cpu", "capped", "cpu.cfs_period_us")
    assert quota * 2 == period, f"cfs quota {quota} for a period of {period}"
    for _ in range(2):  # two hogs: the cap, not the number of hogs, holds them
        start_in_background(wirt, "capped", "yes")
    time.sleep(0.5)
    # Over the cap is a failure at once; under it may be other load on this shared
    # host taking the CPU, so that is tried again.
    tries = []
    for _ in range(3):
        used, wall = measure_cpu(wirt, ("capped",), 5)
        share = used["capped"] / wall
        tries.append(f"{share:.3f} CPUs")
        assert share <= 0.55, f"--cpus 0.5 let the hogs use {share:.3f} CPUs"
        if share >= 0.45:
            return
    pytest.fail("--cpus 0.5 hogs got less than 0.45 CPUs: " + ", ".join(tries))


# ---- wirt set -----------------------------------------------------------------------------


def guest_memory_limit(wirt, name):
    cp = wirt.exec(name, "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes")
    return int(cp.stdout)


def guest_memtotal_kb(wirt, name):
    cp = wirt.sh(name, "grep ^MemTotal: /proc/meminfo")
    return int(cp.stdout.split()[1])


def test_set_memory_is_live(wirt):
    require_options(wirt, "--memory", "128M")
    wirt.create_started("web", "--memory", "128M", wait_console=False)
    assert guest_memory_limit(wirt, "web") == 128 * MiB
    require_verb(wirt, "set")
    wirt("set", "web", "memory=96M")
    assert cg_int(wirt, "memory", "web", "memory.limit_in_bytes") == 96 * MiB
    assert guest_memory_limit(wirt, "web") == 96 * MiB
    if lxcfs_serving():
        assert guest_memtotal_kb(wirt, "web") == 96 * 1024
    # stored too: a restart keeps it
    wirt("stop", "web")
    wirt("start", "web")
    assert guest_memory_limit(wirt, "web") == 96 * MiB


def test_set_bad_value_changes_nothing(wirt):
    require_options(wirt, "--memory", "128M")
    wirt.create_started("web", "--memory", "128M", wait_console=False)
    require_verb(wirt, "set")
    config = read_text(os.path.join(wirt.root, "vservers", "web", "config"))
    for bad in ("memory=-1", "memory=lots", "pids=0", "no-such-key=1"):
        cp = wirt("set", "web", "memory=96M", bad, check=False)
        assert cp.returncode != 0, f"set accepted {bad}" + show(cp)
        assert cg_int(wirt, "memory", "web", "memory.limit_in_bytes") == 128 * MiB, \
            f"set {bad} changed the running limit"
        assert read_text(os.path.join(wirt.root, "vservers", "web", "config")) == config, \
            f"set {bad} changed the config"


# ---- wirt stats ---------------------------------------------------------------------------


def test_stats_agree_with_kernel(wirt):
    require_options(wirt, "--memory", "128M", "--pids", "100")
    require_verb(wirt, "stats", "--json")
    wirt.create_started("web", "--memory", "128M", "--pids", "100")
    start_in_background(wirt, "web", "sleep 600")
    start_in_background(wirt, "web", "sleep 600")
    wait_until(lambda: sum(comm(p) == "sleep" for p in wirt.cgroup_pids("web")) == 2, 5,
               "two sleeps in the guest")
    # Nothing starts or ends in the guest now, so the number of tasks stands still.
    for _ in range(3):
        pids_before = cg_int(wirt, "pids", "web", "pids.current")
        cpu_before = cpu_ns(wirt, "web")
        entry = stats_entry(stats_json(wirt, "web"), "web")
        usage = cg_int(wirt, "memory", "web", "memory.usage_in_bytes")
        cpu_after = cpu_ns(wirt, "web")
        if cg_int(wirt, "pids", "web", "pids.current") == pids_before:
            break
    assert stat_field(entry, "pids_current") == pids_before, entry
    assert stat_field(entry, "pids_limit") == 100, entry
    assert stat_field(entry, "memory_limit") == 128 * MiB, entry
    mem = stat_field(entry, "memory_current")
    assert abs(mem - usage) <= max(2 * MiB, usage // 10), \
        f"stats memory {mem}, kernel {usage}: {entry}"
    cpu_usec = stat_field(entry, "cpu_usec")
    assert cpu_before // 1000 - 1 <= cpu_usec <= cpu_after // 1000 + 1, \
        f"stats cpu {cpu_usec} us, kernel {cpu_before // 1000}..{cpu_after // 1000}: {entry}"
    peak = stat_field(entry, "memory_peak")
    assert peak >= mem - 2 * MiB, entry
    # Without NAME: every running vServer.
    stats_entry(stats_json(wirt), "web")


# ---- lxcfs: the guest's own /proc ---------------------------------------------------------


def host_memtotal_kb():
    for line in (read_text("/proc/meminfo") or "").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1])
    pytest.fail("no MemTotal in the host's /proc/meminfo")


def lxcfs_mounts(wirt, name):
    cp = wirt.exec(name, "cat", "/proc/self/mountinfo")
    return sorted(l.split()[4] for l in cp.stdout.splitlines() if " fuse.lxcfs " in l)


def test_lxcfs_shows_the_memory_limit(wirt):
    require_lxcfs()
    wirt.create_started("web", wait_console=False)
    assert "/proc/meminfo" in lxcfs_mounts(wirt, "web")
    assert wirt.status("web")["proc_view"] == "lxcfs"
    # Written straight to the cgroup: this checks lxcfs's view, not the knobs.
    cg_write(wirt, "memory", "web", "memory.limit_in_bytes", 200 * MiB)
    assert guest_memtotal_kb(wirt, "web") == 200 * 1024
    # Whichever free runs (the template's script, or busybox's applet inside a shell,
    # whose total comes from sysinfo(2)), its "available" column is /proc/meminfo's.
    cp = wirt.sh("web", "free")
    available = int(cp.stdout.splitlines()[1].split()[-1])
    assert available <= 200 * 1024, show(cp)
    cp = wirt.sh("web", "echo x > /proc/meminfo", check=False)
    assert cp.returncode != 0, "/proc/meminfo is writable" + show(cp)


def test_lxcfs_shows_cpuset_and_uptime(wirt):
    require_lxcfs()
    if os.cpu_count() < 2:
        pytest.skip("needs two CPUs to give a vServer one")
    t0 = time.monotonic()
    wirt.create_started("web", wait_console=False)
    cp = wirt.exec("web", "cat", "/proc/uptime")
    assert float(cp.stdout.split()[0]) <= time.monotonic() - t0 + 1, \
        "guest uptime is longer than the guest has run" + show(cp)
    cg_write(wirt, "cpuset", "web", "cpuset.cpus", "1")
    cp = wirt.sh("web", "nproc; grep -c ^processor /proc/cpuinfo; "
                 "cat /sys/devices/system/cpu/online; grep -c '^cpu[0-9]' /proc/stat")
    assert cp.stdout.split() == ["1", "1", "0", "1"], show(cp)


def test_lxcfs_view_of_every_file(wirt):
    require_lxcfs()
    wirt.create_started("web", wait_console=False)
    want = ["/proc/cpuinfo", "/proc/diskstats", "/proc/loadavg", "/proc/meminfo",
            "/proc/stat", "/proc/swaps", "/proc/uptime", "/sys/devices/system/cpu/online"]
    assert lxcfs_mounts(wirt, "web") == want
    cp = wirt.sh("web", "for f in " + " ".join(want) + "; do cat $f >/dev/null || exit 1; done")
    assert cp.returncode == 0, show(cp)


def test_starts_without_lxcfs(wirt):
    wirt.env["WIRT_LXCFS_DIR"] = "/nonexistent"
    wirt.create_started("web", wait_console=False)
    assert lxcfs_mounts(wirt, "web") == []
    assert guest_memtotal_kb(wirt, "web") == host_memtotal_kb()
    assert wirt.status("web")["proc_view"] == "host"
    # a directory that is no FUSE mount (lxcfs never started) is not taken for one
    wirt.env["WIRT_LXCFS_DIR"] = wirt.root
    wirt.create_started("web2", wait_console=False)
    assert lxcfs_mounts(wirt, "web2") == []
