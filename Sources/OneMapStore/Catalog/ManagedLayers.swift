/// The layers the domains keep (`managedBy`): what the catalog says about them, the same on
/// every backend (each backend keeps their rows in tables of its own).
enum ManagedLayers {
    private static func text(_ name: String, _ title: String, searchable: Bool = false) -> AttributeField {
        AttributeField(name: name, type: .text, title: title, searchable: searchable)
    }

    /// 数字城管 cases as a point layer.
    static let caseAttributes: [AttributeField] = [
        text("number", "案卷编号", searchable: true), text("state", "状态"), text("source", "来源"), text("kind", "类型"),
        text("class_code", "类别代码"), text("class_name", "小类"), text("major_name", "大类"), text("description", "问题描述"),
        text("address", "地址"), text("street_name", "街道"), text("community_name", "社区"), text("grid_code", "单元网格"),
        text("department", "处置部门"), AttributeField(name: "urgent", type: .integer, title: "紧急"),
        AttributeField(name: "overdue", type: .integer, title: "超期"), AttributeField(name: "reported_at", type: .date, title: "上报时间"),
        AttributeField(name: "closed_at", type: .date, title: "结案时间"),
    ]
    static let caseSource = "数字城管案件库（OneMap）"
    static let caseDescription = "数字城管案件：由案件流程维护，只读"

    /// Emergency incidents (points or areas).
    static let incidentAttributes: [AttributeField] = [
        text("title", "事件名称", searchable: true), text("category", "事件类别"), text("subtype", "事件类型"), text("level", "事件级别"),
        text("status", "状态"), AttributeField(name: "occurred_at", type: .date, title: "发生时间"),
        AttributeField(name: "updated_at", type: .date, title: "更新时间"), text("notes", "情况说明"),
    ]
    static let incidentSource = "应急事件库（OneMap）"
    static let incidentDescription = "突发事件：由应急事件接口维护，只读"
}
