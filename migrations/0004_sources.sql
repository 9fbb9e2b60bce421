-- Sources beyond a socket directory (issue 17): a Proxmox VM's vmid and the lock Proxmox holds
-- on it, and two states in which fleetd sends a VM nothing — 'locked' (Proxmox holds a lock:
-- backup, migrate, snapshot…) and 'disabled' (its guest agent is off in its config, or it has no
-- config). SQLite cannot change a CHECK constraint in place, so the table is rebuilt; GRDB runs
-- each migration with foreign keys off and checks them all before it commits.
CREATE TABLE vm_new (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    socket_path   TEXT    NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN
                      ('disconnected', 'connecting', 'syncing', 'responsive', 'unresponsive', 'frozen', 'gone',
                       'locked', 'disabled')),
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
    -- Proxmox's number for the VM (VMID.conf, VMID.qga); NULL for VMs of other sources.
    vmid          INTEGER,
    -- The lock Proxmox holds on the VM now (NULL when none): fleetd leaves it alone meanwhile.
    lock          TEXT
);
INSERT INTO vm_new (id, name, socket_path, state, state_since, state_reason, first_seen, last_seen,
                    ping_ok, ping_missed, rtt_last_us, rtt_min_us, rtt_max_us, rtt_ewma_us)
    SELECT id, name, socket_path, state, state_since, state_reason, first_seen, last_seen,
           ping_ok, ping_missed, rtt_last_us, rtt_min_us, rtt_max_us, rtt_ewma_us FROM vm;
DROP TABLE vm;
ALTER TABLE vm_new RENAME TO vm;
