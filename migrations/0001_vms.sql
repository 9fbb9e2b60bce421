-- Every VM fleetd has seen, keyed by name (NAME.sock → NAME). fleetd never deletes a VM:
-- one whose socket disappears is 'gone' and keeps its history.
-- Times are milliseconds since the Unix epoch (UTC) throughout the schema.
CREATE TABLE vm (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    socket_path   TEXT    NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN
                      ('disconnected', 'connecting', 'syncing', 'responsive', 'unresponsive', 'frozen', 'gone')),
    state_since   INTEGER NOT NULL,
    state_reason  TEXT    NOT NULL,
    first_seen    INTEGER NOT NULL,
    -- Heartbeat, aggregated: a ping is never a row of its own.
    last_seen     INTEGER,            -- time of the last good reply
    ping_ok       INTEGER NOT NULL DEFAULT 0,
    ping_missed   INTEGER NOT NULL DEFAULT 0,
    rtt_last_us   INTEGER,
    rtt_min_us    INTEGER,
    rtt_max_us    INTEGER,
    rtt_ewma_us   REAL
);

-- Every state change with its time and reason.
CREATE TABLE vm_transition (
    id          INTEGER PRIMARY KEY,
    vm_id       INTEGER NOT NULL REFERENCES vm(id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    from_state  TEXT,
    to_state    TEXT    NOT NULL,
    reason      TEXT    NOT NULL
);
CREATE INDEX vm_transition_by_vm_time ON vm_transition(vm_id, at);
