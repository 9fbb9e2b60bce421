/// Numbers from a client, turned into what fleetd computes with without any conversion that can
/// trap. The request validator has already held them to the document's bounds; these clamp again
/// so that a handler stays safe if a bound is ever loosened or a route skips validation.
enum ClientNumbers {
    /// `seconds` as whole milliseconds, held to `range`; NaN gives the range's lower bound.
    static func milliseconds(_ seconds: Double, within range: ClosedRange<Double>) -> Int64 {
        let held = seconds.isNaN ? range.lowerBound : min(max(seconds, range.lowerBound), range.upperBound)
        return Int64((held * 1000).rounded())
    }

    /// A count held to `range`.
    static func count(_ value: Int, within range: ClosedRange<Int>) -> Int {
        min(max(value, range.lowerBound), range.upperBound)
    }
}
