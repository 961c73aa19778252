import Foundation
import OneMapGeometry

/// The server's parsers of outside input that are not public otherwise, opened for the fuzz
/// targets (`Sources/OneMapFuzz`): each runs the parser exactly as a request would.
public enum ServerParsers {
    /// A query string read as every route reads it, then as OGC KVP; the number of pairs.
    @discardableResult
    public static func query(_ text: String) -> Int {
        let q = QueryParameters(query: text)
        _ = try? KVP(q)
        _ = try? Parse.lonLat(q)
        _ = q.conflicting(caseInsensitive: false)
        return q.pairs.count
    }

    /// A tile path ("/tiles/map/set/z/x/y@2x.png"); whether it is one.
    public static func isTilePath(_ path: String) -> Bool { TileRoutes.parse(path: Substring(path)) != nil }

    /// A feature body of a POST/PUT (or PATCH) with its `Content-Crs` header value.
    /// - Throws: `APIError` as the route would answer.
    public static func featureBody(_ body: [UInt8], contentCrs: String?, patch: Bool) throws {
        _ = try FeatureBody.parse(body, contentCrs: contentCrs, patch: patch, offered: [.crs84, .cgcs2000, .wgs84, .webMercator, CRS(.epsg(4527))])
    }

    /// What the tile fast path makes of a request head at the start of `bytes`.
    public enum HeadScan: Equatable, Sendable {
        case incomplete
        case other
        /// A head of `length` bytes; `fastTarget` when the fast path may answer it.
        case head(length: Int, fastTarget: String?, ifNoneMatch: String?, closesConnection: Bool)
    }

    /// Scans a head at once, or fed in pieces of `pieceSize` bytes as a trickling client sends it
    /// (the resumable scanner the connection handler keeps between reads).
    public static func scanRequestHead(_ bytes: [UInt8], pieceSize: Int? = nil) -> HeadScan {
        bytes.withUnsafeBytes { all in
            let scan: RawRequestHead.Scan
            if let pieceSize, pieceSize > 0 {
                var scanner = RawRequestHead.Scanner()
                var end = 0
                var last = RawRequestHead.Scan.incomplete
                repeat {
                    end = min(all.count, end + pieceSize)
                    last = scanner.scan(UnsafeRawBufferPointer(rebasing: all[0..<end]))
                } while last == .incomplete && end < all.count
                scan = last
            } else {
                scan = RawRequestHead.scan(all)
            }
            switch scan {
            case .incomplete: return .incomplete
            case .other: return .other
            case .head(let h, let length):
                return .head(length: length, fastTarget: h.fastTarget, ifNoneMatch: h.ifNoneMatch, closesConnection: h.closesConnection)
            }
        }
    }
}
