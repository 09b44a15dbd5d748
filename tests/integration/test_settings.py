# SPDX-License-Identifier: LGPL-2.1-or-later
"""Resource knobs as configuration: `wirt create` flags write the config's [resources]
section; bad flags are refused with one line and nothing created; `wirt set` changes a
stopped vServer's config, refuses bad assignments without touching it, and changes a
running vServer's cgroup at once (rolled back when the kernel refuses)."""
import os
import stat

import pytest

from conftest import CGROUP_ROOT, assert_one_error_line, read_text, show

ONLINE_CPUS = os.sysconf("SC_NPROCESSORS_ONLN")
CGROUP_V1 = os.path.isdir(f"{CGROUP_ROOT}/memory")


def config_path(wirt, name):
    return os.path.join(wirt.root, "vservers", name, "config")


def config_section(wirt, name, section):
    """The 'key = value' lines of [section] as a list of (key, value), in order."""
    lines, current = [], None
    for line in (read_text(config_path(wirt, name)) or "").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            current = line
        elif current == f"[{section}]":
            key, _, value = line.partition("=")
            lines.append((key.strip(), value.strip()))
    return lines


def block_device():
    """(path, 'MAJ:MIN') of a block device node in /dev, or None."""
    for entry in sorted(os.listdir("/dev")):
        path = os.path.join("/dev", entry)
        try:
            st = os.stat(path)
        except OSError:
            continue
        if stat.S_ISBLK(st.st_mode):
            return path, f"{os.major(st.st_rdev)}:{os.minor(st.st_rdev)}"
    return None


def first_online_cpu():
    return int((read_text("/sys/devices/system/cpu/online") or "0").split(",")[0].split("-")[0])


def memory_cgroup_file(wirt, name, file):
    return os.path.join(CGROUP_ROOT, "memory", wirt.tag, name, file)


# ---- create ---------------------------------------------------------------------------


def test_create_flags_write_the_config(wirt):
    cpu = first_online_cpu()
    wirt("create", "web1", "--cpu-weight", "300", "--cpus", "0.5", "--cpuset", str(cpu),
         "--memory", "512M", "--memory-low", "128M", "--swap", "1G", "--pids", "64",
         "--io-weight", "50", "--io-max", "7:0:rbps=1M,wiops=100")
    assert config_section(wirt, "web1", "resources") == [
        ("cpu-weight", "300"), ("cpus", "0.5"), ("cpuset", str(cpu)), ("memory", "512M"),
        ("memory-low", "128M"), ("swap", "1G"), ("pids", "64"), ("io-weight", "50"),
        ("io-max", "7:0:rbps=1M,wiops=100")], read_text(config_path(wirt, "web1"))
    assert wirt.status("web1")["state"] == "stopped"


def test_create_io_max_device_path(wirt):
    dev = block_device()
    if dev is None:
        pytest.skip("no block device node in /dev")
    path, majmin = dev
    wirt("create", "web1", "--io-max", f"{path}:rbps=10M", "--io-max", "7:1:riops=5;7:2:wbps=1K")
    assert config_section(wirt, "web1", "resources") == [
        ("io-max", f"{majmin}:rbps=10M"), ("io-max", "7:1:riops=5"), ("io-max", "7:2:wbps=1K")]


def test_create_without_flags_writes_no_resources(wirt):
    wirt("create", "web1")
    text = read_text(config_path(wirt, "web1"))
    assert "[resources]" not in text, text


@pytest.mark.parametrize("args,code,contains", [
    (["--memory", "abc"], 1, "--memory: invalid size 'abc'"),
    (["--memory", "1M"], 1, "--memory: must be at least 3M (what a busybox init needs), not '1M'"),
    (["--memory", "-1G"], 1, "--memory: invalid size '-1G': is negative"),
    (["--cpus", "0"], 1, "--cpus: invalid number of CPUs '0': must be more than 0"),
    (["--cpus", "-1"], 1, "--cpus: invalid number of CPUs '-1'"),
    (["--cpus", f"{ONLINE_CPUS}.5"], 1, "[resources] cpus: must be at most"),
    (["--cpuset", "3-1"], 1, "--cpuset: invalid CPU list '3-1'"),
    (["--cpuset", "4095"], 1, "[resources] cpuset: CPU 4095 is not online"),
    (["--cpu-weight", "0"], 1, "--cpu-weight: invalid number '0'"),
    (["--cpu-weight", "10001"], 1, "--cpu-weight: invalid number '10001'"),
    (["--pids", "0"], 1, "--pids: invalid number '0'"),
    (["--io-weight", "x"], 1, "--io-weight: invalid number 'x'"),
    (["--swap", "lots"], 1, "--swap: invalid size 'lots'"),
    (["--memory", "64M", "--memory-low", "128M"], 1,
     "[resources] memory-low: must not be more than memory (64M), not '128M'"),
    (["--io-max", "/dev/null:rbps=1M"], 1, "--io-max: '/dev/null' is not a block device"),
    (["--io-max", "/dev/wirt-no-such-disk:rbps=1M"], 1, "--io-max: stat '/dev/wirt-no-such-disk'"),
    (["--io-max", "4095:0:rbps=1M"], 1, "[resources] io-max: no block device 4095:0"),
    (["--io-max", "7:0:xbps=1"], 1, "unknown limit 'xbps'"),
    (["--io-max", "7:0"], 1, "--io-max: invalid value '7:0'"),
    (["--memory"], 2, "option '--memory' needs a value"),
    (["--memroy", "1G"], 2, "unknown option '--memroy'"),
])
def test_create_bad_flags(wirt, args, code, contains):
    cp = wirt("create", "web1", *args, check=False)
    assert_one_error_line(cp, "web1" if code == 1 else None, exits=(code,), contains=contains)
    assert cp.stdout == "", show(cp)
    assert wirt.vserver_names() == [], "a refused create left a vServer"


# ---- set on a stopped vServer ---------------------------------------------------------


def test_set_stopped(wirt):
    wirt("create", "web1", "--memory", "256M")
    cp = wirt("set", "web1", "memory=128M", "cpus=0.5", "pids=50", "hostname=www.example.com",
              "autostart=yes")
    assert cp.stdout == "" and cp.stderr == "", show(cp)
    assert config_section(wirt, "web1", "resources") == [
        ("cpus", "0.5"), ("memory", "128M"), ("pids", "50")]
    st = wirt.status("web1")
    assert st["hostname"] == "www.example.com" and st["autostart"] is True, st
    assert st["state"] == "stopped", st

    # Limits are removed with 'max' (or 0 / empty for those without one).
    wirt("set", "web1", "memory=max", "cpus=max", "pids=max")
    assert config_section(wirt, "web1", "resources") == []


def test_set_stopped_takes_effect_at_start(wirt):
    if not CGROUP_V1:
        pytest.skip("checks cgroup v1 files")
    wirt("create", "web1")
    wirt("set", "web1", "memory=96M", "pids=77")
    wirt("start", "web1")
    limit = read_text(memory_cgroup_file(wirt, "web1", "memory.limit_in_bytes"))
    pids = read_text(os.path.join(CGROUP_ROOT, "pids", wirt.tag, "web1", "pids.max"))
    assert limit.strip() == str(96 << 20), limit
    assert pids.strip() == "77", pids


@pytest.mark.parametrize("assignments,code,contains", [
    (["memory=abc"], 1, "'memory=abc': invalid size 'abc': not a number"),
    (["pids=10", "memory=1M"], 1, "'memory=1M': must be at least 3M"),
    (["foo=1"], 1, "'foo=1': unknown key 'foo' (keys: hostname, autostart, stop-signal, "
                   "stop-timeout, cpu-weight, cpus, cpuset, memory, memory-low, swap, pids, "
                   "io-weight, io-max, disk, mode, ip, bridge, mac, gateway, policy, resolver, "
                   "port)"),
    (["template=debian"], 1, "key 'template' cannot be changed"),
    (["name=other"], 1, "key 'name' cannot be changed"),
    (["ids.base=1000065536"], 1, "key 'base' cannot be changed"),
    (["memory-low=1G"], 1, "[resources] memory-low: must not be more than memory (256M)"),
    ([f"cpus={ONLINE_CPUS + 1}"], 1, "[resources] cpus: must be at most"),
    (["io-max=4095:0:rbps=1M"], 1, "[resources] io-max: no block device 4095:0"),
    (["hostname=-bad"], 1, "invalid hostname '-bad'"),
    (["memory"], 2, "expected KEY=VALUE, not 'memory'"),
    (["=5"], 2, "expected KEY=VALUE"),
    ([], 2, "expects NAME and at least one KEY=VALUE"),
    (["--memory", "1G"], 2, "unknown option '--memory'"),
])
def test_set_refused_changes_nothing(wirt, assignments, code, contains):
    wirt("create", "web1", "--memory", "256M", "--pids", "100")
    before = open(config_path(wirt, "web1"), "rb").read()
    cp = wirt("set", "web1", *assignments, check=False)
    assert_one_error_line(cp, "web1" if code == 1 else None, exits=(code,), contains=contains)
    assert open(config_path(wirt, "web1"), "rb").read() == before, "a refused set changed the config"


def test_set_unknown_vserver(wirt):
    cp = wirt("set", "nosuch", "memory=1G", check=False)
    assert_one_error_line(cp, "nosuch", contains="no such vServer")
    assert wirt.vserver_names() == []


# ---- set on a running vServer ---------------------------------------------------------


@pytest.mark.skipif(not CGROUP_V1, reason="checks cgroup v1 files (v2: tests/vm)")
def test_set_running_memory_is_live(wirt):
    wirt.create_started("web1")
    wirt("set", "web1", "memory=128M", "pids=50")
    limit = memory_cgroup_file(wirt, "web1", "memory.limit_in_bytes")
    assert read_text(limit).strip() == "134217728", limit
    pids = os.path.join(CGROUP_ROOT, "pids", wirt.tag, "web1", "pids.max")
    assert read_text(pids).strip() == "50", pids
    # The guest sees it at once, in its own cgroup namespace.
    cp = wirt.exec("web1", "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes")
    assert cp.stdout.strip() == "134217728", show(cp)
    assert ("memory", "128M") in config_section(wirt, "web1", "resources")

    wirt("set", "web1", "memory=max")
    assert int(read_text(limit)) > 1 << 60, read_text(limit)
    assert ("memory", "128M") not in config_section(wirt, "web1", "resources")


@pytest.mark.skipif(not CGROUP_V1, reason="checks cgroup v1 files (v2: tests/vm)")
def test_set_running_refused_by_kernel_changes_nothing(wirt):
    """A limit below what the guest holds and cannot give back (tmpfs pages, no swap
    allowed): the kernel refuses it, the old limits stay and the config is unchanged."""
    wirt.create_started("web1")
    wirt("set", "web1", "memory=256M", "swap=0")
    limit = memory_cgroup_file(wirt, "web1", "memory.limit_in_bytes")
    assert read_text(limit).strip() == str(256 << 20), limit
    wirt.sh("web1", "head -c 40000000 /dev/zero > /dev/shm/fill")
    before = open(config_path(wirt, "web1"), "rb").read()
    shares = os.path.join(CGROUP_ROOT, "cpu", wirt.tag, "web1", "cpu.shares")
    shares_before = read_text(shares)

    # cpu-weight is written before memory: it must be put back too.
    cp = wirt("set", "web1", "cpu-weight=5000", "memory=16M", check=False)
    assert_one_error_line(cp, "web1", contains="memory.limit_in_bytes")
    assert read_text(limit).strip() == str(256 << 20), "the old limit was not restored"
    assert read_text(shares) == shares_before, "the old cpu weight was not restored"
    assert open(config_path(wirt, "web1"), "rb").read() == before, "the config changed"
    assert wirt.exec("web1", "echo", "alive").stdout == "alive\n"
