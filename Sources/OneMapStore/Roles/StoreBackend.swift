/// Everything one store backend provides: the role protocols below, implemented together by
/// one class per backend (`SpatiaLiteStore`; a PostGIS backend is the second).
///
/// The roles are synchronous on purpose. Store work is blocking I/O either way (SQLite has no
/// asynchronous API; a PostgreSQL client either blocks a thread or needs the event loop), and
/// the hot paths stream rows into a callback that runs once per feature: rendering and GeoJSON
/// writing touch millions of rows, where an `await` per row costs more than the row. So callers
/// run store calls on a blocking pool (the server's `Blocking.run`, the render threads), never on
/// an event loop, and a backend over a network database keeps a pool of connections and hands
/// each calling thread one for the call.
///
/// Backends do no access checks: `Store`, above them, resolves every layer for a caller first
/// and hands the backend only layers the caller may use.
public protocol StoreBackend: LayerCatalog, ChangeFeed, FeatureSource, FeatureEditor, RasterSource, AccountStore, AuditLog, JobStore, CaseStore,
    IncidentStore, NetworkStore, LayerImporter, LayerLoader, RecordTransfer, StoreMaintenance
{
    /// Where the store lives (a file path, or a database URL without its password).
    var location: String { get }
    /// The schema version of the store (the number of migrations applied).
    var schemaVersion: Int { get throws }
    /// Makes the store's files or tables complete and self-contained (after big imports).
    func checkpoint() throws
}
