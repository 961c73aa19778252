import Hummingbird
import OneMapAnalysis
import OneMapStore

/// The HTML pages of OGC API – Processes (`f=html`).
enum ProcessPages {
    static func list(_ processes: [ProcessDescription], base: String) -> Response {
        let base = HTMLPage.escape(base)
        let rows = processes.map { p in
            "<tr><td><a href=\"\(base)/ogc/processes/\(p.id)?f=html\">\(HTMLPage.escape(p.id))</a></td><td>\(HTMLPage.escape(p.title))</td><td>\(HTMLPage.escape(p.description))</td></tr>"
        }
        return HTMLPage.response(title: "分析服务（OGC API – Processes）", body: """
            <p><a href="\(base)/ogc/jobs?f=html">我的任务</a></p>
            <table><tr><th>编号</th><th>名称</th><th>说明</th></tr>\(rows.joined())</table>
            """)
    }

    static func process(_ p: ProcessDescription, base: String) -> Response {
        let base = HTMLPage.escape(base)
        func rows(_ list: [ProcessDescription.Parameter]) -> String {
            list.map { q in
                "<tr><td>\(HTMLPage.escape(q.id))</td><td>\(HTMLPage.escape(q.title))</td><td>\(q.minOccurs > 0 ? "必填" : "可选")</td><td>\(HTMLPage.escape(q.description))</td></tr>"
            }.joined()
        }
        return HTMLPage.response(title: "\(p.title)（\(p.id)）", body: """
            <p>\(HTMLPage.escape(p.description))</p>
            <p>执行：<code>POST \(base)/ogc/processes/\(p.id)/execution</code>，请求体 <code>{"inputs": {…}}</code>；
            加请求头 <code>Prefer: respond-async</code> 则异步执行。</p>
            <h2>输入</h2><table><tr><th>编号</th><th>名称</th><th></th><th>说明</th></tr>\(rows(p.inputs))</table>
            <h2>输出</h2><table><tr><th>编号</th><th>名称</th><th></th><th>说明</th></tr>\(rows(p.outputs))</table>
            """)
    }

    static func jobs(_ jobs: [JobRecord], base: String) -> Response {
        let base = HTMLPage.escape(base)
        let rows = jobs.map { j in
            "<tr><td><a href=\"\(base)/ogc/jobs/\(j.id)?f=html\">\(j.id)</a></td><td>\(HTMLPage.escape(j.processID))</td><td>\(j.status.rawValue)</td><td>\(j.progress)%</td><td>\(HTMLPage.escape(j.created))</td></tr>"
        }
        return HTMLPage.response(title: "分析任务", body: "<table><tr><th>任务</th><th>服务</th><th>状态</th><th>进度</th><th>创建时间</th></tr>\(rows.joined())</table>")
    }

    static func job(_ j: JobRecord, base: String) -> Response {
        let base = HTMLPage.escape(base)
        var body = "<table><tr><th>服务</th><td>\(HTMLPage.escape(j.processID))</td></tr><tr><th>状态</th><td>\(j.status.rawValue)</td></tr>"
        body += "<tr><th>进度</th><td>\(j.progress)%</td></tr><tr><th>说明</th><td>\(HTMLPage.escape(j.message ?? ""))</td></tr>"
        body += "<tr><th>创建</th><td>\(HTMLPage.escape(j.created))</td></tr><tr><th>完成</th><td>\(HTMLPage.escape(j.finished ?? ""))</td></tr></table>"
        if j.status == .successful { body += "<p><a href=\"\(base)/ogc/jobs/\(j.id)/results\">结果（JSON）</a></p>" }
        return HTMLPage.response(title: "任务 \(j.id)", body: body)
    }
}
