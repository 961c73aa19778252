import OneMapGeometry
import OneMapStore
import Testing

@testable import OneMapRender

@Suite struct ExpressionTests {
    func parse(_ json: String, _ type: ValueType = .value) throws -> Expression {
        try ExpressionParser.parse(JSONValue.parse(json), "$.test", expected: type).0
    }

    let feature = FeatureData(index: ["class": 0, "lanes": 1, "name": 2, "empty": 3], values: [.text("primary"), .integer(4), .text("解放路"), .null],
                              geometryType: "LineString", id: 7)

    func eval(_ json: String, zoom: Double = 14, _ type: ValueType = .value) throws -> StyleValue {
        try parse(json, type).evaluate(EvaluationContext(zoom: zoom, feature: feature))
    }

    @Test func lookupsAndComparisons() throws {
        #expect(try eval(#"["get", "class"]"#) == .string("primary"))
        #expect(try eval(#"["get", "missing"]"#) == .null)
        #expect(try eval(#"["has", "lanes"]"#) == .bool(true))
        #expect(try eval(#"["has", "empty"]"#) == .bool(false))
        #expect(try eval(#"["==", ["get", "lanes"], 4]"#) == .bool(true))
        #expect(try eval(#"["!=", ["get", "class"], "branch"]"#) == .bool(true))
        #expect(try eval(#"[">=", ["get", "lanes"], 5]"#) == .bool(false))
        #expect(try eval(#"["<", ["get", "name"], "解放路x"]"#) == .bool(true))
        #expect(try eval(#"["all", ["==", ["geometry-type"], "LineString"], ["!", ["has", "missing"]]]"#) == .bool(true))
        #expect(try eval(#"["any", false, ["==", ["id"], 7]]"#) == .bool(true))
        #expect(try eval(#"["in", ["get", "class"], ["literal", ["primary", "secondary"]]]"#) == .bool(true))
        #expect(try eval(#"["in", "放", ["get", "name"]]"#) == .bool(true))
    }

    @Test func branchingAndStrings() throws {
        #expect(try eval(#"["match", ["get", "class"], ["motorway", "primary"], 1, "secondary", 2, 3]"#) == .number(1))
        #expect(try eval(#"["case", ["==", ["get", "lanes"], 2], "narrow", ["==", ["get", "lanes"], 4], "wide", "other"]"#) == .string("wide"))
        #expect(try eval(#"["coalesce", ["get", "empty"], ["get", "name"]]"#) == .string("解放路"))
        #expect(try eval(#"["concat", ["get", "name"], " ", ["to-string", ["get", "lanes"]], "车道"]"#) == .string("解放路 4车道"))
        #expect(try eval(#"["to-number", "12.5"]"#) == .number(12.5))
        #expect(try eval(#"["upcase", "abc"]"#) == .string("ABC"))
        #expect(try eval(#"["+", 1, 2, ["*", 2, 3]]"#) == .number(9))
    }

    @Test func zoomFunctions() throws {
        let linear = #"["interpolate", ["linear"], ["zoom"], 10, 1, 14, 5]"#
        #expect(try eval(linear, zoom: 12) == .number(3))
        #expect(try eval(linear, zoom: 8) == .number(1))
        #expect(try eval(linear, zoom: 20) == .number(5))
        let exponential = #"["interpolate", ["exponential", 2], ["zoom"], 10, 0, 12, 3]"#
        #expect(try eval(exponential, zoom: 11) == .number(1))
        let step = #"["step", ["zoom"], "a", 12, "b", 15, "c"]"#
        #expect(try eval(step, zoom: 11.9) == .string("a"))
        #expect(try eval(step, zoom: 12) == .string("b"))
        #expect(try eval(step, zoom: 16) == .string("c"))
        let colour = try eval(#"["interpolate", ["linear"], ["zoom"], 0, "black", 10, "white"]"#, zoom: 5, .color)
        #expect(colour.color.map { abs($0.r - 0.5) < 1e-9 } == true)
    }

    @Test func legacySyntaxIsConverted() throws {
        let legacy = try JSONValue.parse(#"["all", ["==", "class", "primary"], ["in", "lanes", 2, 4], ["!has", "empty"], ["==", "$type", "LineString"]]"#)
        #expect(!ExpressionParser.isExpressionFilter(legacy))
        let converted = try ExpressionParser.convertLegacyFilter(legacy, "$.filter")
        #expect(try ExpressionParser.parse(converted, "$.filter", expected: .boolean).0.evaluate(EvaluationContext(zoom: 14, feature: feature)) == .bool(true))
        let function = try ExpressionParser.convertFunction(JSONValue.parse(#"{"base": 1, "stops": [[10, 1], [14, 5]]}"#), "$.w", interpolatable: true)
        #expect(try ExpressionParser.parse(function, "$.w", expected: .number).0.evaluate(EvaluationContext(zoom: 12)) == .number(3))
        let categorical = try ExpressionParser.convertFunction(JSONValue.parse(#"{"property": "class", "type": "categorical", "stops": [["primary", "red"]], "default": "blue"}"#), "$.c", interpolatable: true)
        #expect(try ExpressionParser.parse(categorical, "$.c", expected: .color).0.evaluate(EvaluationContext(zoom: 1, feature: feature)).color == Color(css: "red"))
    }

    @Test func typeErrorsNameTheirPath() {
        #expect(throws: StyleProblem("$.test", "expected number but found string")) { try parse(#"["concat", "a", "b"]"#, .number) }
        #expect(throws: StyleProblem("$.test", "'bluish' is not a colour")) { try parse(#""bluish""#, .color) }
        #expect(throws: StyleProblem("$.test", "unknown expression operator 'frobnicate'")) { try parse(#"["frobnicate", 1]"#, .number) }
        #expect(throws: StyleProblem("$.test[5]", "stop inputs must be in ascending order")) {
            try parse(#"["interpolate", ["linear"], ["zoom"], 10, 1, 5, 2]"#, .number)
        }
        #expect(throws: StyleProblem("$.test", "cannot compare number with string")) { try parse(#"["==", 1, "a"]"#, .boolean) }
        #expect(throws: StyleProblem("$.test", "string values cannot be interpolated; use 'step'")) {
            try parse(#"["interpolate", ["linear"], ["zoom"], 1, "a", 2, "b"]"#, .string)
        }
    }

    @Test func cssColours() {
        #expect(Color(css: "#fff") == Color(1, 1, 1))
        #expect(Color(css: "#ff000080")?.a == Double(0x80) / 255)
        #expect(Color(css: "rgba(255, 0, 0, 0.5)") == Color(1, 0, 0, 0.5))
        #expect(Color(css: "hsl(120, 100%, 50%)") == Color(0, 1, 0))
        #expect(Color(css: "rebeccapurple")?.hex == "#663399")
        #expect(Color(css: "not-a-colour") == nil)
    }
}
