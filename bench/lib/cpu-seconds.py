#!/usr/bin/env python3
"""CPU time spent so far, in seconds, for the fleet bench's accounting. Prints three numbers:

- the whole machine (all cores' busy time from /proc/stat);
- the given processes with their waited-for children (an agent and the transcode workers it has reaped);
- every `postgres` process, plus what the postmaster has reaped (ended backends).

The difference between two calls is what a run cost; what is neither the agents nor PostgreSQL is the machine's
other work (the kernel's, the bench's own, anything else running)."""
import os
import sys

tick = os.sysconf("SC_CLK_TCK")


def fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    # The command name is in parentheses and may hold spaces; the fields after it are fixed.
    name = text[text.index("(") + 1 : text.rindex(")")]
    rest = text[text.rindex(")") + 2 :].split()
    # rest[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17, ppid 4.
    return name, int(rest[1]), sum(int(x) for x in rest[11:13]), sum(int(x) for x in rest[13:15])


with open("/proc/stat") as f:
    cpu = [int(x) for x in f.readline().split()[1:]]
# user nice system idle iowait irq softirq steal: busy is everything but idle and iowait.
machine = sum(cpu[:8]) - cpu[3] - cpu[4]

agents = 0
for pid in sys.argv[1:]:
    try:
        _, _, own, reaped = fields(pid)
        agents += own + reaped
    except OSError:
        pass

postgres = 0
for entry in os.listdir("/proc"):
    if not entry.isdigit():
        continue
    try:
        name, ppid, own, reaped = fields(entry)
    except (OSError, ValueError):
        continue
    if name == "postgres":
        postgres += own
        try:
            parent, _, _, _ = fields(ppid)
        except (OSError, ValueError):
            parent = ""
        if parent != "postgres":  # the postmaster: its reaped children are ended backends
            postgres += reaped
print(f"{machine / tick:.2f} {agents / tick:.2f} {postgres / tick:.2f}")
