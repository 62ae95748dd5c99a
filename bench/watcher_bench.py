"""Drives bench/watcher.sh: writes files into the watched folder and reads the agent's job rows."""
import argparse
import os
import sqlite3
import statistics
import time
from datetime import datetime, timezone


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def parse_settle(text):
    if text.endswith("ms"):
        return float(text[:-2]) / 1000
    return float(text.rstrip("s"))


def write_clip(path, clip, n):
    with open(path, "wb") as f:
        f.write(clip + n.to_bytes(16, "big"))


def job_rows(db):
    """source_path -> created_at (UTC seconds) of every job."""
    rows = db.execute("SELECT source_path, created_at FROM video_processing_jobs").fetchall()
    return {
        p: datetime.strptime(c, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc).timestamp() for p, c in rows
    }


def wait_for(predicate, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--pid", type=int)
    a.add_argument("--work")
    a.add_argument("--settle")
    a.add_argument("--idle", type=int)
    a.add_argument("--latency-files", type=int)
    a.add_argument("--burst-files", type=int)
    args = a.parse_args()
    inbox = os.path.join(args.work, "inbox")
    clip = open(os.path.join(args.work, "clip.mp4"), "rb").read()
    settle = parse_settle(args.settle)
    db = sqlite3.connect(os.path.join(args.work, "state", "reel-ingest.sqlite"))

    # 1. Idle CPU: nothing in the folder, nothing pending.
    before, start = cpu_seconds(args.pid), time.time()
    time.sleep(args.idle)
    idle = cpu_seconds(args.pid) - before
    print(f"idle: {idle:.3f} s CPU over {time.time() - start:.0f} s ({100 * idle / args.idle:.3f} % of one core)")

    # 2. Latency: one file every 20 ms; close-write time taken right after close().
    closed = {}
    for i in range(args.latency_files):
        path = os.path.join(inbox, f"latency {i:05d}.mp4")
        write_clip(path, clip, i)
        closed[path] = time.time()
        time.sleep(0.02)
    ok = wait_for(lambda: len(job_rows(db)) >= args.latency_files, 600)
    rows = job_rows(db)
    lat = [(rows[p] - t - settle) * 1000 for p, t in closed.items() if p in rows]
    print(
        f"latency close-write → job row minus {settle:g} s settle, {len(lat)} files"
        f"{'' if ok else ' (TIMED OUT)'}: p50 {percentile(lat, 50):.1f} ms, p99 {percentile(lat, 99):.1f} ms,"
        f" max {max(lat):.1f} ms"
    )
    wait_for(lambda: db.execute(
        "SELECT COUNT(*) FROM video_processing_jobs WHERE state = 'stable' AND content_sha256 IS NULL"
    ).fetchone()[0] == 0, 600)

    # 3. Burst: as fast as Python can write them.
    base = len(job_rows(db))
    os.makedirs(os.path.join(inbox, "burst"))
    start = time.time()
    for i in range(args.burst_files):
        write_clip(os.path.join(inbox, "burst", f"burst {i:05d}.mp4"), clip, 1_000_000 + i)
    written = time.time() - start
    ok = wait_for(lambda: len(job_rows(db)) >= base + args.burst_files, 1800)
    rows_done = time.time() - start
    checked = lambda: db.execute(
        "SELECT COUNT(*) FROM video_processing_jobs WHERE source_path LIKE ? AND content_sha256 IS NOT NULL"
        " AND state <> 'discovered'", (os.path.join(inbox, "burst") + "/%",)
    ).fetchone()[0] >= args.burst_files
    ok2 = wait_for(checked, 3600)
    all_done = time.time() - start
    states = dict(db.execute(
        "SELECT state, COUNT(*) FROM video_processing_jobs WHERE source_path LIKE ? GROUP BY state",
        (os.path.join(inbox, "burst") + "/%",),
    ).fetchall())
    dup_paths = db.execute(
        "SELECT COUNT(*) - COUNT(DISTINCT source_path) FROM video_processing_jobs"
    ).fetchone()[0]
    print(
        f"burst of {args.burst_files}: written in {written:.1f} s; every job row after {rows_done:.1f} s"
        f"{'' if ok else ' (TIMED OUT)'}; every file hashed and probed after {all_done:.1f} s"
        f"{'' if ok2 else ' (TIMED OUT)'} (includes the {settle:g} s settle); states {states};"
        f" paths queued twice: {dup_paths}"
    )


main()
