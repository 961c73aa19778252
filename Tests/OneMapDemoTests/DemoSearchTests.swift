import Foundation
import GRDB
import OneMapAnalysis
import OneMapGeometry
import Testing

@testable import OneMapServer
@testable import OneMapStore

/// The search box on the demo city: codes find what they name, a road is one result per
/// district, features of the same name are told apart by their place.
@Suite(.serialized) struct DemoSearchTests {
    static func service() async throws -> SearchService {
        let store = try await DemoFixture.store()
        let cases = try CaseService.load(layersDirectory: DemoFixture.repository.appendingPathComponent("Layers").path, store: store)
        return SearchService(store: store, places: cases?.geocoder)
    }

    @Test func aGridCodeFindsTheGridBeforeWhatStandsInIt() async throws {
        let search = try await Self.service()
        let store = try await DemoFixture.store()
        // A grid with components in it: their bgcode is the same text.
        let code = try #require(try await store.pool.read { db in
            try String.fetchOne(db, sql: "SELECT bgcode FROM components GROUP BY bgcode HAVING count(*) > 2 LIMIT 1")
        })
        let results = try search.search(code, limit: 10, for: .system)
        #expect(results.first?.layer.id == "unit_grids" && results.first?.value == code && results.first?.exact == true,
                "\(results.map { "\($0.layer.id) \($0.value)" })")
        #expect(results.contains { $0.layer.id == "components" }, "the components in it follow")
        let component = try #require(try await store.pool.read { db in try String.fetchOne(db, sql: "SELECT objcode FROM components LIMIT 1") })
        #expect(try search.search(component, limit: 5, for: .system).first?.layer.id == "components")
    }

    @Test func aRoadIsOneResultPerDistrictAndSameNamesAreToldApart() async throws {
        let search = try await Self.service()
        let roads = try search.search("迎宾路", limit: 15, for: .system).filter { $0.layer.id == "roads" && $0.value == "迎宾路" }
        #expect(!roads.isEmpty)
        #expect(Set(roads.map { $0.district ?? "" }).count == roads.count, "one 迎宾路 per district: \(roads.map { $0.place ?? "-" })")
        // Stops of one name: each result says where it is, and no two are the same spot.
        let stops = try search.search("迎宾路站", limit: 30, for: .system).filter { $0.value == "迎宾路站" }
        #expect(stops.count > 1)
        for (i, a) in stops.enumerated() {
            #expect(a.place?.contains("·") == true, "\(a.value) has its district and street")
            for b in stops[(i + 1)...] where a.place == b.place {
                #expect(Geodesic.cgcs2000.inverse(a.bbox.center, b.bbox.center).distance >= SearchService.sameSpotMetres)
            }
        }
        let rows = try await DemoFixture.count("SELECT count(*) FROM pois WHERE name = '迎宾路站'")
        #expect(stops.reduce(0) { $0 + $1.ids.count } == rows, "every one of the \(rows) stops is found")
    }

    @Test func namesAreFoundByTheirPinyinInFullOrByInitials() async throws {
        #expect(PinyinIndex.pinyin("迎宾路")?.full == "yingbinlu" && PinyinIndex.pinyin("迎宾路")?.initials == "ybl")
        #expect(PinyinIndex.pinyin("1309030010010001") == nil && !PinyinIndex.isQuery("y") && PinyinIndex.isQuery("YBL"))
        let search = try await Self.service()
        let full = try search.search("yingbinlu", limit: 10, for: .system)
        #expect(full.first?.value == "迎宾路", "\(full.map(\.value))")
        let initials = try search.search("ybl", limit: 20, for: .system)
        #expect(initials.contains { $0.value == "迎宾路" && $0.layer.id == "roads" }, "\(initials.map(\.value))")
        #expect(try search.search("zzzzqqq", limit: 5, for: .system).isEmpty)
    }
}
