"""sqlite-backed state: JSON items keyed by (kind, key), plus the outbox.

A file store uses WAL with synchronous=FULL, so a write acknowledged to a client survives a
kill -9; ``path=None`` keeps everything in memory (tests). One connection per store guarded by
a re-entrant lock makes it safe from the handler threads; ``BEGIN IMMEDIATE`` makes
read-modify-write sequences atomic also between processes sharing the file.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pool_id TEXT NOT NULL,
    username TEXT NOT NULL,
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    destination TEXT NOT NULL,
    time REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_user ON outbox (username, pool_id);
"""

Item = dict[str, Any]
# Kinds whose loss on power failure is harmless (a sign-in in progress simply restarts): their
# commits skip the fsync (synchronous=NORMAL, still crash-safe in WAL mode), which saves two of
# the three fsyncs of an SRP sign-in. Everything else commits with synchronous=FULL.
EPHEMERAL_KINDS = frozenset({"auth_session"})
_OUTBOX_COLUMNS = ("pool_id", "username", "kind", "code", "destination", "time", "used")


def key_part(text: str) -> str:
    """``text`` as one segment of a '/'-separated store key: '%' and '/' escaped, so that a
    prefix scan for ``pool/dave/`` never matches ``pool/dave/x/...`` (user ``dave/x``)."""
    return text.replace("%", "%25").replace("/", "%2F")


def user_prefix(pool_id: str, username: str) -> str:
    """Key prefix of a user's own items (devices, origins, codes): exact, never a neighbour's."""
    return f"{pool_id}/{key_part(username)}/"


def iso_time(when: float) -> str:
    """Unix seconds as ISO-8601 UTC with milliseconds (``2026-01-02T03:04:05.678Z``)."""
    stamp = datetime.fromtimestamp(when, UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


class Store:
    """JSON items in sqlite. Every public method is atomic; ``transaction()`` groups several."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(
            path or ":memory:", check_same_thread=False, isolation_level=None, timeout=30.0
        )
        self._depth = 0
        if path:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(_SCHEMA)
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(outbox)")}
        if "used" not in columns:  # data files written before the column existed
            self._conn.execute("ALTER TABLE outbox ADD COLUMN used INTEGER NOT NULL DEFAULT 0")

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self, durable: bool = True) -> Iterator[None]:
        """Hold the store for a read-modify-write sequence (nested calls join the outer one).
        ``durable=False`` commits without fsync (only for EPHEMERAL_KINDS data)."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            relaxed = not durable and self.path is not None
            if relaxed:
                self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._depth = 0
                self._conn.execute("ROLLBACK")
                if relaxed:
                    self._conn.execute("PRAGMA synchronous=FULL")
                raise
            self._depth = 0
            self._conn.execute("COMMIT")
            if relaxed:
                self._conn.execute("PRAGMA synchronous=FULL")

    def get(self, kind: str, key: str) -> Item | None:
        """The item, or None."""
        with self._lock:
            row = self._conn.execute(
                "SELECT data FROM items WHERE kind=? AND key=?", (kind, key)
            ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def put(self, kind: str, key: str, item: Item) -> None:
        """Insert or replace an item."""
        data = json.dumps(item, separators=(",", ":"))
        with self.transaction(kind not in EPHEMERAL_KINDS):
            self._conn.execute(
                "INSERT OR REPLACE INTO items (kind, key, data) VALUES (?, ?, ?)", (kind, key, data)
            )

    def insert(self, kind: str, key: str, item: Item) -> bool:
        """Insert unless the key exists; True when inserted."""
        data = json.dumps(item, separators=(",", ":"))
        with self.transaction():
            cur = self._conn.execute(
                "INSERT OR IGNORE INTO items (kind, key, data) VALUES (?, ?, ?)", (kind, key, data)
            )
            return cur.rowcount == 1

    def delete(self, kind: str, key: str) -> bool:
        """Delete an item; True when it existed."""
        with self.transaction(kind not in EPHEMERAL_KINDS):
            cur = self._conn.execute("DELETE FROM items WHERE kind=? AND key=?", (kind, key))
            return cur.rowcount == 1

    def take(self, kind: str, key: str) -> Item | None:
        """Atomically read and delete an item (single-use things)."""
        with self.transaction(kind not in EPHEMERAL_KINDS):
            item = self.get(kind, key)
            if item is not None:
                self._conn.execute("DELETE FROM items WHERE kind=? AND key=?", (kind, key))
            return item

    def scan(self, kind: str, prefix: str = "") -> list[tuple[str, Item]]:
        """Items of a kind whose key starts with ``prefix``, in key order."""
        with self._lock:
            if prefix:
                upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
                rows = self._conn.execute(
                    "SELECT key, data FROM items WHERE kind=? AND key>=? AND key<? ORDER BY key",
                    (kind, prefix, upper),
                ).fetchall()
            else:
                rows = self._conn.execute(
                    "SELECT key, data FROM items WHERE kind=? ORDER BY key", (kind,)
                ).fetchall()
        return [(k, dict(json.loads(d))) for k, d in rows]

    def delete_prefix(self, kind: str, prefix: str) -> int:
        """Delete every item of a kind whose key starts with ``prefix``."""
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        with self.transaction():
            cur = self._conn.execute(
                "DELETE FROM items WHERE kind=? AND key>=? AND key<?", (kind, prefix, upper)
            )
            return cur.rowcount

    def add_outbox(
        self, pool_id: str, username: str, kind: str, code: str, destination: str, time: float
    ) -> None:
        """Append a delivered message to the outbox."""
        with self.transaction():
            self._conn.execute(
                "INSERT INTO outbox (pool_id, username, kind, code, destination, time)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (pool_id, username, kind, code, destination, time),
            )

    def mark_outbox_used(self, pool_id: str, username: str, kind: str, code: str) -> None:
        """Mark the newest outbox message carrying this code as used (the code was accepted)."""
        with self.transaction():
            self._conn.execute(
                "UPDATE outbox SET used=1 WHERE id=(SELECT MAX(id) FROM outbox WHERE pool_id=?"
                " AND username=? AND kind=? AND code=?)",
                (pool_id, username, kind, code),
            )

    def outbox(
        self,
        username: str | None = None,
        pool_id: str | None = None,
        email: str | None = None,
    ) -> list[Item]:
        """Outbox messages, oldest first, optionally filtered: ``username`` matches the username
        or the destination (an email-as-username pool stores a generated username), ``email``
        the destination only (case-insensitive). Each message has ``time`` (ISO-8601 UTC),
        ``used`` (its code was accepted) and ``superseded`` (a newer message of the same kind
        went to the same user, so this code no longer works)."""
        sql = (
            "SELECT pool_id, username, kind, code, destination, time, used,"
            " EXISTS (SELECT 1 FROM outbox AS o WHERE"
            " o.pool_id=outbox.pool_id AND o.username=outbox.username AND o.kind=outbox.kind"
            " AND o.id>outbox.id) FROM outbox"
        )
        where: list[str] = []
        args: list[str] = []
        if username is not None:
            where.append("(username=? OR lower(destination)=lower(?))")
            args += [username, username]
        if email is not None:
            where.append("lower(destination)=lower(?)")
            args.append(email)
        if pool_id is not None:
            where.append("pool_id=?")
            args.append(pool_id)
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY id", args).fetchall()
        items = []
        for row in rows:
            item = dict(zip(_OUTBOX_COLUMNS, row[:-1], strict=True))
            item["used"] = bool(item["used"])
            item["superseded"] = bool(row[-1])
            item["time"] = iso_time(item["time"])
            items.append(item)
        return items

    def reset(self) -> None:
        """Forget everything."""
        with self.transaction():
            self._conn.execute("DELETE FROM items")
            self._conn.execute("DELETE FROM outbox")

    def integrity_check(self) -> str:
        """``PRAGMA integrity_check`` result ('ok' when healthy)."""
        with self._lock:
            return str(self._conn.execute("PRAGMA integrity_check").fetchone()[0])
