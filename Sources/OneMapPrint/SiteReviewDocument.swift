import Foundation
import OneMapAnalysis
import OneMapGeometry
import OneMapImage
import OneMapRender
import OneMapStore

/// The planning review as documents a bureau files: an A4 PDF (case data, a location map of the
/// site over the plan, each rule's verdict, the area tables, what was left out, the data
/// versions), an HTML page with the same content, and the location map alone as PNG.
public struct SiteReviewDocument {
    public let report: SiteReviewReport
    /// The location map, drawn from the `planning` map (or the first map given).
    public let map: MapSnapshot?

    static let ok = Color(0.1, 0.5, 0.2), warn = Color(0.8, 0.5, 0.0), bad = Color(0.78, 0.08, 0.08)
    static let frame = (width: 515.0, height: 330.0)

    /// Draws the location map for `report` (nil when the caller may not see the map's layers).
    public init(report: SiteReviewReport, catalog: MapCatalog, store: Store, principal: Principal, maps: [String] = ["planning"]) {
        self.report = report
        map = report.site.boundingBox.flatMap { box in
            try? MapSnapshot.render(maps: maps, catalog: catalog, store: store, area: box, padding: 0.35, width: Int(Self.frame.width * 1.5),
                                    height: Int(Self.frame.height * 1.5), scale: 2, principal: principal)
        }
    }

    static func color(_ s: RuleStatus) -> Color {
        switch s {
        case .compliant: ok
        case .warning: warn
        case .violation: bad
        }
    }

    static func area(_ a: AreaFigures) -> String {
        String(format: "%.2f 平方米（%.4f 公顷，%.2f 亩）", a.ellipsoidal, a.ellipsoidal / 10_000, a.ellipsoidal / AreaFigures.squareMetresPerMu)
    }

    static func percent(_ v: Double) -> String { String(format: "%.1f%%", v * 100) }

    static func date(_ iso: String) -> String {
        guard let d = try? Date(iso, strategy: .iso8601) else { return iso }
        return date(d)
    }

    /// "2026年12月5日 04:51", in China's time.
    static func date(_ d: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai") ?? .current
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: d)
        return String(format: "%d年%d月%d日 %02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    // MARK: the map

    /// Draws the map frame at (x, y): the plan, the site in red, the parts at fault hatched, north
    /// arrow, scale bar and legend.
    func drawMap(_ doc: PrintDocument, x: Double, y: Double) {
        let w = Self.frame.width, h = Self.frame.height
        guard let map else {
            doc.rectangle(x: x, y: y, width: w, height: h, fill: Color(0.95, 0.95, 0.95), stroke: .black)
            doc.text("（无可用底图）", x: x + w / 2 - 40, y: y + h / 2, size: 10)
            return
        }
        doc.image(map.image, x: x, y: y, width: w, height: h)
        doc.clip(x: x, y: y, width: w, height: h)
        func rings(_ g: Geometry) -> [[(Double, Double)]] {
            var out: [[(Double, Double)]] = []
            for part in g.parts {
                if case .polygon(let rs) = part {
                    for r in rs { out.append(r.map { c in let p = map.place(c, frameWidth: w, frameHeight: h); return (x + p.0, y + p.1) }) }
                }
            }
            return out
        }
        for rule in report.rules where rule.status != .compliant {
            if let g = rule.conflict {
                doc.polygon(rings(g), fill: Self.color(rule.status).withAlpha(0.35), stroke: Self.color(rule.status), lineWidth: 0.8, dash: [3, 2])
            }
        }
        doc.polygon(rings(report.site), fill: nil, stroke: Color(0.85, 0, 0), lineWidth: 2.2)
        for f in report.facilities {
            let p = map.place(f.location, frameWidth: w, frameHeight: h)
            doc.circle(x: x + p.0, y: y + p.1, radius: 3, fill: Color(0.2, 0.2, 0.8), stroke: .white, lineWidth: 0.8)
        }
        doc.unclip()
        doc.rectangle(x: x, y: y, width: w, height: h, stroke: .black, lineWidth: 0.8)
        MapFurniture.northArrow(doc, x: x + w - 22, y: y + 10)
        MapFurniture.scaleBar(doc, x: x + 10, y: y + h - 14, maxWidth: 120, frameWidth: w, boxWidth: map.box.width,
                              latitude: report.site.boundingBox?.center.y ?? 0)
        // Legend.
        let lx = x + w - 150, ly = y + h - 58
        doc.rectangle(x: lx, y: ly, width: 142, height: 50, fill: Color(1, 1, 1, 0.9), stroke: Color(0.5, 0.5, 0.5), lineWidth: 0.4)
        doc.line(from: (lx + 8, ly + 10), to: (lx + 28, ly + 10), color: Color(0.85, 0, 0), width: 2.2)
        doc.text("选址范围（红线）", x: lx + 34, y: ly + 4, size: 7.5)
        doc.rectangle(x: lx + 8, y: ly + 20, width: 20, height: 8, fill: Self.bad.withAlpha(0.35), stroke: Self.bad, lineWidth: 0.6)
        doc.text("冲突部分", x: lx + 34, y: ly + 19, size: 7.5)
        doc.circle(x: lx + 18, y: ly + 40, radius: 3, fill: Color(0.2, 0.2, 0.8), stroke: .white)
        doc.text("周边敏感设施", x: lx + 34, y: ly + 34, size: 7.5)
    }

    /// The location map alone as PNG (the HTML page shows it).
    public func mapPNG(dpi: Double = 144) throws -> [UInt8] {
        let doc = PrintDocument(format: .png(dpi: dpi), width: Self.frame.width + 20, height: Self.frame.height + 20, title: "位置图")
        drawMap(doc, x: 10, y: 10)
        return try doc.finish()
    }

    // MARK: the PDF

    public func pdf() throws -> [UInt8] {
        let doc = PrintDocument(format: .pdf, title: "建设项目选址合规性审查报告")
        let left = 40.0, width = PrintDocument.a4.width - 80
        var page = 1
        func footer() {
            doc.line(from: (left, PrintDocument.a4.height - 40), to: (left + width, PrintDocument.a4.height - 40), color: Color(0.6, 0.6, 0.6), width: 0.4)
            doc.text("OneMap 一张图 · \(report.city) · 生成于 \(Self.date(report.generated))", x: left, y: PrintDocument.a4.height - 36, size: 7,
                     color: Color(0.4, 0.4, 0.4))
            doc.textRight("第 \(page) 页", right: left + width, y: PrintDocument.a4.height - 36, size: 7, color: Color(0.4, 0.4, 0.4))
        }
        func heading(_ text: String, _ y: inout Double) {
            if y > PrintDocument.a4.height - 120 { nextPage(&y) }
            doc.text(text, x: left, y: y, size: 12, bold: true, color: Color(0.1, 0.2, 0.45))
            y += 20
        }
        func nextPage(_ y: inout Double) {
            footer()
            doc.newPage()
            page += 1
            y = 50
        }
        func paragraph(_ text: String, _ y: inout Double, size: Double = 9, color: Color = .black) {
            if y > PrintDocument.a4.height - 90 { nextPage(&y) }
            y += doc.text(text, x: left, y: y, size: size, color: color, maxWidth: width) + 4
        }

        // Page 1: case data, verdict, location map.
        var y = 44.0
        let title = "建设项目选址合规性审查报告"
        doc.text(title, x: left + (width - doc.width(of: title, size: 18, bold: true)) / 2, y: y, size: 18, bold: true)
        y += 30
        let sub = "\(report.city) · 国土空间规划“一张图”合规性审查"
        doc.text(sub, x: left + (width - doc.width(of: sub, size: 9)) / 2, y: y, size: 9, color: Color(0.35, 0.35, 0.35))
        y += 22
        let admin = report.administrative.map { a in "\(a.title)：" + (a.units.isEmpty ? "—" : a.units.map(\.name).joined(separator: "、")) }
        var rows: [[String]] = [
            ["项目名称", report.project ?? "（未填写）"],
            ["申请单位", report.applicant ?? "（未填写）"],
            ["案卷编号", report.caseNumber ?? "（未填写）"],
            ["拟用地性质", "\(report.use) \(report.useName)（\(report.isConstruction ? "建设用地" : "非建设用地")）"],
            ["选址面积", Self.area(report.siteArea) + "；高斯-克吕格平面面积（\(report.siteArea.planeCRS)）" + String(format: "%.2f 平方米", report.siteArea.plane)],
            ["所在区域", admin.joined(separator: "；")],
        ]
        if !report.indicators.isEmpty {
            let names = ["far": "容积率", "density": "建筑密度（%）", "green": "绿地率（%）", "height": "建筑限高（米）"]
            rows.append(["拟定指标", report.indicators.sorted { $0.key < $1.key }.map { "\(names[$0.key] ?? $0.key) \(SiteReviewDocument.number($0.value))" }.joined(separator: "，")])
        }
        if let r = report.repaired { rows.append(["图形修复", "提交的选址图形无效（\(r)），已自动修复后审查"]) }
        if let ref = report.siteReference { rows.append(["选址来源", "已入库地块 \(ref)"]) }
        y = doc.table(x: left, y: y, width: width, weights: [1, 4], header: ["项目", "内容"], rows: rows, size: 9)
        y += 12
        let counts = RuleStatus.allCases.map { s in (s, report.rules.filter { $0.status == s }.count) }
        doc.rectangle(x: left, y: y, width: width, height: 34, fill: Self.color(report.status).withAlpha(0.1), stroke: Self.color(report.status), lineWidth: 1)
        doc.text("审查结论：\(report.status.chinese)", x: left + 10, y: y + 9, size: 13, bold: true, color: Self.color(report.status))
        doc.textRight(counts.map { "\($0.0.chinese) \($0.1) 项" }.joined(separator: "  "), right: left + width - 10, y: y + 11, size: 9)
        y += 48
        doc.text("位置图", x: left, y: y, size: 10, bold: true)
        y += 16
        drawMap(doc, x: left, y: y)
        y += Self.frame.height + 4
        doc.text("底图：国土空间规划（用地用海）；坐标系 CGCS2000，Web 墨卡托投影显示。", x: left, y: y, size: 7.5, color: Color(0.35, 0.35, 0.35))
        nextPage(&y)

        // 一、审查结论汇总
        heading("一、审查结论汇总", &y)
        y = doc.table(x: left, y: y, width: width, weights: [2.2, 0.8, 6], header: ["审查项", "结论", "说明"],
                      rows: report.rules.map { [$0.rule, $0.status.chinese, $0.message] },
                      rowColors: report.rules.map { $0.status == .compliant ? nil : Self.color($0.status).withAlpha(0.08) })
        y += 16

        // 二、三线协调分析
        heading("二、三线协调分析", &y)
        if report.controlLines.isEmpty {
            paragraph("选址与生态保护红线、永久基本农田、城镇开发边界均无重叠。", &y)
        } else {
            y = doc.table(x: left, y: y, width: width, weights: [1.4, 2.6, 3.2, 1], header: ["控制线", "名称", "重叠面积", "占选址"],
                          rows: report.controlLines.map { [$0.code, $0.name, Self.area($0.area), Self.percent($0.share)] })
            y += 16
        }

        // 三、国土空间总体规划符合性
        heading("三、国土空间总体规划符合性", &y)
        if report.plannedClasses.isEmpty {
            paragraph("选址范围内无规划用地数据。", &y)
        } else {
            let fit: [RuleStatus: String] = [.compliant: "相符", .warning: "有条件相容", .violation: "不符"]
            y = doc.table(x: left, y: y, width: width, weights: [0.9, 2, 3.4, 1, 1.2], header: ["用地代码", "规划用地", "面积", "占选址", "相符性"],
                          rows: report.plannedClasses.map { [$0.code, $0.name, Self.area($0.area), Self.percent($0.share), fit[$0.fit ?? .compliant] ?? ""] },
                          rowColors: report.plannedClasses.map { ($0.fit ?? .compliant) == .compliant ? nil : Self.color($0.fit!).withAlpha(0.08) })
            y += 16
        }

        // 四、土地利用现状
        heading("四、土地利用现状（GB/T 21010）", &y)
        if report.landStatus.isEmpty {
            paragraph("选址范围内无土地利用现状数据。", &y)
        } else {
            y = doc.table(x: left, y: y, width: width, weights: [0.9, 2.6, 3.6, 1], header: ["一级类", "地类", "面积", "占选址"],
                          rows: report.landStatus.map { [$0.code, $0.name, Self.area($0.area), Self.percent($0.share)] })
            y += 8
            paragraph(report.farmland.ellipsoidal > 0 ? String(format: "其中占用耕地 %.2f 亩（%.2f 平方米）。", report.farmland.ellipsoidal / AreaFigures.squareMetresPerMu,
                                                               report.farmland.ellipsoidal) : "选址不占用耕地。", &y, size: 9.5,
                      color: report.farmland.ellipsoidal > 0 ? Self.warn : .black)
            y += 8
        }

        // 五、专项规划与邻避设施
        heading("五、专项规划与周边敏感设施", &y)
        if report.facilities.isEmpty {
            paragraph("各防护距离范围内无敏感设施。", &y)
        } else {
            y = doc.table(x: left, y: y, width: width, weights: [2.6, 3, 1.2], header: ["审查项", "设施", "距离（米）"],
                          rows: report.facilities.map { [$0.rule, $0.name, String(Int($0.distance.rounded()))] })
            y += 16
        }

        // 六、小结
        heading("六、小结", &y)
        let failing = report.rules.filter { $0.status != .compliant }
        var summary = "经对照\(report.city)国土空间规划“一张图”审查，本选址审查结论为“\(report.status.chinese)”。"
        if failing.isEmpty {
            summary += "各审查项均符合要求。"
        } else {
            summary += "需关注：" + failing.map { "\($0.rule)（\($0.status.chinese)）" }.joined(separator: "、") + "。"
        }
        paragraph(summary, &y, size: 10)
        if !report.leftOut.isEmpty {
            paragraph("说明：以下图层审查人无权访问，相关审查项未能完成：" + report.leftOut.map { "\($0.layer)（\($0.purposes.joined(separator: "、"))）" }.joined(separator: "；") + "。",
                      &y, color: Self.warn)
        }
        paragraph("面积说明：以 CGCS2000 椭球面积为准（国土调查办发〔2008〕32号），平面面积为 \(report.siteArea.planeCRS) 高斯-克吕格投影面积，供参考；1 亩 = 10000/15 平方米。", &y,
                  size: 8, color: Color(0.35, 0.35, 0.35))
        paragraph("数据版本：" + report.dataVersions.sorted { $0.key < $1.key }.map { "\($0.key) v\($0.value)" }.joined(separator: "，")
                  + "。审查人：\(report.reviewer)；生成时间：\(Self.date(report.generated))。", &y, size: 8, color: Color(0.35, 0.35, 0.35))
        footer()
        return try doc.finish()
    }

    static func number(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(format: "%.2f", v) }
}

extension Color {
    func withAlpha(_ a: Double) -> Color { Color(r, g, b, a) }
}
