import OneMapGeometry
import OneMapStore

/// Everything that can go wrong in an analysis, with what the caller needs to fix it. The server
/// maps these to OGC API – Processes exceptions (RFC 7807 JSON) in one place.
public enum AnalysisError: Error, Equatable, Sendable {
    /// An input that is missing, malformed, of the wrong type or out of range; `input` names it.
    case invalidInput(input: String, detail: String)
    case noSuchProcess(String)
    case noSuchJob(String)
    /// A job's results were asked for before it finished.
    case resultNotReady(String)
    /// The job ended without results (failed or dismissed).
    case jobFailed(String)
    /// Rules or classification files under `Layers/` that are missing or broken.
    case invalidRules(path: String, problems: [String])
    /// The analysis needs a layer the store does not hold at all.
    case missingLayer(String)
}

extension AnalysisError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .invalidInput(let input, let detail): "input '\(input)': \(detail)"
        case .noSuchProcess(let id): "no process '\(id)'"
        case .noSuchJob(let id): "no job '\(id)'"
        case .resultNotReady(let id): "job '\(id)' has not finished; its results are not ready"
        case .jobFailed(let detail): detail
        case .invalidRules(let path, let problems): "invalid rules file \(path): " + problems.joined(separator: "; ")
        case .missingLayer(let id): "the store has no layer '\(id)', which this analysis needs"
        }
    }
}
