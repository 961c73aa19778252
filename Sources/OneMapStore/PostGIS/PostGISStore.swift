import Foundation
import Crypto
import Logging
import Synchronization
import OneMapGeometry

/// The scale-out backend: every store role in PostgreSQL/PostGIS, so several `onemap serve`
/// instances share one database. Vector layers are tables with typed columns, a `geometry`
/// column with its SRID and a GiST index; exact spatial tests are PostGIS's (GEOS, as in
/// SpatiaLite); routing is pgRouting's. Every change is announced with NOTIFY; each process
/// listens on a connection of its own (`PGListener`). libpq and the SQL text stay inside this
/// folder.
///
/// Ownership: owns a `PGPool` (and one for a read replica); thread rule: `Sendable`, each call
/// takes its own connection.
public final class PostGISStore: StoreBackend {
    /// The database URL without its password.
    public let location: String
    let pool: PGPool
    /// The channel every change is announced on (its payload: the change's sequence number).
    public static let changeChannel = "onemap_changes"

    /// Connects and brings the schema up to date (migrations run under an advisory lock, so
    /// instances starting together apply each once).
    /// - Throws: `StoreError.database` with the server's message when the database cannot be used.
    /// - Parameter readReplica: a streaming replica of the same database: the catalog, the change
    ///   feed, features, rasters and search are read there; writes, accounts and jobs (which a
    ///   caller reads back at once) stay on the primary.
    /// - Parameter readOnly: only read: no migration is applied (the schema must be current), as
    ///   for the source of a copy or a standby.
    public init(url: String, readOnly: Bool = false, readReplica: String? = nil, logger: Logger = Logger(label: "onemap.store")) throws {
        location = PGURL.redacted(url)
        pool = try PGPool(url: url)
        reads = try readReplica.map { try PGPool(url: $0) } ?? pool
        hasReplica = readReplica != nil
        listener = PGListener(url: url, channel: Self.changeChannel)
        if readOnly {
            let applied = try pool.with { try PostGISMigrations.appliedVersion($0, creating: false) }
            guard applied == PostGISMigrations.steps.count else {
                throw StoreError.schemaMismatch("the store at \(location) has schema \(applied), this OneMap needs \(PostGISMigrations.steps.count): open it once for writing")
            }
        } else {
            try PostGISMigrations.migrate(pool, logger: logger)
        }
    }

    /// Where reads of shared data go: the replica when there is one, else the primary.
    let reads: PGPool
    let hasReplica: Bool

    deinit { listener.stop() }

    /// The standing connection (change announcements, this process's presence), started on
    /// first need: a command that only reads never opens it.
    let listener: PGListener
    private let listening = Mutex<Bool>(false)

    /// Starts the listener once.
    func startListening() throws {
        try listening.withLock { started in
            if started { return }
            try listener.start()
            started = true
        }
    }

    /// Every change committed by any instance calls `handler` (on the listener's thread).
    ///
    /// Announcements come from the primary; with a replica the handler runs once the replica has
    /// replayed the announced change (up to 5 s), so a refresh reads data and change feed as of
    /// at least that change.
    public func observeChanges(_ handler: @escaping @Sendable () -> Void) throws -> Bool {
        if hasReplica {
            listener.observe { [weak self] sequence in
                guard let self else { return }
                let deadline = Date().addingTimeInterval(5)
                while Date() < deadline, ((try? self.latestChangeSequence()) ?? 0) < sequence { Thread.sleep(forTimeInterval: 0.02) }
                handler()
            }
        } else {
            listener.observe { _ in handler() }
        }
        try startListening()
        return true
    }

    public var schemaVersion: Int {
        get throws { try pool.with { try PostGISMigrations.appliedVersion($0, creating: false) } }
    }

    /// PostgreSQL keeps its files complete by itself; an ANALYZE after big loads keeps plans good.
    public func checkpoint() throws {
        try pool.with { try $0.execute("ANALYZE") }
    }

    /// A layer's table: `layer_<id>`, with the version when it replaces an older table (so the
    /// new one is loaded beside the old), kept to 50 bytes so that the names PostgreSQL derives
    /// from it (sequence, indexes) stay within its 63 (a long id is cut and given a hash).
    static func tableName(for layer: String, version: Int = 1) -> String {
        let base = version <= 1 ? "layer_\(layer)" : "layer_\(layer)_v\(version)"
        guard base.utf8.count > 50 else { return base }
        let digest = SHA256.hash(data: Data(base.utf8)).prefix(4).map { String(format: "%02x", $0) }.joined()
        return "layer_\(layer.prefix(32))_\(digest)"
    }

    func srid(_ layer: Layer) throws -> Int {
        guard let srid = layer.storageCRS.epsg else { throw StoreError.unsupported("layer '\(layer.id)' has no EPSG storage CRS") }
        return srid
    }
}

extension AttributeType {
    /// The PostgreSQL column type.
    var postgresType: String {
        switch self {
        case .integer: "bigint"
        case .real: "double precision"
        case .text, .date: "text"
        }
    }
}

/// The schema, one numbered step at a time; `onemap_migrations` records the steps applied.
enum PostGISMigrations {
    static let steps: [String] = [
        // 1: the catalog, the change feed (announced by NOTIFY), the audit log.
        """
        CREATE EXTENSION IF NOT EXISTS postgis;
        CREATE TABLE onemap_layers (id text PRIMARY KEY, version integer NOT NULL, entry jsonb NOT NULL);
        CREATE TABLE onemap_changes (
            seq bigserial PRIMARY KEY, layer_id text NOT NULL, version integer NOT NULL,
            min_x double precision, min_y double precision, max_x double precision, max_y double precision);
        CREATE FUNCTION onemap_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify('\(PostGISStore.changeChannel)', NEW.seq::text); RETURN NEW; END $$;
        CREATE TRIGGER onemap_changes_announce AFTER INSERT ON onemap_changes
            FOR EACH ROW EXECUTE FUNCTION onemap_announce_change();
        CREATE TABLE onemap_audit (
            seq bigserial PRIMARY KEY, at text NOT NULL, principal text NOT NULL, action text NOT NULL,
            layer_id text, feature_id bigint, before text, after text, detail text);
        CREATE INDEX onemap_audit_at ON onemap_audit (at);
        """,
        // 2: an append-only audit log; roles, users and tokens (hashes only); analysis jobs, each
        // with the runner (process) executing it.
        """
        CREATE FUNCTION onemap_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
        CREATE TRIGGER onemap_audit_no_change BEFORE UPDATE OR DELETE ON onemap_audit
            FOR EACH ROW EXECUTE FUNCTION onemap_audit_append_only();
        CREATE TABLE onemap_roles (
            name text PRIMARY KEY, level text NOT NULL CHECK (level IN ('public', 'internal', 'confidential')),
            read_layers jsonb NOT NULL DEFAULT '[]', write_layers jsonb NOT NULL DEFAULT '[]', description text);
        INSERT INTO onemap_roles VALUES
            ('viewer', 'internal', '[]', '[]', 'reads public and internal layers'),
            ('analyst', 'confidential', '[]', '[]', 'reads every layer, confidential ones too'),
            ('editor', 'internal', '[]', '["*"]', 'reads and edits public and internal layers'),
            ('admin', 'confidential', '[]', '["*"]', 'reads and edits every layer');
        CREATE TABLE onemap_users (name text PRIMARY KEY, roles text NOT NULL, created_at text NOT NULL, password_hash text);
        CREATE TABLE onemap_tokens (
            id bigserial PRIMARY KEY, user_name text NOT NULL REFERENCES onemap_users(name) ON DELETE CASCADE,
            hash text NOT NULL UNIQUE, created_at text NOT NULL, revoked_at text, note text,
            kind text NOT NULL DEFAULT 'api' CHECK (kind IN ('api', 'session')), expires_at text);
        CREATE TABLE onemap_jobs (
            id text PRIMARY KEY, process_id text NOT NULL, owner text NOT NULL,
            status text NOT NULL CHECK (status IN ('accepted', 'running', 'successful', 'failed', 'dismissed')),
            progress integer NOT NULL DEFAULT 0, message text, created text NOT NULL, started text, finished text,
            inputs text NOT NULL, results text, error_status integer, error text, runner integer NOT NULL);
        CREATE INDEX onemap_jobs_owner ON onemap_jobs (owner, created);
        """,
        // 3: emergency incidents (the read-only layer `incidents`) and unit positions; the road
        // network (edges with their end nodes; pgRouting searches it).
        """
        CREATE TABLE onemap_incidents (
            fid bigserial PRIMARY KEY, title text NOT NULL, category text NOT NULL, subtype text NOT NULL,
            level text NOT NULL CHECK (level IN ('I', 'II', 'III', 'IV')), status text NOT NULL, occurred_at text NOT NULL,
            updated_at text NOT NULL, notes text NOT NULL DEFAULT '', reporter text NOT NULL, version integer NOT NULL DEFAULT 1,
            geom geometry(Geometry, 4490) NOT NULL);
        CREATE INDEX onemap_incidents_status ON onemap_incidents (status, occurred_at);
        CREATE INDEX onemap_incidents_geom ON onemap_incidents USING GIST (geom);
        CREATE TABLE onemap_unit_positions (
            id bigserial PRIMARY KEY, unit text NOT NULL, kind text NOT NULL, name text NOT NULL, x double precision NOT NULL,
            y double precision NOT NULL, heading double precision, speed double precision, at text NOT NULL, reporter text NOT NULL);
        CREATE INDEX onemap_unit_positions_at ON onemap_unit_positions (at);
        CREATE TABLE onemap_road_network (
            id bigint PRIMARY KEY, name text NOT NULL, road_class text NOT NULL, road_id bigint NOT NULL,
            cost double precision NOT NULL, length double precision NOT NULL, fwd boolean NOT NULL, bwd boolean NOT NULL,
            node_from bigint NOT NULL, node_to bigint NOT NULL, geom geometry(LineString, 4490) NOT NULL);
        CREATE TABLE onemap_network_source (layer text NOT NULL, version integer NOT NULL);
        """,
        // 4: 数字城管 cases (the read-only layer `cases`), their steps and attachments, and the
        // per-hour evaluation counts kept by triggers (CaseStatistics).
        """
        CREATE TABLE onemap_cases (
            fid bigserial PRIMARY KEY, number text NOT NULL UNIQUE, source text NOT NULL,
            kind text NOT NULL CHECK (kind IN ('event', 'component')), class_code text NOT NULL, class_name text NOT NULL,
            major_name text NOT NULL, description text NOT NULL, address text NOT NULL, grid_code text NOT NULL,
            community_code text NOT NULL, community_name text NOT NULL, street_code text NOT NULL, street_name text NOT NULL,
            component_code text, department text, state text NOT NULL, urgent integer NOT NULL DEFAULT 0, reporter text NOT NULL,
            reported_at text NOT NULL, filed_at text, dispatched_at text, feedback_at text, closed_at text, stage text NOT NULL,
            stage_started_at text NOT NULL, stage_deadline text, handle_limit_minutes integer NOT NULL,
            extension_minutes integer NOT NULL DEFAULT 0, suspended_at text, suspended_from text,
            rework_count integer NOT NULL DEFAULT 0, return_count integer NOT NULL DEFAULT 0, dispatch_on_time integer,
            handle_on_time integer, overdue integer NOT NULL DEFAULT 0, overdue_ratio double precision,
            version integer NOT NULL DEFAULT 1, geom geometry(Point, 4490) NOT NULL);
        CREATE INDEX onemap_cases_open ON onemap_cases (state, stage_deadline);
        CREATE INDEX onemap_cases_filed ON onemap_cases (filed_at);
        CREATE INDEX onemap_cases_reported ON onemap_cases (reported_at);
        CREATE INDEX onemap_cases_grid ON onemap_cases (grid_code, reported_at);
        CREATE INDEX onemap_cases_geom ON onemap_cases USING GIST (geom);
        CREATE TABLE onemap_case_steps (
            id bigserial PRIMARY KEY, case_id bigint NOT NULL REFERENCES onemap_cases(fid), action text NOT NULL, from_state text,
            to_state text NOT NULL, actor text NOT NULL, role text NOT NULL, at text NOT NULL, note text, department text, deadline text);
        CREATE INDEX onemap_case_steps_case ON onemap_case_steps (case_id, id);
        CREATE TABLE onemap_case_attachments (
            id bigserial PRIMARY KEY, case_id bigint NOT NULL REFERENCES onemap_cases(fid), name text NOT NULL, media_type text NOT NULL,
            size integer NOT NULL, bytes bytea NOT NULL, at text NOT NULL, actor text NOT NULL);
        CREATE INDEX onemap_case_attachments_case ON onemap_case_attachments (case_id);
        """ + CaseStatistics.migration(.postgres),
    ]

    static func appliedVersion(_ c: PGConnection, creating: Bool = true) throws -> Int {
        if creating {
            try c.execute("CREATE TABLE IF NOT EXISTS onemap_migrations (version integer PRIMARY KEY, applied_at text NOT NULL)")
        } else if try c.query("SELECT to_regclass('onemap_migrations') IS NULL").bool(0, 0) == true {
            return 0
        }
        return Int(try c.query("SELECT coalesce(max(version), 0)::int8 FROM onemap_migrations").int64(0, 0) ?? 0)
    }

    static func migrate(_ pool: PGPool, logger: Logger) throws {
        try pool.transaction { c in
            // One instance migrates at a time; the others wait here, then find nothing to do.
            try c.execute("SELECT pg_advisory_xact_lock(7001764931)")
            let applied = try appliedVersion(c)
            for (i, sql) in steps.enumerated() where i + 1 > applied {
                logger.info("PostGIS store: applying migration \(i + 1)")
                try c.execute(sql)
                try c.query("INSERT INTO onemap_migrations (version, applied_at) VALUES ($1::int, $2)", [.text(String(i + 1)), .text(isoNow())])
            }
        }
    }
}
