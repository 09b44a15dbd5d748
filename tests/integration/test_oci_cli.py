# SPDX-License-Identifier: LGPL-2.1-or-later
"""
wirt-oci's command line next to runc's (runc 1.1 where it is installed): `spec` and
`spec --rootless` write what runc writes (ociVersion and hostname aside), `features`
is a runtime-spec features document, `--version`, and errors: exit status, one line on
stderr and one record in the --log file in the requested format with the same
structure as runc's record for the same failing command. The verbs not written
(events, checkpoint, restore) must say so. No container runs here: test_oci_compat.py,
test_oci_security.py, test_oci_podman.py and test_oci_containerd.py run them.

The binary is $WIRT_OCI_BIN, else wirt-oci next to $WIRT_BIN (conftest.py), so both
CI builds test their own.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
from datetime import datetime

import pytest

from conftest import WIRT_BIN, show

WIRT_OCI_BIN = os.environ.get("WIRT_OCI_BIN",
                              os.path.join(os.path.dirname(WIRT_BIN), "wirt-oci"))
RUNC = shutil.which("runc")
NOT_YET = ["events", "checkpoint", "restore"]
# What wirt-oci spec writes differently from runc spec, on purpose (docs/oci.md).
SPEC_DIFFERENCES = {"ociVersion": "1.1.0", "hostname": "wirt-oci"}
TEXT_RECORD = re.compile(r'^time="([^"]+)" level=(\w+) msg=("(?:[^"\\]|\\.)*"|\S+)$')


@pytest.fixture(scope="module", autouse=True)
def have_binary():
    if not os.access(WIRT_OCI_BIN, os.X_OK):
        pytest.skip(f"no wirt-oci binary at {WIRT_OCI_BIN}: build it or set WIRT_OCI_BIN")


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix="wirt-oci-cli-")
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def need_runc():
    if RUNC is None:
        pytest.skip("runc is not installed: nothing to compare with")


def run(binary, *args, cwd=None):
    return subprocess.run([binary, *args], capture_output=True, encoding="utf-8",
                          errors="replace", timeout=30, cwd=cwd, stdin=subprocess.DEVNULL)


def oci(*args, cwd=None):
    return run(WIRT_OCI_BIN, *args, cwd=cwd)


def stderr_lines(cp):
    return [l for l in cp.stderr.splitlines() if l.strip()]


def log_lines(path):
    with open(path, encoding="utf-8") as f:
        return [l for l in f.read().splitlines() if l.strip()]


def assert_rfc3339(ts):
    # Go's time.RFC3339: 2026-12-01T03:12:52Z or ...+01:00
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)", ts), ts
    datetime.fromisoformat(ts.replace("Z", "+00:00"))


# ---- --version and help -----------------------------------------------------------


def test_version_like_runc():
    for flag in ("--version", "-v"):
        cp = oci(flag)
        assert cp.returncode == 0, show(cp)
        lines = cp.stdout.splitlines()
        assert re.fullmatch(r"wirt-oci version \S+", lines[0]), show(cp)
        assert "spec: 1.1.0" in lines, show(cp)
        assert cp.stderr == "", show(cp)
    if RUNC:
        theirs = run(RUNC, "--version").stdout.splitlines()
        assert re.fullmatch(r"runc version \S+", theirs[0])
        assert any(l.startswith("spec: ") for l in theirs)


def test_help_and_no_verb_succeed():
    for args in (["--help"], ["-h"], ["help"], []):
        cp = oci(*args)
        assert cp.returncode == 0, show(cp)
        assert "spec" in cp.stdout and "features" in cp.stdout, show(cp)


# ---- spec ---------------------------------------------------------------------------


def spec_pair(tmp, *flags):
    """config.json from wirt-oci and from runc with the same flags, as text."""
    ours, theirs = os.path.join(tmp, "ours"), os.path.join(tmp, "theirs")
    os.mkdir(ours)
    os.mkdir(theirs)
    cp = oci("spec", "--bundle", ours, *flags)
    assert cp.returncode == 0 and cp.stdout == "" and cp.stderr == "", show(cp)
    cp = run(RUNC, "spec", "--bundle", theirs, *flags)
    assert cp.returncode == 0, show(cp)
    texts = []
    for d in (ours, theirs):
        with open(os.path.join(d, "config.json"), encoding="utf-8") as f:
            texts.append(f.read())
    return texts


@pytest.mark.parametrize("flags", [[], ["--rootless"]], ids=["default", "rootless"])
def test_spec_is_runcs(tmp, flags):
    need_runc()
    ours_text, theirs_text = spec_pair(tmp, *flags)
    ours, theirs = json.loads(ours_text), json.loads(theirs_text)
    for key, value in SPEC_DIFFERENCES.items():
        assert ours[key] == value, f"{key}: {ours[key]!r}"
        theirs[key] = value
    # Same keys, values and order (json.dumps keeps the order of the file).
    assert json.dumps(ours) == json.dumps(theirs), "\nours:   " + json.dumps(ours) + \
        "\ntheirs: " + json.dumps(theirs)
    # Same layout too: only the differing lines differ.
    diff = [(a, b) for a, b in zip(ours_text.splitlines(), theirs_text.splitlines()) if a != b]
    assert len(ours_text.splitlines()) == len(theirs_text.splitlines())
    assert [a.strip().split(":")[0] for a, _ in diff] == ['"ociVersion"', '"hostname"'], diff


def test_spec_rootless_maps_the_caller(tmp):
    cp = oci("spec", "--rootless", "-b", tmp)
    assert cp.returncode == 0, show(cp)
    with open(os.path.join(tmp, "config.json"), encoding="utf-8") as f:
        spec = json.load(f)
    linux = spec["linux"]
    assert linux["uidMappings"] == [{"containerID": 0, "hostID": os.geteuid(), "size": 1}]
    assert linux["gidMappings"] == [{"containerID": 0, "hostID": os.getegid(), "size": 1}]
    types = [n["type"] for n in linux["namespaces"]]
    assert "user" in types and "network" not in types, types
    assert "resources" not in linux


def test_spec_in_current_dir(tmp):
    cp = oci("spec", cwd=tmp)
    assert cp.returncode == 0, show(cp)
    with open(os.path.join(tmp, "config.json"), encoding="utf-8") as f:
        assert json.load(f)["root"] == {"path": "rootfs", "readonly": True}


def test_spec_refuses_to_overwrite(tmp):
    path = os.path.join(tmp, "config.json")
    with open(path, "w") as f:
        f.write("mine")
    log = os.path.join(tmp, "log.json")
    cp = oci("--log", log, "--log-format", "json", "spec", "-b", tmp)
    assert cp.returncode == 1, show(cp)
    assert stderr_lines(cp) == ["wirt-oci: File config.json exists. Remove it first"], show(cp)
    with open(path) as f:
        assert f.read() == "mine"
    [rec] = [json.loads(l) for l in log_lines(log)]
    if RUNC:
        rlog = os.path.join(tmp, "runc.json")
        rcp = run(RUNC, "--log", rlog, "--log-format", "json", "spec", "-b", tmp)
        assert rcp.returncode == cp.returncode, show(rcp)
        [theirs] = [json.loads(l) for l in log_lines(rlog)]
        assert rec["msg"] == theirs["msg"], (rec, theirs)


def test_spec_refuses_a_symlink(tmp):
    os.symlink(os.path.join(tmp, "elsewhere"), os.path.join(tmp, "config.json"))
    cp = oci("spec", "-b", tmp)
    assert cp.returncode == 1, show(cp)
    assert not os.path.exists(os.path.join(tmp, "elsewhere"))


def test_spec_errors(tmp):
    cp = oci("spec", "--bundle", os.path.join(tmp, "nonexistent"))
    assert cp.returncode == 1, show(cp)
    [line] = stderr_lines(cp)
    assert line.startswith("wirt-oci: spec: ") and "nonexistent" in line, show(cp)
    for args in (["spec", "extra"], ["spec", "--nosuch"], ["spec", "--bundle"]):
        cp = oci(*args, cwd=tmp)
        assert cp.returncode == 1, show(cp)
        assert len(stderr_lines(cp)) == 1, show(cp)
        if RUNC:
            assert run(RUNC, *args, cwd=tmp).returncode == 1
    assert os.listdir(tmp) == []


# ---- features -----------------------------------------------------------------------


def test_features_document():
    cp = oci("features")
    assert cp.returncode == 0, show(cp)
    doc = json.loads(cp.stdout)
    assert doc["ociVersionMin"] == "1.0.0" and doc["ociVersionMax"] == "1.1.0"
    assert set(doc) <= {"ociVersionMin", "ociVersionMax", "hooks", "mountOptions", "linux",
                        "annotations", "potentiallyUnsafeConfigAnnotations"}, set(doc)
    linux = doc["linux"]
    assert set(linux) <= {"namespaces", "capabilities", "cgroup", "seccomp", "apparmor",
                          "selinux", "intelRdt", "mountExtensions"}, set(linux)
    assert linux["cgroup"]["systemd"] is True  # "slice:prefix:name" made via cgroupfs
    assert "CAP_SYS_ADMIN" in linux["capabilities"]
    assert "SCMP_ARCH_X86_64" in linux["seccomp"]["archs"]
    assert "mountOptions" not in doc  # nothing maps them yet: unknown, not claimed


def test_features_next_to_runcs():
    need_runc()
    ours = json.loads(oci("features").stdout)
    theirs = json.loads(run(RUNC, "features").stdout)
    assert ours["hooks"] == theirs["hooks"]
    assert set(theirs["linux"]["namespaces"]) <= set(ours["linux"]["namespaces"])
    assert ours["linux"]["capabilities"] == theirs["linux"]["capabilities"]
    for key in ("actions", "operators"):
        assert sorted(ours["linux"]["seccomp"][key]) == \
            sorted(theirs["linux"]["seccomp"][key]), key
    assert set(theirs["linux"]["seccomp"]["archs"]) <= set(ours["linux"]["seccomp"]["archs"])
    assert ours["annotations"]["io.github.seccomp.libseccomp.version"] == \
        theirs["annotations"]["io.github.seccomp.libseccomp.version"]


def test_features_takes_no_arguments():
    cp = oci("features", "x")
    assert cp.returncode == 1 and len(stderr_lines(cp)) == 1, show(cp)


# ---- errors and the --log file ------------------------------------------------------


def failing(binary, tmp, log, *fmt):
    """`state nosuch` with --log: both fail, there is no such container. --root is a
    temp dir, so nothing under /run is read."""
    return run(binary, "--root", tmp, "--log", log, *fmt, "state", "nosuch")


def test_error_log_json_like_runcs(tmp):
    log = os.path.join(tmp, "ours.json")
    cp = failing(WIRT_OCI_BIN, tmp, log, "--log-format", "json")
    assert cp.returncode == 1, show(cp)
    assert stderr_lines(cp) == ["wirt-oci: state nosuch: container does not exist"], show(cp)
    [line] = log_lines(log)
    rec = json.loads(line)
    assert list(rec) == ["level", "msg", "time"], rec
    assert rec["level"] == "error" and rec["msg"] == "state nosuch: container does not exist", rec
    assert_rfc3339(rec["time"])
    if RUNC:
        rlog = os.path.join(tmp, "runc.json")
        rcp = failing(RUNC, tmp, rlog, "--log-format", "json")
        assert rcp.returncode == cp.returncode, show(rcp)
        assert len(stderr_lines(rcp)) == 1, show(rcp)
        [theirs] = [json.loads(l) for l in log_lines(rlog)]
        assert list(theirs) == list(rec) and theirs["level"] == rec["level"], theirs


def test_error_log_text_like_runcs(tmp):
    for fmt in ([], ["--log-format", "text"], ["--log-format=text"]):
        log = os.path.join(tmp, "ours.log")
        cp = failing(WIRT_OCI_BIN, tmp, log, *fmt)
        assert cp.returncode == 1, show(cp)
        [line] = log_lines(log)
        m = TEXT_RECORD.match(line)
        assert m, line
        assert m.group(2) == "error" and m.group(3) == '"state nosuch: container does not exist"', line
        assert_rfc3339(m.group(1))
        os.unlink(log)
    if RUNC:
        rlog = os.path.join(tmp, "runc.log")
        rcp = failing(RUNC, tmp, rlog)
        assert rcp.returncode == 1, show(rcp)
        [theirs] = log_lines(rlog)
        assert TEXT_RECORD.match(theirs), theirs


def test_log_file_is_appended(tmp):
    log = os.path.join(tmp, "log.json")
    for _ in range(2):
        oci("--log=" + log, "--log-format=json", "state", "x")
    recs = [json.loads(l) for l in log_lines(log)]
    assert len(recs) == 2, recs
    assert oct(os.stat(log).st_mode & 0o777) == oct(0o644 & ~current_umask())


def current_umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_json_without_log_goes_to_stderr(tmp):
    # runc's log is /dev/stderr unless --log is given: the record goes there
    cp = oci("--root", tmp, "--log-format", "json", "state", "x")
    assert cp.returncode == 1, show(cp)
    [line] = stderr_lines(cp)
    assert json.loads(line)["msg"] == "state x: container does not exist", show(cp)


@pytest.mark.parametrize("verb", NOT_YET)
def test_not_implemented_verbs_say_so(tmp, verb):
    log = os.path.join(tmp, "log.json")
    cp = oci("--root", tmp, "--log", log, "--log-format", "json", verb, "x")
    assert cp.returncode == 1, show(cp)
    assert cp.stdout == "", show(cp)
    assert stderr_lines(cp) == [f"wirt-oci: {verb}: not implemented yet"], show(cp)
    [rec] = [json.loads(l) for l in log_lines(log)]
    assert rec["msg"] == f"{verb}: not implemented yet", rec


def test_usage_errors_exit_like_runcs(tmp):
    cases = [(["nosuchverb"], 3),             # urfave/cli's exit for an unknown command
             (["--nosuchflag", "state", "x"], 1),
             (["--log-format", "xml", "state", "x"], 1),
             (["--root"], 1),
             (["--debug=maybe", "state", "x"], 1)]
    for args, status in cases:
        cp = oci(*args, cwd=tmp)
        assert cp.returncode == status, show(cp)
        [line] = stderr_lines(cp)
        assert line.startswith("wirt-oci: "), show(cp)
        if RUNC:
            rcp = run(RUNC, "--root", tmp, *args, cwd=tmp)
            assert rcp.returncode == status, show(rcp)


def test_log_file_that_cannot_be_opened(tmp):
    cp = oci("--log", os.path.join(tmp, "no", "such", "dir"), "features")
    assert cp.returncode == 1 and cp.stdout == "", show(cp)
    [line] = stderr_lines(cp)
    assert line.startswith("wirt-oci: open log file "), show(cp)


def test_systemd_cgroup_is_taken(tmp):
    # the flag is a global one clients pass (Podman's --cgroup-manager systemd);
    # test_oci_spec.py runs a container with it
    cp = oci("--systemd-cgroup", "--root", tmp, "list", "--format", "json")
    assert cp.returncode == 0, show(cp)
    assert cp.stdout.strip() == "null", show(cp)


def test_debug_records_go_to_the_log(tmp):
    log = os.path.join(tmp, "log.json")
    cp = oci("--debug", "--root", tmp, "--log", log, "--log-format", "json", "state", "x")
    assert cp.returncode == 1, show(cp)
    assert stderr_lines(cp) == ["wirt-oci: state x: container does not exist"], show(cp)
    levels = [json.loads(l)["level"] for l in log_lines(log)]
    assert levels == ["debug", "error"], levels


def test_global_flags_in_every_spelling(tmp):
    for args in (["--root", tmp], ["--root=" + tmp], ["-root", tmp], ["--debug=false"],
                 ["--rootless", "auto"], ["--rootless=true"], ["--criu", "/usr/sbin/criu"]):
        cp = oci(*args, "features")
        assert cp.returncode == 0, show(cp)
        json.loads(cp.stdout)
