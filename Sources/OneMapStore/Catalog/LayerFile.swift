import Foundation
import OneMapGeometry

/// A layer definition file in `Layers/` (`<id>.json`): the metadata the catalog mirrors.
///
/// The loader reports every problem at once, each with its JSON path, and rejects unknown keys
/// rather than ignoring them (a misspelt "acess" must not silently publish a layer).
public struct LayerFile: Sendable, Hashable {
    public var path: String
    public var id: String
    public var title: String
    public var group: String
    public var kind: LayerKind
    public var geometryType: GeometryType?
    public var storageCRS: CRS?
    public var access: AccessLevel
    public var synthetic: Bool
    public var source: String?
    public var description: String?
    public var attributes: [AttributeField]

    static let topKeys: Set<String> = [
        "id", "title", "group", "kind", "geometryType", "storageCrs", "access", "synthetic", "source", "description", "attributes",
    ]
    static let attributeKeys: Set<String> = ["name", "type", "title", "required", "searchable", "codes"]

    public init(path: String, id: String, title: String, group: String, kind: LayerKind, geometryType: GeometryType?,
                storageCRS: CRS?, access: AccessLevel, synthetic: Bool, source: String?, description: String?,
                attributes: [AttributeField]) {
        self.path = path
        self.id = id
        self.title = title
        self.group = group
        self.kind = kind
        self.geometryType = geometryType
        self.storageCRS = storageCRS
        self.access = access
        self.synthetic = synthetic
        self.source = source
        self.description = description
        self.attributes = attributes
    }

    /// Reads and validates one file.
    /// - Throws: `StoreError.invalidLayerFile` listing every problem with its JSON path.
    public static func load(path: String) throws -> LayerFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw StoreError.sourceMissing(path) }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw StoreError.invalidLayerFile(path: path, problems: ["not valid JSON"])
        }
        guard let dict = object as? [String: Any] else {
            throw StoreError.invalidLayerFile(path: path, problems: ["$ must be an object"])
        }
        var problems: [String] = []
        for key in dict.keys.sorted() where !topKeys.contains(key) { problems.append("$.\(key): unknown key") }
        func string(_ key: String, required: Bool) -> String? {
            guard let value = dict[key] else {
                if required { problems.append("$.\(key): missing") }
                return nil
            }
            guard let s = value as? String else {
                problems.append("$.\(key): must be a string")
                return nil
            }
            return s
        }
        let id = string("id", required: true) ?? ""
        if !id.isEmpty && !Layer.isValidID(id) { problems.append("$.id: '\(id)' is not a valid layer id") }
        let expectedName = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        if !id.isEmpty && id != expectedName { problems.append("$.id: '\(id)' does not match the file name '\(expectedName)'") }
        let title = string("title", required: true) ?? id
        let group = string("group", required: true) ?? "other"
        var kind = LayerKind.vector
        if let k = string("kind", required: true) {
            if let parsed = LayerKind(rawValue: k) { kind = parsed } else { problems.append("$.kind: '\(k)' is not vector, dem or dom") }
        }
        var geometryType: GeometryType?
        if let g = string("geometryType", required: false) {
            // `Geometry`: mixed types, for layers kept by a service (incidents: points and areas).
            if g == "Geometry" { geometryType = .geometryCollection } else if let parsed = GeometryType(name: g), parsed != .geometryCollection { geometryType = parsed } else {
                problems.append("$.geometryType: '\(g)' is not a simple-features type")
            }
        }
        var crs: CRS?
        if let c = string("storageCrs", required: false) {
            do { crs = try CRS(parsing: c) } catch { problems.append("$.storageCrs: unknown CRS '\(c)'") }
            if crs == .gcj02 { problems.append("$.storageCrs: GCJ-02 is converted on import, not stored"); crs = nil }
        }
        var access = AccessLevel.public
        if let a = string("access", required: true) {
            if let parsed = AccessLevel(rawValue: a) { access = parsed } else {
                problems.append("$.access: '\(a)' is not public, internal or confidential")
            }
        }
        var synthetic = false
        if let s = dict["synthetic"] {
            if let b = s as? Bool { synthetic = b } else { problems.append("$.synthetic: must be true or false") }
        }
        var attributes: [AttributeField] = []
        if let raw = dict["attributes"] {
            if let list = raw as? [Any] {
                for (i, item) in list.enumerated() {
                    let p = "$.attributes[\(i)]"
                    guard let a = item as? [String: Any] else {
                        problems.append("\(p): must be an object")
                        continue
                    }
                    for key in a.keys.sorted() where !attributeKeys.contains(key) { problems.append("\(p).\(key): unknown key") }
                    guard let name = a["name"] as? String, !name.isEmpty else {
                        problems.append("\(p).name: missing")
                        continue
                    }
                    if name == "fid" || name == "geom" { problems.append("\(p).name: '\(name)' is reserved") }
                    guard let typeName = a["type"] as? String, let type = AttributeType(rawValue: typeName) else {
                        problems.append("\(p).type: must be integer, real, text or date")
                        continue
                    }
                    if let t = a["title"], !(t is String) { problems.append("\(p).title: must be a string") }
                    var codes: [String: String]?
                    if let c = a["codes"] {
                        if let dict = c as? [String: String] { codes = dict } else { problems.append("\(p).codes: must map strings to strings") }
                    }
                    attributes.append(AttributeField(
                        name: name, type: type, title: a["title"] as? String, required: a["required"] as? Bool ?? false,
                        searchable: a["searchable"] as? Bool ?? false, codes: codes))
                }
                let names = attributes.map(\.name)
                for name in Set(names) where names.filter({ $0 == name }).count > 1 {
                    problems.append("$.attributes: '\(name)' appears twice")
                }
            } else {
                problems.append("$.attributes: must be an array")
            }
        }
        if kind == .vector && geometryType == nil && dict["geometryType"] == nil {
            // Allowed: the import decides from the source.
        }
        guard problems.isEmpty else { throw StoreError.invalidLayerFile(path: path, problems: problems) }
        return LayerFile(
            path: path, id: id, title: title, group: group, kind: kind, geometryType: geometryType, storageCRS: crs,
            access: access, synthetic: synthetic, source: string("source", required: false),
            description: string("description", required: false), attributes: attributes)
    }

    /// Every `*.json` in `directory`, sorted by id.
    /// - Throws: the problems of every broken file, together.
    public static func loadAll(directory: String) throws -> [LayerFile] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var files: [LayerFile] = []
        var problems: [String] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            do { files.append(try load(path: (directory as NSString).appendingPathComponent(name))) } catch let StoreError.invalidLayerFile(path, p) {
                problems += p.map { "\(URL(fileURLWithPath: path).lastPathComponent) \($0)" }
            }
        }
        guard problems.isEmpty else { throw StoreError.invalidLayerFile(path: directory, problems: problems) }
        return files
    }

    /// Copies the descriptive metadata onto a catalog entry (never the data-bound fields:
    /// kind, geometry type, storage CRS and attribute types come from the imported data).
    func applyMetadata(to layer: inout Layer) {
        layer.title = title
        layer.group = group
        layer.access = access
        layer.synthetic = synthetic
        if let description { layer.description = description }
        for (i, attribute) in layer.attributes.enumerated() {
            if let declared = attributes.first(where: { $0.name == attribute.name }) {
                layer.attributes[i].title = declared.title
                layer.attributes[i].searchable = declared.searchable
                layer.attributes[i].required = declared.required
                layer.attributes[i].codes = declared.codes
            }
        }
    }

    /// A layer file describing an imported layer (written when the layer had none).
    public static func describing(_ layer: Layer, directory: String) -> LayerFile {
        LayerFile(
            path: (directory as NSString).appendingPathComponent("\(layer.id).json"), id: layer.id, title: layer.title,
            group: layer.group, kind: layer.kind, geometryType: layer.geometryType, storageCRS: layer.storageCRS,
            access: layer.access, synthetic: layer.synthetic, source: layer.source, description: layer.description,
            attributes: layer.attributes)
    }

    /// Writes the file as pretty JSON with keys in a fixed order.
    public func write() throws {
        var lines = ["{"]
        func q(_ s: String) -> String {
            let data = try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
            return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
        }
        var fields: [String] = [
            "  \"id\": \(q(id))", "  \"title\": \(q(title))", "  \"group\": \(q(group))", "  \"kind\": \(q(kind.rawValue))",
        ]
        if let geometryType { fields.append("  \"geometryType\": \(q(geometryType.name))") }
        if let storageCRS { fields.append("  \"storageCrs\": \(q(storageCRS.identifier))") }
        fields.append("  \"access\": \(q(access.rawValue))")
        fields.append("  \"synthetic\": \(synthetic)")
        if let source { fields.append("  \"source\": \(q(source))") }
        if let description { fields.append("  \"description\": \(q(description))") }
        var attrs: [String] = []
        for a in attributes {
            var parts = ["\"name\": \(q(a.name))", "\"type\": \(q(a.type.rawValue))"]
            if let t = a.title { parts.append("\"title\": \(q(t))") }
            if a.required { parts.append("\"required\": true") }
            if a.searchable { parts.append("\"searchable\": true") }
            if let codes = a.codes {
                parts.append("\"codes\": {" + codes.keys.sorted().map { "\(q($0)): \(q(codes[$0]!))" }.joined(separator: ", ") + "}")
            }
            attrs.append("    {" + parts.joined(separator: ", ") + "}")
        }
        fields.append("  \"attributes\": [\n" + attrs.joined(separator: ",\n") + "\n  ]")
        lines.append(fields.joined(separator: ",\n"))
        lines.append("}")
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}
