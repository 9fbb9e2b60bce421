-- Inventory facts as time spans. A row holds one fact over [valid_from, valid_to); the current
-- fact has valid_to NULL. A fact that did not change is not written again, so "what did vm7
-- have at T" is: valid_from <= T AND (valid_to IS NULL OR valid_to > T).

CREATE TABLE agent_info (
    id INTEGER PRIMARY KEY, vm_id INTEGER NOT NULL REFERENCES vm(id) ON DELETE CASCADE,
    valid_from INTEGER NOT NULL, valid_to INTEGER,
    version TEXT NOT NULL,
    enabled_commands TEXT NOT NULL   -- JSON array of names the agent has enabled
);

CREATE TABLE os_info (
    id INTEGER PRIMARY KEY, vm_id INTEGER NOT NULL REFERENCES vm(id) ON DELETE CASCADE,
    valid_from INTEGER NOT NULL, valid_to INTEGER,
    os_id TEXT, name TEXT, pretty_name TEXT, version TEXT, version_id TEXT,
    variant TEXT, variant_id TEXT, kernel_release TEXT, kernel_version TEXT, machine TEXT
);

CREATE TABLE host_name (
    id INTEGER PRIMARY KEY, vm_id INTEGER NOT NULL REFERENCES vm(id) ON DELETE CASCADE,
    valid_from INTEGER NOT NULL, valid_to INTEGER,
    host_name TEXT NOT NULL
);

CREATE TABLE timezone (
    id INTEGER PRIMARY KEY, vm_id INTEGER NOT NULL REFERENCES vm(id) ON DELETE CASCADE,
    valid_from INTEGER NOT NULL, valid_to INTEGER,
    zone TEXT, offset_seconds INTEGER NOT NULL
);

CREATE TABLE interface (
    id INTEGER PRIMARY KEY, vm_id INTEGER NOT NULL REFERENCES vm(id) ON DELETE CASCADE,
    valid_from INTEGER NOT NULL, valid_to INTEGER,
    name TEXT NOT NULL, hardware_address TEXT
);

CREATE TABLE address (
    id INTEGER PRIMARY KEY, vm_id INTEGER NOT NULL REFERENCES vm(id) ON DELETE CASCADE,
    valid_from INTEGER NOT NULL, valid_to INTEGER,
    interface TEXT NOT NULL, address TEXT NOT NULL,
    family TEXT NOT NULL CHECK (family IN ('ipv4', 'ipv6')), prefix INTEGER NOT NULL
);

CREATE TABLE filesystem (
    id INTEGER PRIMARY KEY, vm_id INTEGER NOT NULL REFERENCES vm(id) ON DELETE CASCADE,
    valid_from INTEGER NOT NULL, valid_to INTEGER,
    mountpoint TEXT NOT NULL, device TEXT NOT NULL, type TEXT NOT NULL,
    disks TEXT NOT NULL              -- JSON array of GuestDiskAddress, as the agent sent it
);

CREATE TABLE vcpu (
    id INTEGER PRIMARY KEY, vm_id INTEGER NOT NULL REFERENCES vm(id) ON DELETE CASCADE,
    valid_from INTEGER NOT NULL, valid_to INTEGER,
    logical_id INTEGER NOT NULL, online INTEGER NOT NULL, can_offline INTEGER
);

CREATE TABLE memory (
    id INTEGER PRIMARY KEY, vm_id INTEGER NOT NULL REFERENCES vm(id) ON DELETE CASCADE,
    valid_from INTEGER NOT NULL, valid_to INTEGER,
    block_size INTEGER NOT NULL, blocks INTEGER, blocks_online INTEGER
);

CREATE TABLE user_session (
    id INTEGER PRIMARY KEY, vm_id INTEGER NOT NULL REFERENCES vm(id) ON DELETE CASCADE,
    valid_from INTEGER NOT NULL, valid_to INTEGER,
    user_name TEXT NOT NULL, domain TEXT, login_time REAL NOT NULL
);

-- Guest clock minus host clock, rounded to 100 ms: a new span only when that changes.
CREATE TABLE clock_drift (
    id INTEGER PRIMARY KEY, vm_id INTEGER NOT NULL REFERENCES vm(id) ON DELETE CASCADE,
    valid_from INTEGER NOT NULL, valid_to INTEGER,
    drift_ms INTEGER NOT NULL
);

-- One index shape for every span table: current rows by VM, history by VM and time.
CREATE INDEX agent_info_span ON agent_info(vm_id, valid_to, valid_from);
CREATE INDEX os_info_span ON os_info(vm_id, valid_to, valid_from);
CREATE INDEX host_name_span ON host_name(vm_id, valid_to, valid_from);
CREATE INDEX timezone_span ON timezone(vm_id, valid_to, valid_from);
CREATE INDEX interface_span ON interface(vm_id, valid_to, valid_from);
CREATE INDEX address_span ON address(vm_id, valid_to, valid_from);
CREATE INDEX filesystem_span ON filesystem(vm_id, valid_to, valid_from);
CREATE INDEX vcpu_span ON vcpu(vm_id, valid_to, valid_from);
CREATE INDEX memory_span ON memory(vm_id, valid_to, valid_from);
CREATE INDEX user_session_span ON user_session(vm_id, valid_to, valid_from);
CREATE INDEX clock_drift_span ON clock_drift(vm_id, valid_to, valid_from);

-- Gauges that move all the time are kept as the latest sample only (overwritten in place).
CREATE TABLE interface_counters (
    vm_id INTEGER NOT NULL REFERENCES vm(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    sampled_at INTEGER NOT NULL,
    rx_bytes INTEGER, rx_packets INTEGER, rx_errs INTEGER, rx_dropped INTEGER,
    tx_bytes INTEGER, tx_packets INTEGER, tx_errs INTEGER, tx_dropped INTEGER,
    PRIMARY KEY (vm_id, name)
) WITHOUT ROWID;

CREATE TABLE filesystem_usage (
    vm_id INTEGER NOT NULL REFERENCES vm(id) ON DELETE CASCADE,
    mountpoint TEXT NOT NULL,
    sampled_at INTEGER NOT NULL,
    used_bytes INTEGER, total_bytes INTEGER,
    PRIMARY KEY (vm_id, mountpoint)
) WITHOUT ROWID;

-- Commands a VM's agent refused as unknown or disabled; cleared by the next guest-info.
CREATE TABLE unsupported_command (
    vm_id INTEGER NOT NULL REFERENCES vm(id) ON DELETE CASCADE,
    command TEXT NOT NULL,
    since INTEGER NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (vm_id, command)
) WITHOUT ROWID;

-- Replies fleetd refused (too large, malformed, absurd values), counted per VM and reason
-- so that a hostile guest cannot grow this table without bound.
CREATE TABLE rejection (
    vm_id INTEGER NOT NULL REFERENCES vm(id) ON DELETE CASCADE,
    command TEXT NOT NULL,
    reason TEXT NOT NULL,
    count INTEGER NOT NULL,
    first_at INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    last_detail TEXT,
    PRIMARY KEY (vm_id, command, reason)
) WITHOUT ROWID;
