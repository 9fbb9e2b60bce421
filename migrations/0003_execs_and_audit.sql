-- The exec ledger: a row is written before the request is sent and completed from the
-- agent's status; an exec in flight when fleetd stops is resumed from here.
-- States: pending (recorded, not sent) → sent (guest-exec on the wire; its pid not yet
-- known) → running (pid known; polled) → exited | failed | timed-out. An exec found 'sent'
-- after a crash is 'lost': its outcome is unknown, and it is never run a second time.
CREATE TABLE exec (
    id               INTEGER PRIMARY KEY,
    vm_id            INTEGER NOT NULL REFERENCES vm(id) ON DELETE CASCADE,
    requested_at     INTEGER NOT NULL,
    requested_by_uid INTEGER,
    path             TEXT    NOT NULL,
    args             TEXT    NOT NULL,    -- JSON array
    env              TEXT,                -- JSON array, NULL when not given
    input            BLOB,
    capture          TEXT    NOT NULL,    -- none | stdout | stderr | separated | merged
    timeout_ms       INTEGER NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN
                         ('pending', 'sent', 'running', 'exited', 'failed', 'timed-out', 'lost')),
    guest_pid        INTEGER,
    started_at       INTEGER,
    finished_at      INTEGER,
    exit_code        INTEGER,
    signal           INTEGER,
    stdout           BLOB,
    stderr           BLOB,
    out_truncated    INTEGER,
    err_truncated    INTEGER,
    error            TEXT
);
CREATE INDEX exec_by_vm ON exec(vm_id, requested_at);
CREATE INDEX exec_unfinished ON exec(vm_id, state) WHERE state IN ('pending', 'sent', 'running');

-- Every call above the read tier, with the caller's uid.
CREATE TABLE audit (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    uid      INTEGER NOT NULL,
    action   TEXT    NOT NULL,
    vm_id    INTEGER REFERENCES vm(id) ON DELETE SET NULL,
    detail   TEXT,                -- JSON
    outcome  TEXT
);
CREATE INDEX audit_by_time ON audit(at);
