import OneMapStore

extension Feature {
    /// A named attribute as text (numbers without a trailing .0), empty when null or absent.
    func text(_ name: String, in layer: Layer) -> String {
        switch value(name, in: layer) {
        case .null: ""
        case .text(let s): s
        case .integer(let i): String(i)
        case .real(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        }
    }

    /// A named attribute as a number, nil when null or not numeric.
    func number(_ name: String, in layer: Layer) -> Double? {
        switch value(name, in: layer) {
        case .integer(let i): Double(i)
        case .real(let d): d
        case .text(let s): Double(s)
        case .null: nil
        }
    }
}
