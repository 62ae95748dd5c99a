"""Fills a reel-ingest database (already migrated) with N jobs over a year, in a busy site's mix, with the columns
the status API reads (finished_at, published_at, progress). Usage: api_seed.py DB N"""
import random
import sqlite3
import sys
import time
from datetime import datetime, timedelta, timezone

db, count = sys.argv[1], int(sys.argv[2])
random.seed(7)
now = datetime.now(timezone.utc)
fmt = "%Y-%m-%d %H:%M:%S.%f"


def stamp(t):
    return t.strftime(fmt)[:-3]


def state_of(i):
    r = i % 20
    return {0: "failed", 1: "discovered", 2: "stable", 3: "rejected", 4: "duplicate"}.get(r, "published")


rows = []
for i in range(1, count + 1):
    created = now - timedelta(seconds=(count - i) * 300)
    state = state_of(i)
    if i > count - 5:
        state = "transcoding"
    finished = stamp(created + timedelta(seconds=90)) if state in ("published", "rejected", "duplicate") else None
    rows.append((
        "%024x" % random.getrandbits(96), f"/srv/share/line-{i % 12}/take-{i}.mp4", f"line-{i % 12}", "default",
        state, 1 if state == "failed" else 0,
        stamp(now + timedelta(seconds=i % 3600)) if state == "failed" else None,
        "upload: 503 Slow Down" if state == "failed" else None,
        42.0 if state == "transcoding" else None, stamp(created), stamp(created), finished,
        finished if state == "published" else None, "r1" if state == "published" else None, stamp(created),
    ))
start = time.time()
con = sqlite3.connect(db)
con.executemany(
    """INSERT INTO video_processing_jobs (video_id, source_path, watch_name, profile, state, attempts,
    next_attempt_at, last_error, progress, created_at, updated_at, finished_at, published_at, published_revision,
    checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", rows)
con.execute("ANALYZE")
con.commit()
print(f"seeded {count} jobs in {time.time() - start:.1f} s")
