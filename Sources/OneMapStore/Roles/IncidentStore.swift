import OneMapGeometry

/// The incidents role: emergency incidents (突发事件) in a table of their own, offered as a
/// read-only layer (`incidents`) so the tile service draws them and OGC API – Features serves
/// them; and the recent positions of emergency units (vehicles, teams) for the live situation
/// and its replay. Every incident write records its area in the change feed, so exactly the
/// tiles around it go stale.
public protocol IncidentStore: Sendable {
    /// Adds an incident (and its audit record) in one transaction. - Returns: it with its id.
    func insertIncident(_ record: IncidentRecord, audit: AuditEntry?) throws -> IncidentRecord

    /// Changes an incident if it is still at `expectedVersion` (version + 1), with its audit
    /// record, in one transaction.
    /// - Throws: `StoreError.staleVersion`; `.featureNotFound`.
    func updateIncident(_ record: IncidentRecord, expectedVersion: Int, audit: AuditEntry?) throws -> IncidentRecord

    func incident(_ id: Int64) throws -> IncidentRecord?
    /// Incidents, newest first; only those whose status is in `statuses` when given.
    func incidents(statuses: [String]?) throws -> [IncidentRecord]

    /// The incident layer's catalog entry (the managed layer), creating it if missing.
    func ensureIncidentLayer(title: String, access: AccessLevel) throws

    /// Appends unit positions (one transaction), and forgets those older than `keepSince`.
    func appendPositions(_ positions: [UnitPosition], keepSince: String) throws
    /// Positions reported at or after `since` (ISO 8601), oldest first.
    func positions(since: String) throws -> [UnitPosition]
}

/// One emergency incident (突发事件).
public struct IncidentRecord: Sendable, Hashable {
    public var id: Int64
    public var title: String
    /// GB/T 35561 category code (`natural`, `accident`, `health`, `social`) and its subtype.
    public var category: String
    public var subtype: String
    /// `I` (特别重大) … `IV` (一般).
    public var level: String
    public var status: String
    /// A point or an area, CGCS2000 lon/lat.
    public var geometry: Geometry
    /// ISO 8601.
    public var occurredAt: String
    public var updatedAt: String
    public var notes: String
    public var reporter: String
    public var version: Int

    public init(id: Int64 = 0, title: String, category: String, subtype: String, level: String, status: String, geometry: Geometry,
                occurredAt: String, updatedAt: String, notes: String = "", reporter: String, version: Int = 1) {
        self.id = id
        self.title = title
        self.category = category
        self.subtype = subtype
        self.level = level
        self.status = status
        self.geometry = geometry
        self.occurredAt = occurredAt
        self.updatedAt = updatedAt
        self.notes = notes
        self.reporter = reporter
        self.version = version
    }
}

/// Where an emergency unit (a fire engine, an ambulance, a rescue team) was at a moment.
public struct UnitPosition: Sendable, Hashable {
    public var unit: String
    /// fire, ambulance, police, rescue, …
    public var kind: String
    public var name: String
    /// CGCS2000 lon/lat.
    public var location: Coordinate
    /// Degrees clockwise from north, and km/h, when the unit reports them.
    public var heading: Double?
    public var speed: Double?
    /// ISO 8601 with milliseconds.
    public var at: String
    /// Who posted it.
    public var reporter: String

    public init(unit: String, kind: String, name: String, location: Coordinate, heading: Double? = nil, speed: Double? = nil, at: String,
                reporter: String) {
        self.unit = unit
        self.kind = kind
        self.name = name
        self.location = location
        self.heading = heading
        self.speed = speed
        self.at = at
        self.reporter = reporter
    }
}
