import OneMapGeometry

/// What an edit does to its layer's catalog entry, change feed and audit log, worked out the
/// same way by every backend: the version goes up, the count and extent follow the feature, the
/// changed area is the union of the feature's boxes before and after.
struct EditBookkeeping {
    /// The catalog entry after the edit.
    let layer: Layer
    /// The changed area in storage CRS (nil: none known).
    let area: BoundingBox?
    let before: Feature?
    let after: Feature?

    init(layer current: Layer, before: Feature?, after: Feature?) {
        var layer = current
        layer.version += 1
        layer.featureCount += (after == nil ? 0 : 1) - (before == nil ? 0 : 1)
        var area = BoundingBox.empty
        if let b = before?.geometry?.boundingBox { area.extend(b) }
        if let a = after?.geometry?.boundingBox {
            area.extend(a)
            layer.extent = layer.extent.map { $0.union(a) } ?? a
        }
        self.layer = layer
        self.area = area.isEmpty ? nil : area
        self.before = before
        self.after = after
    }

    func auditEntry(action: String, principal: Principal) -> AuditEntry {
        AuditEntry(principal: principal.name, action: action, layerID: layer.id, featureID: after?.id ?? before?.id,
                   before: before.map { FeatureJSONWriter.text($0, layer: layer) },
                   after: after.map { FeatureJSONWriter.text($0, layer: layer) })
    }
}
