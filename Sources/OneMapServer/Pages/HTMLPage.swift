import Hummingbird

/// The plain HTML pages of the OGC API (`f=html`): readable in a browser, no scripts.
enum HTMLPage {
    static func response(title: String, body: String) -> Response {
        let page = """
            <!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>\(escape(title))</title>
            <style>body{font-family:"Noto Sans CJK SC",sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}</style>
            </head><body><p><a href="/ogc?f=html">OneMap OGC API</a></p><h1>\(escape(title))</h1>\(body)</body></html>
            """
        return Responses.text(page, contentType: "text/html; charset=utf-8")
    }

    /// Text for HTML content and attribute values (the XML escapes serve both).
    static func escape(_ s: String) -> String { XMLWriter.escape(s) }
}
