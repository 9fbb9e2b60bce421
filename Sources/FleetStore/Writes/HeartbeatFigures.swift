/// A VM's heartbeat, aggregated (a ping is never a row of its own): the `vm` row's heartbeat
/// columns, kept current in memory by `LiveHeartbeats`.
public struct HeartbeatFigures: Sendable, Equatable {
    public var pingOk: Int64 = 0
    public var pingMissed: Int64 = 0
    /// Time of the last good reply.
    public var lastSeen: Millis?
    public var rttLastUs: Int64?
    public var rttMinUs: Int64?
    public var rttMaxUs: Int64?
    /// Smoothed round trip: weight 1/8 per sample, as TCP smooths RTT; seeded by the first.
    public var rttEwmaUs: Double?

    public init() {}

    public init(of record: VMRecord) {
        pingOk = record.pingOk
        pingMissed = record.pingMissed
        lastSeen = record.lastSeen
        rttLastUs = record.rttLastUs
        rttMinUs = record.rttMinUs
        rttMaxUs = record.rttMaxUs
        rttEwmaUs = record.rttEwmaUs
    }

    public mutating func recordReply(rttMicros: Int64, at time: Millis) {
        pingOk += 1
        lastSeen = time
        rttLastUs = rttMicros
        rttMinUs = min(rttMinUs ?? rttMicros, rttMicros)
        rttMaxUs = max(rttMaxUs ?? rttMicros, rttMicros)
        rttEwmaUs = rttEwmaUs.map { $0 * 0.875 + Double(rttMicros) * 0.125 } ?? Double(rttMicros)
    }

    public mutating func recordMiss() { pingMissed += 1 }
}

extension VMRecord {
    /// The record with these heartbeat figures in place of its stored ones.
    func with(_ figures: HeartbeatFigures) -> VMRecord {
        var record = self
        record.pingOk = figures.pingOk
        record.pingMissed = figures.pingMissed
        record.lastSeen = figures.lastSeen
        record.rttLastUs = figures.rttLastUs
        record.rttMinUs = figures.rttMinUs
        record.rttMaxUs = figures.rttMaxUs
        record.rttEwmaUs = figures.rttEwmaUs
        return record
    }
}
