-- 'stopped' (issue 18): the VM does not run — shut down, crashed, or a libvirt domain that is
-- defined but shut off — as QMP or libvirt reports it. Not 'gone': the VM is still there, and
-- fleetd supervises it again the moment it starts. The table is rebuilt as in 0004.
CREATE TABLE vm_new (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    socket_path   TEXT    NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN
                      ('disconnected', 'connecting', 'syncing', 'responsive', 'unresponsive', 'frozen', 'gone',
                       'locked', 'disabled', 'booting', 'paused', 'flapping', 'stopped')),
    state_since   INTEGER NOT NULL,
    state_reason  TEXT    NOT NULL,
    first_seen    INTEGER NOT NULL,
    last_seen     INTEGER,
    ping_ok       INTEGER NOT NULL DEFAULT 0,
    ping_missed   INTEGER NOT NULL DEFAULT 0,
    rtt_last_us   INTEGER,
    rtt_min_us    INTEGER,
    rtt_max_us    INTEGER,
    rtt_ewma_us   REAL,
    vmid          INTEGER,
    lock          TEXT
);
INSERT INTO vm_new SELECT id, name, socket_path, state, state_since, state_reason, first_seen, last_seen,
                          ping_ok, ping_missed, rtt_last_us, rtt_min_us, rtt_max_us, rtt_ewma_us, vmid, lock FROM vm;
DROP TABLE vm;
ALTER TABLE vm_new RENAME TO vm;
