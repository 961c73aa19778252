import ArgumentParser
import Foundation
import OneMapGeometry

/// `onemap crs`: the city's named coordinate systems, their parameters from control points, and
/// one-off conversions that say how exact they are.
struct CRSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crs", abstract: "Coordinate systems: named city systems, parameters from control points, conversions.",
        subcommands: [CRSSolveCommand.self, CRSListCommand.self, CRSTransformCommand.self])
}

struct CRSSolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "Least-squares parameters from control points: four plane parameters (id,x,y,X,Y) or seven Bursa-Wolf (id,X,Y,Z,X,Y,Z geocentric), saved as a named CRS.")

    @OptionGroup var options: StoreOptions

    @Argument(help: "CSV of control points: local coordinates first, then the base system's.")
    var points: String

    @Option(help: "The named CRS's name (letters, digits, _ and -).")
    var name: String

    @Option(help: "The base system: plane points → the CRS the X,Y are in (e.g. EPSG:4527); geocentric points → the CRS whose datum the local X,Y,Z are on (e.g. EPSG:4610 for Xi'an 1980).")
    var base: String

    @Option(help: "A title for the named CRS.")
    var title: String?

    @Option(help: "Metres: a fit with a larger RMS, or a point the others miss by more, is refused.")
    var maxRms: Double = 0.1

    @Option(help: "Where the named CRS goes (default: <layers>/crs/<name>.json).")
    var out: String?

    @Flag(help: "Print the solution without saving it.")
    var dryRun = false

    func run() throws {
        try reportingErrors {
            try options.loadNamedCRSs()
            guard maxRms.isFinite, maxRms > 0 else { throw CLIError(description: "--max-rms must be a positive number of metres") }
            guard let text = try? String(contentsOfFile: points, encoding: .utf8) else { throw CLIError(description: "cannot read \(points)") }
            let parsed = try ControlPoint.parseCSV(text)
            let solution: ControlPointSolver.Solution
            do { solution = try ControlPointSolver.solve(parsed, maxRMS: maxRms) } catch let e as ControlPointSolver.SolveError {
                throw CLIError(description: e.description)
            }
            var crs = NamedCRS(name: name, title: title, base: base, towgs84: solution.helmert, plane: solution.plane,
                               accuracy: (solution.rms * 1000).rounded() / 1000,
                               source: "onemap crs solve \((points as NSString).lastPathComponent): \(parsed.count) control points, RMS \(String(format: "%.4f", solution.rms)) m")
            if crs.towgs84 != nil { crs.accuracy = max(crs.accuracy ?? 0, 0.001) }
            let problems = crs.problems()
            guard problems.isEmpty else { throw CLIError(description: problems.joined(separator: "; ")) }
            print(Self.describe(solution))
            if let problem = solution.problem { throw CLIError(description: problem.description + "; nothing saved") }
            if dryRun { return }
            guard let path = out ?? options.layersDirectory.map({ ($0 as NSString).appendingPathComponent("crs/\(name).json") }) else {
                throw CLIError(description: "no layers directory to save into; pass --out FILE or --layers DIR")
            }
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(crs).write(to: URL(fileURLWithPath: path), options: .atomic)
            print("saved \(name) to \(path)")
        }
    }

    static func describe(_ s: ControlPointSolver.Solution) -> String {
        var lines: [String] = []
        if let p = s.plane {
            lines.append(String(format: "four parameters (local → base): dx %.4f m, dy %.4f m, rotation %.4f″, scale %.4f ppm", p.dx, p.dy, p.rotationSeconds, p.scalePPM))
        }
        if let h = s.helmert {
            lines.append(String(format: "Bursa-Wolf (+towgs84, position vector): ΔX %.4f m, ΔY %.4f m, ΔZ %.4f m, rX %.5f″, rY %.5f″, rZ %.5f″, scale %.5f ppm",
                                h[0], h[1], h[2], h[3], h[4], h[5], h[6]))
        }
        var rows = [["point", "residual m", "left out m", ""]]
        for r in s.residuals {
            rows.append([r.id, String(format: "%.4f", r.length), r.predicted.map { String(format: "%.4f", $0) } ?? "-", r.outlier ? "OUTLIER" : ""])
        }
        lines.append(Table.render(rows))
        lines.append(String(format: "RMS %.4f m over %d points (limit %.3f m)", s.rms, s.residuals.count, s.maxRMS))
        if !s.outliers.isEmpty { lines.append("outliers: " + s.outliers.joined(separator: ", ")) }
        return lines.joined(separator: "\n")
    }
}

struct CRSListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The named CRSs in <layers>/crs.")

    @OptionGroup var options: StoreOptions

    func run() throws {
        try reportingErrors {
            try options.loadNamedCRSs()
            let all = CRSRegistry.all
            if all.isEmpty {
                print("no named CRSs (files in <layers>/crs/*.json)")
                return
            }
            var rows = [["name", "title", "base", "parameters", "accuracy"]]
            for c in all {
                let parameters = [c.towgs84.map { "towgs84 \($0.count)" }, c.plane.map { _ in "plane 4" }].compactMap { $0 }.joined(separator: " + ")
                rows.append([c.name, c.title ?? "", String(c.base.prefix(48)), parameters.isEmpty ? "-" : parameters,
                             c.accuracy.map { String(format: "%g m", $0) } ?? "unknown"])
            }
            print(Table.render(rows))
        }
    }
}

struct CRSTransformCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transform", abstract: "Convert coordinates (x y per line on stdin, or --point) and say how exact the conversion is.")

    @OptionGroup var options: StoreOptions

    @Option(help: "Source CRS (EPSG:n, CRS84, GCJ02 or a named CRS).")
    var from: String

    @Option(help: "Target CRS.")
    var to: String

    @Option(help: "One point as x,y (east, north; lon, lat).")
    var point: String?

    @Flag(help: "Accept a ballpark transformation.")
    var allowBallpark = false

    func run() throws {
        try reportingErrors {
            try options.loadNamedCRSs()
            let source: CRS, target: CRS
            do { source = try CRS(parsing: from) } catch { throw CLIError(description: "unknown CRS '\(from)'") }
            do { target = try CRS(parsing: to) } catch { throw CLIError(description: "unknown CRS '\(to)'") }
            var input: [Coordinate] = []
            let lines = point.map { [$0] } ?? Array(AnyIterator { readLine() })
            for (i, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                let parts = line.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }).compactMap { Double($0) }
                guard parts.count >= 2 else { throw CLIError(description: "line \(i + 1): expected x,y, got '\(line)'") }
                input.append(Coordinate(parts[0], parts[1]))
            }
            var area = BoundingBox.empty
            for c in input { area.extend(c) }
            let t = try CoordinateTransform.checked(from: source, to: target, area: input.isEmpty ? nil : area, ballpark: allowBallpark ? .allow : .refuse)
            for c in try t.apply(input) {
                print(target.isGeographic ? String(format: "%.9f %.9f", c.x, c.y) : String(format: "%.4f %.4f", c.x, c.y))
            }
            if let r = t.report { FileHandle.standardError.write(Data("\(r)\n".utf8)) }
        }
    }
}
