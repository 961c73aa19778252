import Foundation
import OneMapAnalysis
import OneMapGeometry

/// The planning review as an HTML page: the PDF's content for a browser (prints on A4 too).
public enum SiteReviewPage {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func css(_ s: RuleStatus) -> String { s.rawValue }

    /// - Parameters:
    ///   - mapURL: the location map's image (PNG); nil leaves it out.
    ///   - pdfURL: a link to the PDF.
    public static func html(_ report: SiteReviewReport, mapURL: String?, pdfURL: String?) -> String {
        let fit: [RuleStatus: String] = [.compliant: "相符", .warning: "有条件相容", .violation: "不符"]
        func area(_ a: AreaFigures) -> String { escape(SiteReviewDocument.area(a)) }
        func table(_ header: [String], _ rows: [[String]], classes: [String?] = []) -> String {
            "<table><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
                + rows.enumerated().map { i, r in
                    "<tr\(i < classes.count && classes[i] != nil ? " class=\"\(classes[i]!)\"" : "")>" + r.map { "<td>\(escape($0))</td>" }.joined() + "</tr>"
                }.joined() + "</table>"
        }
        var body = "<h1>建设项目选址合规性审查报告</h1><p class=\"sub\">\(escape(report.city)) · 生成于 \(escape(SiteReviewDocument.date(report.generated))) · 审查人 \(escape(report.reviewer))</p>"
        if let pdfURL { body += "<p class=\"actions\"><a href=\"\(escape(pdfURL))\">下载 PDF</a> · <a href=\"javascript:print()\">打印</a></p>" }
        var facts: [[String]] = [
            ["项目名称", report.project ?? "（未填写）"], ["申请单位", report.applicant ?? "（未填写）"], ["案卷编号", report.caseNumber ?? "（未填写）"],
            ["拟用地性质", "\(report.use) \(report.useName)（\(report.isConstruction ? "建设用地" : "非建设用地")）"],
            ["选址面积", SiteReviewDocument.area(report.siteArea) + String(format: "；平面面积（%@）%.2f 平方米", report.siteArea.planeCRS, report.siteArea.plane)],
        ]
        for a in report.administrative { facts.append([a.title, a.units.map(\.name).joined(separator: "、")]) }
        if let r = report.repaired { facts.append(["图形修复", "提交的选址图形无效（\(r)），已自动修复后审查"]) }
        body += table(["项目", "内容"], facts)
        body += "<p class=\"verdict \(css(report.status))\">审查结论：\(report.status.chinese)</p>"
        if let mapURL { body += "<figure><img src=\"\(escape(mapURL))\" alt=\"位置图\"><figcaption>位置图：红线为选址范围，阴影为冲突部分</figcaption></figure>" }
        body += "<h2>一、审查结论汇总</h2>" + table(["审查项", "结论", "说明"], report.rules.map { [$0.rule, $0.status.chinese, $0.message] },
                                               classes: report.rules.map { $0.status == .compliant ? nil : css($0.status) })
        body += "<h2>二、三线协调分析</h2>" + (report.controlLines.isEmpty ? "<p>选址与三条控制线均无重叠。</p>"
            : table(["控制线", "名称", "重叠面积", "占选址"], report.controlLines.map { [$0.code, $0.name, SiteReviewDocument.area($0.area), SiteReviewDocument.percent($0.share)] }))
        body += "<h2>三、国土空间总体规划符合性</h2>" + (report.plannedClasses.isEmpty ? "<p>选址范围内无规划用地数据。</p>"
            : table(["用地代码", "规划用地", "面积", "占选址", "相符性"],
                    report.plannedClasses.map { [$0.code, $0.name, SiteReviewDocument.area($0.area), SiteReviewDocument.percent($0.share), fit[$0.fit ?? .compliant] ?? ""] },
                    classes: report.plannedClasses.map { ($0.fit ?? .compliant) == .compliant ? nil : css($0.fit!) }))
        body += "<h2>四、土地利用现状</h2>" + (report.landStatus.isEmpty ? "<p>选址范围内无土地利用现状数据。</p>"
            : table(["一级类", "地类", "面积", "占选址"], report.landStatus.map { [$0.code, $0.name, SiteReviewDocument.area($0.area), SiteReviewDocument.percent($0.share)] }))
        if report.farmland.ellipsoidal > 0 {
            body += String(format: "<p class=\"warning\">其中占用耕地 %.2f 亩（%.2f 平方米）。</p>", report.farmland.ellipsoidal / AreaFigures.squareMetresPerMu, report.farmland.ellipsoidal)
        }
        body += "<h2>五、专项规划与周边敏感设施</h2>" + (report.facilities.isEmpty ? "<p>各防护距离范围内无敏感设施。</p>"
            : table(["审查项", "设施", "距离（米）"], report.facilities.map { [$0.rule, $0.name, String(Int($0.distance.rounded()))] }))
        body += "<h2>六、小结</h2><p>本选址审查结论为“\(report.status.chinese)”。</p>"
        if !report.leftOut.isEmpty {
            body += "<p class=\"warning\">以下图层审查人无权访问，相关审查项未能完成：" + escape(report.leftOut.map { "\($0.layer)（\($0.purposes.joined(separator: "、"))）" }.joined(separator: "；")) + "</p>"
        }
        body += "<p class=\"note\">面积以 CGCS2000 椭球面积为准，平面面积为 \(escape(report.siteArea.planeCRS)) 高斯-克吕格投影面积；1 亩 = 10000/15 平方米。数据版本："
            + escape(report.dataVersions.sorted { $0.key < $1.key }.map { "\($0.key) v\($0.value)" }.joined(separator: "，")) + "</p>"
        return """
            <!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>选址合规性审查报告</title>
            <style>
            body{font-family:"Noto Sans CJK SC",sans-serif;max-width:900px;margin:2em auto;color:#222;line-height:1.5}
            h1{text-align:center;font-size:1.6em;margin-bottom:0}.sub{text-align:center;color:#666}
            h2{color:#1a3373;font-size:1.1em;border-bottom:1px solid #ccd;padding-bottom:2px;margin-top:1.6em}
            table{border-collapse:collapse;width:100%;font-size:.9em}td,th{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top}
            th{background:#e6ebf2}tr.violation td{background:#fbe9e9}tr.warning td{background:#fdf3e3}
            .verdict{font-size:1.3em;font-weight:bold;padding:.4em .8em;border:2px solid}.verdict.compliant{color:#1a7f33;border-color:#1a7f33}
            .verdict.warning,.warning{color:#c77c00}.verdict.warning{border-color:#c77c00}.verdict.violation{color:#c41414;border-color:#c41414}
            figure{margin:1em 0}figure img{width:100%;border:1px solid #888}figcaption,.note{color:#666;font-size:.85em}
            .actions a{margin-right:.5em}@media print{.actions{display:none}}
            </style></head><body>\(body)</body></html>
            """
    }
}
