/// One line of the append-only audit log, as read back.
public struct AuditRecord: Sendable, Hashable {
    public var sequence: Int64
    /// ISO 8601 UTC.
    public var at: String
    public var principal: String
    /// `create`, `replace`, `update`, `delete`, a read of confidential data (`read`), an account
    /// change (`user.save`, `token.create`, …) or a domain action (`case.dispatch`, …).
    public var action: String
    public var layerID: String?
    public var featureID: Int64?
    /// The feature as GeoJSON before and after an edit (storage CRS).
    public var before: String?
    public var after: String?
    public var detail: String?
}

/// A record to append; the backend stamps the time and the sequence number.
public struct AuditEntry: Sendable, Hashable {
    public var principal: String
    public var action: String
    public var layerID: String?
    public var featureID: Int64?
    public var before: String?
    public var after: String?
    public var detail: String?

    public init(principal: String, action: String, layerID: String? = nil, featureID: Int64? = nil, before: String? = nil,
                after: String? = nil, detail: String? = nil) {
        self.principal = principal
        self.action = action
        self.layerID = layerID
        self.featureID = featureID
        self.before = before
        self.after = after
        self.detail = detail
    }
}
