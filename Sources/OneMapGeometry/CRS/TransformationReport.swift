/// How exact a conversion between two CRSs is: what PROJ (or OneMap) does and to how many
/// metres, recorded with every import and shown by `onemap layers`.
public struct TransformationReport: Codable, Hashable, Sendable, CustomStringConvertible {
    /// The operation's name: PROJ's ("Inverse of British National Grid + OSGB36 to WGS 84 (6)"),
    /// or OneMap's for the steps it does itself.
    public var operation: String
    /// Metres; nil when PROJ does not know (a ballpark, or parameters without a stated accuracy).
    public var accuracy: Double?
    /// True when the datum shift is a guess (PROJ's "ballpark" transformation), accepted on purpose.
    public var ballpark: Bool
    /// True when the path goes through WGS 84 taken as CGCS2000 (they differ by centimetres).
    public var viaWGS84: Bool

    public init(operation: String, accuracy: Double?, ballpark: Bool = false, viaWGS84: Bool = false) {
        self.operation = operation
        self.accuracy = accuracy
        self.ballpark = ballpark
        self.viaWGS84 = viaWGS84
    }

    /// The same CRS, or a conversion without a datum change.
    public static let exact = TransformationReport(operation: "no datum change", accuracy: 0)

    /// "2 m", "unknown accuracy, ballpark", …
    public var accuracyText: String {
        var parts = [accuracy.map { $0 < 0.01 ? "exact" : ($0 < 1 ? String(format: "%.2f m", $0) : String(format: "%g m", $0)) } ?? "unknown accuracy"]
        if ballpark { parts.append("ballpark: the datum shift is ignored") }
        if viaWGS84 { parts.append("through WGS 84 taken as CGCS2000 (centimetres apart)") }
        return parts.joined(separator: ", ")
    }

    public var description: String { "\(operation) (\(accuracyText))" }

    /// Two steps one after the other: names joined, accuracies added (unknown if either is).
    func then(_ next: TransformationReport) -> TransformationReport {
        if self == .exact { return next }
        if next == .exact { return self }
        return TransformationReport(operation: operation + " + " + next.operation,
                                    accuracy: accuracy.flatMap { a in next.accuracy.map { a + $0 } },
                                    ballpark: ballpark || next.ballpark, viaWGS84: viaWGS84 || next.viaWGS84)
    }
}

/// What an import does when PROJ offers only a ballpark transformation.
public enum BallparkPolicy: Sendable {
    /// Go through WGS 84 when that path is real, else refuse (the default).
    case refuse
    /// Accept the ballpark guess (`--allow-ballpark`), and record it as such.
    case allow
}
