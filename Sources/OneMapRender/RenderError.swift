/// Errors from loading styles and rendering tiles.
public enum RenderError: Error, Equatable, Sendable {
    /// Problems in a style, each naming its JSON path (`layers[3].paint.line-width: …`).
    case invalidStyle(name: String, problems: [String])
    case unknownMap(String)
    case unknownTileMatrixSet(String)
    /// A tile outside the matrix set's range; the message names the valid range.
    case tileOutOfRange(String)
    case unsupported(String)
    case fontNotFound(String)
    case encodingFailed(String)
    /// Cairo reported an error while drawing.
    case drawingFailed(String)
}

extension RenderError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .invalidStyle(let name, let problems): "style \(name) is invalid: " + problems.joined(separator: "; ")
        case .unknownMap(let id): "no map '\(id)'"
        case .unknownTileMatrixSet(let id): "no tile matrix set '\(id)'"
        case .tileOutOfRange(let detail): detail
        case .unsupported(let detail): detail
        case .fontNotFound(let font): "font '\(font)' is not installed"
        case .encodingFailed(let detail): "PNG encoding failed: \(detail)"
        case .drawingFailed(let detail): "drawing failed: \(detail)"
        }
    }
}
