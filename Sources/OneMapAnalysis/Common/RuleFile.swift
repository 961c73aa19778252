import Foundation
import OneMapGeometry

/// Reads a rules file under `Layers/` (JSON), collecting every problem with its JSON path and
/// every key it did not use, so a broken or misspelt file is reported whole when it loads
/// rather than silently half-applied.
public final class RuleFile {
    public let path: String
    private(set) var problems: [String] = []

    /// One object of the file, with the keys read from it.
    public final class Node {
        let value: JSONValue
        let path: String
        let file: RuleFile
        private var used: Set<String> = []

        init(_ value: JSONValue, path: String, file: RuleFile) {
            self.value = value
            self.path = path
            self.file = file
        }

        func member(_ key: String) -> JSONValue? {
            used.insert(key)
            guard let v = value[key], v != .null else { return nil }
            return v
        }

        public func string(_ key: String) -> String? {
            guard let v = member(key) else { file.problems.append("\(path).\(key) is missing"); return nil }
            guard let s = v.string else { file.problems.append("\(path).\(key) must be a string"); return nil }
            return s
        }

        public func optionalString(_ key: String) -> String? {
            guard let v = member(key) else { return nil }
            guard let s = v.string else { file.problems.append("\(path).\(key) must be a string"); return nil }
            return s
        }

        public func number(_ key: String) -> Double? {
            guard let v = member(key) else { file.problems.append("\(path).\(key) is missing"); return nil }
            guard let d = v.number else { file.problems.append("\(path).\(key) must be a number"); return nil }
            return d
        }

        public func optionalNumber(_ key: String) -> Double? {
            guard let v = member(key) else { return nil }
            guard let d = v.number else { file.problems.append("\(path).\(key) must be a number"); return nil }
            return d
        }

        public func optionalBool(_ key: String) -> Bool? {
            guard let v = member(key) else { return nil }
            guard let b = v.bool else { file.problems.append("\(path).\(key) must be true or false"); return nil }
            return b
        }

        public func strings(_ key: String, required: Bool = false) -> [String] {
            guard let v = member(key) else {
                if required { file.problems.append("\(path).\(key) is missing") }
                return []
            }
            guard let a = v.array, a.allSatisfy({ $0.string != nil }) else { file.problems.append("\(path).\(key) must be a list of strings"); return [] }
            return a.compactMap(\.string)
        }

        public func object(_ key: String, required: Bool = true) -> Node? {
            guard let v = member(key) else {
                if required { file.problems.append("\(path).\(key) is missing") }
                return nil
            }
            guard v.object != nil else { file.problems.append("\(path).\(key) must be an object"); return nil }
            return file.node(v, path: "\(path).\(key)")
        }

        public func objects(_ key: String, required: Bool = true) -> [Node] {
            guard let v = member(key) else {
                if required { file.problems.append("\(path).\(key) is missing") }
                return []
            }
            guard let a = v.array else { file.problems.append("\(path).\(key) must be a list"); return [] }
            return a.enumerated().compactMap { i, item in
                guard item.object != nil else { file.problems.append("\(path).\(key)[\(i)] must be an object"); return nil }
                return file.node(item, path: "\(path).\(key)[\(i)]")
            }
        }

        /// A string → string map (code tables).
        public func table(_ key: String) -> [String: String] {
            guard let v = member(key) else { file.problems.append("\(path).\(key) is missing"); return [:] }
            guard let o = v.object else { file.problems.append("\(path).\(key) must be an object"); return [:] }
            var out: [String: String] = [:]
            for (k, item) in o {
                guard let s = item.string else { file.problems.append("\(path).\(key).\(k) must be a string"); continue }
                out[k] = s
            }
            return out
        }

        /// Every key of this object, for maps whose keys are data (codes).
        public var keys: [String] { value.object?.map(\.0) ?? [] }

        /// Records a problem at this node.
        public func problem(_ message: String, key: String? = nil) {
            file.problems.append("\(path)\(key.map { ".\($0)" } ?? ""): \(message)")
        }

        /// Keys present but never read (misspellings, unsupported options).
        func unused() -> [String] {
            (value.object ?? []).map(\.0).filter { !used.contains($0) && !$0.hasPrefix("//") && !$0.hasPrefix("$comment") }.map { "\(path).\($0) is not a known key" }
        }
    }

    private var nodes: [Node] = []
    private let rootValue: JSONValue

    /// Reads and parses the file.
    /// - Throws: `AnalysisError.invalidRules` when it is missing or not JSON.
    public init(path: String) throws {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AnalysisError.invalidRules(path: path, problems: ["the file is missing"])
        }
        do { rootValue = try JSONValue.parse([UInt8](data)) } catch {
            throw AnalysisError.invalidRules(path: path, problems: ["not JSON: \(error)"])
        }
    }

    func node(_ value: JSONValue, path: String) -> Node {
        let n = Node(value, path: path, file: self)
        nodes.append(n)
        return n
    }

    /// The file's top-level object.
    public func top() throws -> Node {
        guard rootValue.object != nil else { throw AnalysisError.invalidRules(path: path, problems: ["the file must hold a JSON object"]) }
        return node(rootValue, path: "$")
    }

    /// Ends reading: every problem and unknown key, if any, at once.
    /// - Throws: `AnalysisError.invalidRules`.
    public func finish() throws {
        let all = problems + nodes.flatMap { $0.unused() }
        if !all.isEmpty { throw AnalysisError.invalidRules(path: path, problems: all) }
    }
}
