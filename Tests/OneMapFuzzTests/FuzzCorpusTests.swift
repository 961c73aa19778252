import Foundation
import OneMapFuzz
import Testing

/// The committed fuzz inputs, replayed through the same target functions the fuzzer runs: the
/// seed corpus, and every input that once crashed a parser or failed a differential check
/// (`Fuzz/regressions/TARGET/`), which must not again.
@Suite struct FuzzCorpusTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static func files(_ folder: String, _ target: FuzzTarget) -> [URL] {
        let directory = fuzz.appendingPathComponent(folder).appendingPathComponent(target.rawValue)
        return ((try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? [])
            .filter { !$0.lastPathComponent.hasPrefix(".") }.sorted { $0.path < $1.path }
    }

    @Test(arguments: FuzzTarget.allCases)
    func seedsAndPastFindingsRunCleanly(target: FuzzTarget) throws {
        let seeds = Self.files("corpus", target)
        #expect(seeds.count >= 3, "\(target.rawValue) needs a seed corpus in Fuzz/corpus/\(target.rawValue)")
        for file in seeds + Self.files("regressions", target) {
            let bytes = try Array(Data(contentsOf: file))
            #expect(bytes.count <= target.maxLength, "\(file.lastPathComponent) is longer than the target's -max_len")
            target.run(bytes)
        }
    }
}
