import Foundation
import OneMapGeometry
import OneMapStore

/// Moves the demo's units for `serve --simulate`: each drives by road from where it is to an open
/// incident (the nearest by straight line, taking turns), at its road's speed, reporting its
/// position through the live situation like a real vehicle's terminal; on arrival it waits a
/// little and heads for the next incident.
public final class UnitSimulator: @unchecked Sendable {
    // Only `step` touches the mutable state, from one task.
    let live: LiveSituation
    let network: RoadNetwork
    let incidents: IncidentService
    private var plans: [String: (line: [Coordinate], legs: [Double], at: Double, wait: Int)] = [:]
    private var turn = 0

    public init(live: LiveSituation, network: RoadNetwork, incidents: IncidentService) {
        self.live = live
        self.network = network
        self.incidents = incidents
    }

    /// Advances every unit by `seconds` of driving and reports them all.
    public func step(seconds: Double) throws {
        let open = try incidents.list(openOnly: true, for: .system)
        guard !open.isEmpty else { return }
        var reports: [UnitPosition] = []
        for unit in live.units {
            var plan = plans[unit.unit]
            if plan == nil || (plan!.at >= plan!.legs.reduce(0, +) && plan!.wait <= 0) {
                turn += 1
                let target = open[turn % open.count]
                let destination = try EmergencyPlace.centre(target.geometry)
                guard case .point(let to) = destination,
                      let from = try? network.snap(unit.location, input: "unit"), let end = try? network.snap(to, input: "incident"),
                      let trip = try network.trips(from: [from], to: end)[0], trip.line.count >= 2 else { continue }
                let line = [unit.location] + trip.line
                let legs = line.indices.dropLast().map { Geodesic.cgcs2000.inverse(line[$0], line[$0 + 1]).distance }
                plan = (line, legs, 0, 30)
            }
            guard var p = plan else { continue }
            let total = p.legs.reduce(0, +)
            if p.at >= total {
                p.wait -= Int(seconds)
                plans[unit.unit] = p
                continue
            }
            // Emergency vehicles at about 40 km/h through town.
            p.at = min(total, p.at + seconds * 40 / 3.6)
            var walked = 0.0, k = 0
            while k < p.legs.count - 1 && walked + p.legs[k] < p.at { walked += p.legs[k]; k += 1 }
            let leg = Geodesic.cgcs2000.inverse(p.line[k], p.line[k + 1])
            let here = Geodesic.cgcs2000.direct(from: p.line[k], azimuth: leg.azimuth1, distance: min(p.at - walked, leg.distance))
            plans[unit.unit] = p
            reports.append(UnitPosition(unit: unit.unit, kind: unit.kind, name: unit.name, location: here,
                                        heading: (leg.azimuth1 + 360).truncatingRemainder(dividingBy: 360), speed: p.at < total ? 40 : 0, at: "", reporter: ""))
        }
        if !reports.isEmpty {
            try live.report(reports, by: Principal(name: "simulator", roles: Array(live.rules.unitRoles), level: .internal))
        }
    }
}
