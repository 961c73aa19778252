import Foundation
import OneMapFuzz

#if FUZZING
// Built by Tools/fuzz/run with coverage, AddressSanitizer and libFuzzer's driver (without its
// `main`: SwiftPM names the executable's entry point itself). The target comes from
// ONEMAP_FUZZ_TARGET; libFuzzer reads the command line.
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                       _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

nonisolated(unsafe) private var selected = FuzzTarget.cql2

@_cdecl("onemap_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    guard let name = ProcessInfo.processInfo.environment["ONEMAP_FUZZ_TARGET"], let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(Data("set ONEMAP_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
        return 2
    }
    selected = target
    target.warmUp()
    // The target's longest useful input, unless the command line sets its own.
    var given = (0..<Int(argc)).compactMap { argv?[$0].map { String(cString: $0) } }
    if !given.contains(where: { $0.hasPrefix("-max_len=") }) { given.append("-max_len=\(target.maxLength)") }
    var pointers: [UnsafeMutablePointer<CChar>?] = given.map { strdup($0) } + [nil]
    var count = CInt(given.count)
    return pointers.withUnsafeMutableBufferPointer { buffer in
        var arguments = buffer.baseAddress
        return runDriver(&count, &arguments) { data, size in
            selected.run(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
            return 0
        }
    }
}
#else
/// Without the fuzzer: `onemap-fuzz TARGET FILE…` runs the files through the target once each
/// (how a finding is reproduced in an ordinary debug build).
@main
struct FuzzReplay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("usage: onemap-fuzz TARGET FILE…  (targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")))\n".utf8))
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("cannot read \(path)\n".utf8))
                exit(1)
            }
            target.run(Array(data))
            print("\(path): ok")
        }
    }
}
#endif
