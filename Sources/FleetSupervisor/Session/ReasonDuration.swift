/// A duration as the reasons fleetd records say it: whole minutes as "10 min", else seconds
/// ("90 s"), so that one limit reads the same in every reason.
enum ReasonDuration {
    static func text(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        return seconds % 60 == 0 && seconds >= 60 ? "\(seconds / 60) min" : "\(seconds) s"
    }
}
