# SPDX-License-Identifier: LGPL-2.1-or-later
"""create --autostart and `start --autostart` (what wirt-autostart.service runs)."""
from conftest import show


def test_autostart_starts_only_marked(wirt):
    wirt("create", "auto1", "--autostart")
    wirt("create", "auto2", "--autostart")
    wirt("create", "manual")
    assert wirt.status("auto1")["autostart"] is True
    assert wirt.status("manual")["autostart"] is False

    wirt("start", "--autostart", timeout=90)
    states = {e["name"]: e["state"] for e in wirt.list()}
    assert states == {"auto1": "running", "auto2": "running", "manual": "stopped"}, states
    wirt.exec("auto1", "true")
    wirt.exec("auto2", "true")


def test_autostart_skips_running_and_is_repeatable(wirt):
    wirt("create", "auto1", "--autostart")
    wirt("start", "auto1")
    pid = wirt.status("auto1")["pid"]
    cp = wirt("start", "--autostart", check=False, timeout=90)
    assert cp.returncode == 0, "a running autostart vServer is not an error" + show(cp)
    assert wirt.status("auto1")["pid"] == pid, "autostart restarted a running vServer"


def test_autostart_with_nothing_to_do(wirt):
    cp = wirt("start", "--autostart")
    assert cp.stdout == "" and cp.stderr == "", show(cp)
