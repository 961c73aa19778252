import Foundation
import OneMapAnalysis
import OneMapGeometry
import OneMapStore

/// One thing found by the search box: a feature, or the pieces of one road (segments of a line
/// layer with the same name in the same district), with where it lies in words.
public struct SearchResult: Sendable {
    public let layer: Layer
    /// The features it stands for (several for a road in pieces), best first.
    public let ids: [Int64]
    public let field: AttributeField
    public let value: String
    /// lon/lat.
    public let bbox: BoundingBox
    /// "运河区 · 水月寺街道 · 某社区" from the city's unit grids, when the place lies in one.
    public let place: String?
    public let exact: Bool
    /// The district alone: pieces of a road merge within it.
    let district: String?
}

/// The search box: the store's matches (in the caller's layers), then names by their pinyin for a
/// query in Latin letters (`PinyinIndex`), road pieces merged, points of the same name told apart
/// by district and street (and two of them a few metres apart, such as bus stops on both sides of
/// a road, as one).
public struct SearchService: Sendable {
    let store: Store
    /// Point → street and district; nil where the city has no grids.
    let places: Geocoder?
    let pinyin = PinyinIndex()
    /// Points with the same name and place closer than this are one result.
    static let sameSpotMetres = 150.0

    public init(store: Store, places: Geocoder?) {
        self.store = store
        self.places = places
    }

    /// One match before merging.
    struct Candidate {
        let layer: Layer
        let featureID: Int64
        let field: AttributeField
        let value: String
        /// Storage CRS.
        let bbox: BoundingBox
    }

    /// - Throws: `StoreError.invalidArgument` for empty or over-long text.
    public func search(_ text: String, limit: Int, for principal: Principal) throws -> [SearchResult] {
        // More matches than asked for: merging makes fewer.
        let q = text.trimmingCharacters(in: .whitespaces)
        var hits = try store.search(text, limit: min(100, limit * 4), for: principal).map {
            Candidate(layer: $0.layer, featureID: $0.featureID, field: $0.field, value: $0.value, bbox: $0.bbox)
        }
        // Latin letters: names by their pinyin (full or initials) too, after what matched as typed.
        if PinyinIndex.isQuery(q) {
            let visible = try store.layers(for: principal)
            for m in try pinyin.search(q, in: visible, store: store, limit: min(100, limit * 4)) {
                guard let field = m.layer.attributes.first(where: \.searchable) else { continue }
                hits.append(Candidate(layer: m.layer, featureID: m.entry.id, field: field, value: m.entry.value, bbox: m.entry.bbox))
            }
        }
        var results: [SearchResult] = []
        var seen: Set<String> = []
        for hit in hits {
            guard seen.insert("\(hit.layer.id)/\(hit.featureID)").inserted,
                  let box = try? CoordinateTransform(from: hit.layer.storageCRS, to: .crs84).apply(hit.bbox) else { continue }
            let grid = places.flatMap { try? $0.grid(at: box.center, for: principal) }
            let place = grid.map { [$0.district, $0.streetName, $0.communityName].filter { !$0.isEmpty }.joined(separator: " · ") }
            let merged = results.firstIndex { r in
                guard r.layer.id == hit.layer.id, r.value == hit.value, r.field.name == hit.field.name else { return false }
                // Lines and areas: pieces of one thing within a district. Points: the same spot.
                if (hit.layer.geometryType?.dimension ?? 0) > 0 { return r.district == grid?.district }
                return r.place == place && Geodesic.cgcs2000.inverse(r.bbox.center, box.center).distance < Self.sameSpotMetres
            }
            if let i = merged {
                let r = results[i]
                results[i] = SearchResult(layer: r.layer, ids: r.ids + [hit.featureID], field: r.field, value: r.value, bbox: r.bbox.union(box),
                                          place: r.place, exact: r.exact, district: r.district)
            } else if results.count < limit {
                results.append(SearchResult(layer: hit.layer, ids: [hit.featureID], field: hit.field, value: hit.value, bbox: box, place: place,
                                            exact: hit.value == q, district: grid?.district))
            }
        }
        return results
    }
}
