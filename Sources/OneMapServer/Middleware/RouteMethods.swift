import HTTPTypes
import Hummingbird
import Synchronization

/// The methods each registered path answers, so that a known path asked with a method it does
/// not have gets 405 with `Allow` (RFC 9110 §15.5.6) rather than the router's 404.
final class RouteMethods: Sendable {
    private let table = Mutex<[(path: RouterPath, methods: Set<HTTPRequest.Method>)]>([])

    /// Reads the router's routes; called once all route families are registered.
    func load(_ routes: [(path: RouterPath, method: HTTPRequest.Method)]) {
        var byPath: [String: (RouterPath, Set<HTTPRequest.Method>)] = [:]
        for route in routes {
            byPath[route.path.description, default: (route.path, [])].1.insert(route.method)
        }
        table.withLock { $0 = byPath.values.map { (path: $0.0, methods: $0.1) } }
    }

    /// The methods some route answers at `path` (HEAD wherever GET is), empty for unknown paths.
    func allowed(at path: String) -> [HTTPRequest.Method] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var methods = Set<HTTPRequest.Method>()
        table.withLock { table in
            for route in table where Self.matches(route.path.components, parts) { methods.formUnion(route.methods) }
        }
        if methods.contains(.get) { methods.insert(.head) }
        return methods.sorted { $0.rawValue < $1.rawValue }
    }

    static func matches(_ pattern: [RouterPath.Element], _ parts: [Substring]) -> Bool {
        for (k, element) in pattern.enumerated() {
            if element.description == "**" { return k < parts.count }
            guard k < parts.count, element ~= parts[k] else { return false }
        }
        return pattern.count == parts.count
    }
}
