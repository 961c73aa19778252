import Foundation

/// The centre's work calendar (`Layers/rules/calendar.json`): working hours, weekly rest days,
/// public holidays and the weekend days worked instead. Time limits in 工作时 and 工作日 run only
/// in working time; urgent cases (紧急工作时) follow their own schedule (round the clock by default).
public struct WorkCalendar: Sendable {
    struct Schedule: Sendable {
        /// Working periods of a day in minutes from midnight, [start, end).
        var periods: [(Int, Int)]
        /// Rest days of the week (Calendar weekdays: 1 Sunday … 7 Saturday).
        var weekend: Set<Int>
        var observeHolidays: Bool

        var minutesPerDay: Int { periods.reduce(0) { $0 + $1.1 - $1.0 } }
    }

    /// The centre's time zone: days, numbers and periods are counted in it.
    public let timeZone: TimeZone
    /// Days as year × 10000 + month × 100 + day (20261001 for 2026-10-01).
    let holidays: Set<Int>
    let workingWeekends: Set<Int>
    let normal: Schedule
    let urgent: Schedule
    private let calendar: Calendar

    /// The minutes of a working day (480 for 08:00–12:00 and 14:00–18:00).
    public var minutesPerWorkingDay: Int { normal.minutesPerDay }

    public static func file(in layersDirectory: String) -> String {
        (layersDirectory as NSString).appendingPathComponent("rules/calendar.json")
    }

    init(timeZone: TimeZone, holidays: Set<String>, workingWeekends: Set<String>, normal: Schedule, urgent: Schedule) {
        self.timeZone = timeZone
        func day(_ text: String) -> Int? { Int(text.replacingOccurrences(of: "-", with: "")) }
        self.holidays = Set(holidays.compactMap(day))
        self.workingWeekends = Set(workingWeekends.compactMap(day))
        self.normal = normal
        self.urgent = urgent
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    /// Loads and checks a calendar file.
    /// - Throws: `AnalysisError.invalidRules` with every problem.
    public static func load(path: String) throws -> WorkCalendar {
        let file = try RuleFile(path: path)
        let top = try file.top()
        let zoneName = top.string("timeZone") ?? "Asia/Shanghai"
        let zone = TimeZone(identifier: zoneName)
        if zone == nil { top.problem("is not a known time zone", key: "timeZone") }
        func schedule(_ node: RuleFile.Node, observeHolidays: Bool) -> Schedule {
            var periods: [(Int, Int)] = []
            for (i, pair) in (node.member("workingHours")?.array ?? []).enumerated() {
                let times = pair.array?.compactMap(\.string) ?? []
                guard times.count == 2, let a = minutes(times[0]), let b = minutes(times[1]), a < b, b <= 1440 else {
                    node.problem("must be [\"HH:MM\", \"HH:MM\"] with the start before the end", key: "workingHours[\(i)]")
                    continue
                }
                if let last = periods.last, a < last.1 { node.problem("overlaps the period before it", key: "workingHours[\(i)]") }
                periods.append((a, b))
            }
            if periods.isEmpty { node.problem("needs at least one period", key: "workingHours") }
            let days = ["sunday": 1, "monday": 2, "tuesday": 3, "wednesday": 4, "thursday": 5, "friday": 6, "saturday": 7]
            var weekend = Set<Int>()
            for name in node.strings("weekend") {
                if let d = days[name.lowercased()] { weekend.insert(d) } else { node.problem("'\(name)' is not a day of the week", key: "weekend") }
            }
            return Schedule(periods: periods, weekend: weekend, observeHolidays: node.optionalBool("observeHolidays") ?? observeHolidays)
        }
        let normal = schedule(top, observeHolidays: true)
        let dates = /[0-9]{4}-[0-9]{2}-[0-9]{2}/
        let holidays = top.strings("holidays"), workingWeekends = top.strings("workingWeekends")
        for d in holidays + workingWeekends where d.wholeMatch(of: dates) == nil { top.problem("'\(d)' is not a YYYY-MM-DD date") }
        let urgent = top.object("urgent", required: false).map { schedule($0, observeHolidays: false) } ?? Schedule(periods: [(0, 1440)], weekend: [], observeHolidays: false)
        try file.finish()
        return WorkCalendar(timeZone: zone ?? .current, holidays: Set(holidays), workingWeekends: Set(workingWeekends), normal: normal, urgent: urgent)
    }

    static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 2, (0...24).contains(parts[0]), (0...59).contains(parts[1]), parts[0] < 24 || parts[1] == 0 else { return nil }
        return parts[0] * 60 + parts[1]
    }

    // MARK: arithmetic

    /// Whether a day (any moment of it) has working time in `schedule`.
    func isWorkingDay(_ day: Date, _ schedule: Schedule) -> Bool {
        let c = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
        if schedule.observeHolidays {
            let key = (c.year ?? 0) * 10000 + (c.month ?? 0) * 100 + (c.day ?? 0)
            if holidays.contains(key) { return false }
            if workingWeekends.contains(key) { return true }
        }
        return !schedule.weekend.contains(c.weekday ?? 0)
    }

    /// The working periods of the day containing `moment`, as absolute times.
    func periods(ofDayContaining moment: Date, _ schedule: Schedule) -> (dayStart: Date, periods: [(Date, Date)]) {
        let start = calendar.startOfDay(for: moment)
        guard isWorkingDay(start, schedule) else { return (start, []) }
        return (start, schedule.periods.map { (start.addingTimeInterval(Double($0.0) * 60), start.addingTimeInterval(Double($0.1) * 60)) })
    }

    /// The moment `minutes` of working time after `start`.
    public func adding(minutes: Int, to start: Date, urgent: Bool = false) -> Date {
        let schedule = urgent ? self.urgent : normal
        var left = Double(max(0, minutes)) * 60
        var cursor = start
        // At most a few years of days: a limit of days × 480 minutes never needs more.
        for _ in 0..<3000 {
            let (dayStart, periods) = self.periods(ofDayContaining: cursor, schedule)
            for (a, b) in periods where b > cursor {
                let from = max(a, cursor)
                let available = b.timeIntervalSince(from)
                if left <= available { return from.addingTimeInterval(left) }
                left -= available
                cursor = b
            }
            cursor = calendar.date(byAdding: .day, value: 1, to: dayStart) ?? dayStart.addingTimeInterval(86_400)
        }
        return cursor
    }

    /// Working minutes between two moments (0 when `end` is not after `start`).
    public func minutes(from start: Date, to end: Date, urgent: Bool = false) -> Double {
        guard end > start else { return 0 }
        let schedule = urgent ? self.urgent : normal
        var total = 0.0
        var cursor = start
        for _ in 0..<3000 {
            let (dayStart, periods) = self.periods(ofDayContaining: cursor, schedule)
            for (a, b) in periods where b > cursor {
                let from = max(a, cursor), to = min(b, end)
                if to > from { total += to.timeIntervalSince(from) }
                if b >= end { return total / 60 }
            }
            cursor = calendar.date(byAdding: .day, value: 1, to: dayStart) ?? dayStart.addingTimeInterval(86_400)
            if cursor >= end { return total / 60 }
        }
        return total / 60
    }
}
