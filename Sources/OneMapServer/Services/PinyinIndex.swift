import Foundation
import OneMapGeometry
import OneMapStore
import Synchronization

/// The names of the searchable layers in pinyin, for a search box typed in Latin letters:
/// `yingbinlu` or `ybl` finds 迎宾路. A layer's name field (its first searchable field) is
/// transliterated by ICU (Foundation's `Han-Latin`) once per layer version, for layers of at most
/// `maxFeatures` features; confidential layers are left out (their reads are audited one by one).
final class PinyinIndex: Sendable {
    struct Entry: Sendable {
        let id: Int64
        let value: String
        let full: String
        let initials: String
        /// Storage CRS.
        let bbox: BoundingBox
    }

    struct Match {
        let layer: Layer
        let entry: Entry
        /// 2 whole pinyin or initials, 1 a prefix of either, 0 inside the full pinyin.
        let rank: Int
    }

    static let maxFeatures = 20_000
    private let layers = Mutex<[String: (version: Int, entries: [Entry])]>([:])

    /// "迎宾路" → ("yingbinlu", "ybl"); nil for text without Chinese characters.
    static func pinyin(_ text: String) -> (full: String, initials: String)? {
        guard text.unicodeScalars.contains(where: { (0x4E00...0x9FFF).contains($0.value) }),
              let latin = text.applyingTransform(StringTransform("Han-Latin; Latin-ASCII; Lower"), reverse: false) else { return nil }
        let syllables = latin.split { !$0.isLetter && !$0.isNumber }
        return (syllables.joined(), String(syllables.compactMap(\.first)))
    }

    /// Whether the text is a pinyin query: Latin letters only, at least two.
    static func isQuery(_ text: String) -> Bool {
        text.count >= 2 && text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) }
    }

    func search(_ text: String, in candidates: [Layer], store: Store, limit: Int) throws -> [Match] {
        let q = text.lowercased()
        var out: [Match] = []
        for layer in candidates where layer.kind == .vector && layer.access != .confidential && layer.featureCount <= Self.maxFeatures {
            guard let field = layer.attributes.first(where: \.searchable) else { continue }
            for entry in try entries(layer, field: field.name, store: store) {
                let rank = entry.full == q || entry.initials == q ? 2 : entry.full.hasPrefix(q) || entry.initials.hasPrefix(q) ? 1 : entry.full.contains(q) ? 0 : -1
                if rank >= 0 { out.append(Match(layer: layer, entry: entry, rank: rank)) }
            }
        }
        return Array(out.sorted { ($1.rank, $0.entry.value.count) < ($0.rank, $1.entry.value.count) }.prefix(limit))
    }

    private func entries(_ layer: Layer, field: String, store: Store) throws -> [Entry] {
        if let known = layers.withLock({ $0[layer.id] }), known.version == layer.version { return known.entries }
        var entries: [Entry] = []
        let everywhere = BoundingBox(minX: -1e15, minY: -1e15, maxX: 1e15, maxY: 1e15)
        try store.scan(layer: layer.id, bbox: everywhere, columns: [field], for: .system) { row in
            guard case .text(let value) = row.values.first, let p = Self.pinyin(value), let box = row.geometry.boundingBox else { return }
            entries.append(Entry(id: row.id, value: value, full: p.full, initials: p.initials, bbox: box))
        }
        layers.withLock { $0[layer.id] = (layer.version, entries) }
        return entries
    }
}
