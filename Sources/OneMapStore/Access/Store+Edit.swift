import Foundation
import OneMapGeometry

/// A feature as a client sends it: geometry in `crs` and properties by name.
public struct FeatureInput: Sendable {
    public var geometry: Geometry?
    public var crs: CRS
    public var properties: [String: FeatureValue]

    public init(geometry: Geometry?, crs: CRS = .crs84, properties: [String: FeatureValue]) {
        self.geometry = geometry
        self.crs = crs
        self.properties = properties
    }
}

/// The outcome of an edit.
public struct EditResult: Sendable {
    public let feature: Feature
    public let layer: Layer
    public let etag: String
    /// Why the geometry was repaired, when it was.
    public let repaired: String?
}

extension Store {
    /// Adds a feature (id assigned by the store).
    /// - Throws: `.layerNotFound` (not visible), `.permissionDenied` (visible, not editable),
    ///   `.invalidGeometry`, `.invalidAttribute`.
    public func createFeature(in layerID: String, _ input: FeatureInput, for principal: Principal) throws -> EditResult {
        let layer = try editableLayer(layerID, for: principal)
        let (geometry, repaired) = try checkedGeometry(input, layer: layer, required: true)
        let values = try checkedValues(input.properties, layer: layer, base: nil)
        defer { try? refresh() }
        let (feature, after) = try backend.insert(Feature(id: 0, geometry: geometry, values: values), into: layer, by: principal)
        return EditResult(feature: feature, layer: after, etag: feature.etag, repaired: repaired)
    }

    /// Replaces a feature's geometry and every property (missing ones become null).
    /// - Parameter ifMatch: the ETag the client based the change on; a different current ETag fails.
    /// - Throws: as `createFeature`, plus `.featureNotFound` and `.staleVersion`.
    public func replaceFeature(_ fid: Int64, in layerID: String, _ input: FeatureInput, ifMatch: String?,
                               for principal: Principal) throws -> EditResult {
        let layer = try editableLayer(layerID, for: principal)
        let (geometry, repaired) = try checkedGeometry(input, layer: layer, required: true)
        let values = try checkedValues(input.properties, layer: layer, base: nil)
        defer { try? refresh() }
        let (feature, after) = try backend.modify(fid, of: layer, ifMatch: ifMatch, action: "replace", by: principal) { _ in
            Feature(id: fid, geometry: geometry, values: values)
        }
        return EditResult(feature: feature, layer: after, etag: feature.etag, repaired: repaired)
    }

    /// Changes the given properties (and the geometry, when given), keeping the rest.
    public func updateFeature(_ fid: Int64, in layerID: String, _ input: FeatureInput, ifMatch: String?,
                              for principal: Principal) throws -> EditResult {
        let layer = try editableLayer(layerID, for: principal)
        let (geometry, repaired) = try checkedGeometry(input, layer: layer, required: false)
        defer { try? refresh() }
        let (feature, after) = try backend.modify(fid, of: layer, ifMatch: ifMatch, action: "update", by: principal) { before in
            Feature(id: fid, geometry: geometry ?? before.geometry,
                    values: try self.checkedValues(input.properties, layer: layer, base: before.values))
        }
        return EditResult(feature: feature, layer: after, etag: feature.etag, repaired: repaired)
    }

    /// Removes a feature.
    public func deleteFeature(_ fid: Int64, in layerID: String, ifMatch: String?, for principal: Principal) throws {
        let layer = try editableLayer(layerID, for: principal)
        defer { try? refresh() }
        try backend.delete(fid, of: layer, ifMatch: ifMatch, by: principal)
    }

    /// A strong ETag for a feature's current content (geometry and values).
    public static func etag(_ feature: Feature) -> String { feature.etag }

    // MARK: steps

    func editableLayer(_ id: String, for principal: Principal) throws -> Layer {
        let layer = try self.layer(id, for: principal)
        guard layer.kind == .vector else { throw StoreError.unsupported("'\(id)' is not a vector layer; it cannot be edited") }
        if let owner = layer.managedBy {
            throw StoreError.permissionDenied("layer '\(id)' is kept by the \(owner) workflow; change it through /\(owner)")
        }
        guard AccessPolicy.canWrite(principal, layer) else { throw StoreError.permissionDenied("you may not edit layer '\(id)'") }
        return layer
    }

    // MARK: validation

    /// The geometry in the storage CRS, of the layer's type, valid (repaired when it can be).
    func checkedGeometry(_ input: FeatureInput, layer: Layer, required: Bool) throws -> (Geometry?, String?) {
        guard var g = input.geometry else {
            if required { throw StoreError.invalidGeometry("a geometry is required") }
            return (nil, nil)
        }
        guard let type = layer.geometryType else { throw StoreError.unsupported("layer '\(layer.id)' has no geometry type") }
        guard g.type.dimension == type.dimension, g.type != .geometryCollection else {
            throw StoreError.invalidGeometry("layer '\(layer.id)' holds \(type.name) features, not \(g.type.name)")
        }
        if g.isEmpty { throw StoreError.invalidGeometry("the geometry is empty") }
        if input.crs.isGeographic {
            var outside = false
            g.forEachCoordinate { c in if !(abs(c.x) <= 180 && abs(c.y) <= 90) { outside = true } }
            if outside { throw StoreError.invalidGeometry("coordinates outside longitude ±180 / latitude ±90 for \(input.crs); is the CRS right?") }
        }
        if input.crs != layer.storageCRS {
            g = try CoordinateTransform(from: input.crs, to: layer.storageCRS).apply(g)
        }
        var repaired: String?
        switch try GeometryRepair().check(g, dimension: type.dimension ?? 2) {
        case .valid(let v): g = v
        case .repaired(let v):
            repaired = (try? GEOSContext().validityReason(g)) ?? "invalid geometry"
            g = v
        case .empty:
            throw StoreError.invalidGeometry("\((try? GEOSContext().validityReason(g)) ?? "invalid"), and it cannot be repaired")
        }
        if type != type.singular {
            g = g.asMulti
        } else if g.type != type {
            let parts = g.parts
            guard parts.count == 1 else {
                throw StoreError.invalidGeometry("layer '\(layer.id)' holds single \(type.name) features; got \(parts.count) parts" + (repaired.map { " (after repairing: \($0))" } ?? ""))
            }
            g = parts[0]
        }
        return (g, repaired)
    }

    /// Values in attribute order: `properties` checked against the schema over `base` (nil: all null).
    func checkedValues(_ properties: [String: FeatureValue], layer: Layer, base: [FeatureValue]?) throws -> [FeatureValue] {
        for name in properties.keys where layer.attribute(name) == nil {
            throw StoreError.invalidAttribute("unknown property '\(name)' (the layer's properties: \(layer.attributes.map(\.name).joined(separator: ", ")))")
        }
        return try layer.attributes.enumerated().map { i, field in
            let value = properties[field.name] ?? base?[i] ?? .null
            if value.isNull {
                if field.required { throw StoreError.invalidAttribute("'\(field.name)' is required") }
                return .null
            }
            return try Self.checked(value, field)
        }
    }

    /// A value of the field's type: numbers for numeric fields (integers exact), text for text,
    /// ISO 8601 text for dates. No silent conversions between text and numbers.
    static func checked(_ value: FeatureValue, _ field: AttributeField) throws -> FeatureValue {
        func bad(_ expected: String) -> StoreError {
            .invalidAttribute("'\(field.name)' must be \(expected), not \(value.typeDescription) \(value.debugText)")
        }
        switch (field.type, value) {
        case (.integer, .integer), (.real, .real), (.text, .text): return value
        case (.integer, .real(let d)):
            guard d == d.rounded(), abs(d) < 9e15 else { throw bad("an integer") }
            return .integer(Int64(d))
        case (.real, .integer(let i)): return .real(Double(i))
        case (.date, .text(let s)):
            guard isISODate(s) else { throw bad("an ISO 8601 date (YYYY-MM-DD) or date-time") }
            return value
        case (.integer, _): throw bad("an integer")
        case (.real, _): throw bad("a number")
        case (.text, _): throw bad("a string")
        case (.date, _): throw bad("an ISO 8601 date string")
        }
    }

    public static func isISODate(_ s: String) -> Bool {
        let date = /\d{4}-\d{2}-\d{2}/
        let dateTime = /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?/
        return s.wholeMatch(of: date) != nil || s.wholeMatch(of: dateTime) != nil
    }
}

extension FeatureValue {
    var typeDescription: String {
        switch self {
        case .null: "null"
        case .integer, .real: "the number"
        case .text: "the string"
        }
    }

    var debugText: String {
        if case .text(let s) = self { return "\"\(s.prefix(40))\"" }
        return description
    }
}
