import OneMapAnalysis
import OneMapGeometry
import OneMapStore

/// The OpenAPI 3.0 description of `/ogc`, built per caller from the collections it may see
/// (one path per collection, so each lists its own property parameters, as pygeoapi does).
enum OpenAPIDocument {
    static func build(base: String, offered: [CRS], collections: [Layer], processes: [ProcessDescription], cases: Bool = false) -> JSONValue {
        var paths: [(String, JSONValue)] = [
            ("/", get("getLandingPage", "Landing page", tag: "Capabilities", response: ref("LandingPage"), formats: true)),
            ("/conformance", get("getConformance", "Conformance classes", tag: "Capabilities", response: ref("Conformance"), formats: true)),
            ("/api", get("getAPI", "This document", tag: "Capabilities", response: ref("OpenAPI 3.0 document", mediaType: "application/vnd.oai.openapi+json;version=3.0"), formats: true)),
            ("/collections", get("getCollections", "The feature collections the caller may see", tag: "Capabilities", response: ref("Collections"), formats: true)),
            ("/tileMatrixSets", get("getTileMatrixSets", "Tile matrix sets", tag: "Tiles", response: ref("JSON"))),
        ]
        for layer in collections {
            let id = layer.id
            paths.append(("/collections/\(id)", get("describe_\(id)", "\(layer.title): metadata", tag: id, response: ref("Collection"), formats: true)))
            paths.append(("/collections/\(id)/queryables", get("queryables_\(id)", "\(layer.title): queryable properties (JSON Schema)", tag: id,
                                                                response: ref("JSON", mediaType: "application/schema+json"), formats: true)))
            // `datetime` only where the collection has a date property to apply it to.
            let temporal = layer.attributes.contains { $0.type == .date }
            let common: [String] = ["limit", "offset", "bbox", "bbox-crs", "crs"] + (temporal ? ["datetime"] : [])
                + ["filter", "filter-lang", "filter-crs", "sortby", "properties", "skipGeometry", "f"]
            let itemParameters: [JSONValue] = common.map { .object([("$ref", .string("#/components/parameters/\($0)"))]) }
                + layer.attributes.map { a in
                    .object([("name", .string(a.name)), ("in", .string("query")), ("required", .bool(false)),
                             ("description", .string("\(a.displayName): features whose \(a.name) equals this value")),
                             ("schema", schema(a.type))])
                }
            paths.append(("/collections/\(id)/items", .object([
                ("get", operation("items_\(id)", "\(layer.title): features", tag: id, parameters: itemParameters,
                                 response: ref("FeatureCollection", mediaType: "application/geo+json"), notAcceptable: true)),
                ("post", .object([
                    ("operationId", .string("create_\(id)")), ("summary", .string("\(layer.title): add a feature")), ("tags", .array([.string(id)])),
                    ("requestBody", featureBody()),
                    ("responses", .object([("201", .object([("description", .string("Created; Location names the new feature"))])),
                                           ("400", ref("Error")), ("403", ref("Error"))])),
                ])),
            ])))
            let fid: JSONValue = .object([("name", .string("featureId")), ("in", .string("path")), ("required", .bool(true)), ("schema", .object([("type", .string("integer"))]))])
            let crsRef: JSONValue = .object([("$ref", .string("#/components/parameters/crs"))])
            let ifMatch: JSONValue = .object([("name", .string("If-Match")), ("in", .string("header")), ("required", .bool(false)), ("schema", .object([("type", .string("string"))]))])
            func edit(_ verb: String, _ summary: String, body: Bool) -> JSONValue {
                var fields: [(String, JSONValue)] = [("operationId", .string("\(verb)_\(id)")), ("summary", .string("\(layer.title): \(summary)")),
                                                    ("tags", .array([.string(id)])), ("parameters", .array([fid, ifMatch]))]
                if body { fields.append(("requestBody", featureBody())) }
                fields.append(("responses", .object([
                    (verb == "delete" ? "204" : "200", .object([("description", .string("Done"))])), ("400", ref("Error")), ("403", ref("Error")),
                    ("404", ref("Error")), ("412", ref("Error")),
                ])))
                return .object(fields)
            }
            paths.append(("/collections/\(id)/items/{featureId}", .object([
                ("get", operation("item_\(id)", "\(layer.title): one feature", tag: id, parameters: [fid, crsRef], response: ref("Feature", mediaType: "application/geo+json"))),
                ("put", edit("replace", "replace a feature", body: true)),
                ("patch", edit("update", "change some properties or the geometry", body: true)),
                ("delete", edit("delete", "remove a feature", body: false)),
            ])))
        }
        paths += processPaths(processes)
        if cases { paths += casePaths(base: base) }
        return .object([
            ("openapi", .string("3.0.3")),
            ("info", .object([("title", .string("OneMap 一张图")), ("version", .string("1.0")),
                              ("description", .string("OGC API – Features (Parts 1–4, CQL2 text), Tiles and Processes over the city's one map."))])),
            ("servers", .array([.object([("url", .string("\(base)/ogc"))])])),
            ("paths", .object(paths)),
            ("components", components(offered: offered)),
        ])
    }

    static func ref(_ name: String, mediaType: String = "application/json") -> JSONValue {
        .object([("description", .string(name)), ("content", .object([(mediaType, .object([("schema", .object([("type", .string("object"))]))]))]))])
    }

    /// - Parameter formats: the operation takes `f` (json, geojson, html; another is 406).
    static func get(_ id: String, _ summary: String, tag: String, response: JSONValue, formats: Bool = false) -> JSONValue {
        let f: [JSONValue] = formats ? [.object([("$ref", .string("#/components/parameters/f"))])] : []
        return .object([("get", operation(id, summary, tag: tag, parameters: f, response: response, notAcceptable: formats))])
    }

    static func operation(_ id: String, _ summary: String, tag: String, parameters: [JSONValue], response: JSONValue,
                          notAcceptable: Bool = false) -> JSONValue {
        // 406: a format (`f`) the operation does not write.
        .object([
            ("operationId", .string(id)), ("summary", .string(summary)), ("tags", .array([.string(tag)])),
            ("parameters", .array(parameters)),
            ("responses", .object([("200", response), ("400", ref("Error")), ("404", ref("Error"))] + (notAcceptable ? [("406", ref("Error"))] : []))),
        ])
    }

    static func featureBody() -> JSONValue {
        .object([("required", .bool(true)), ("content", .object([
            ("application/geo+json", .object([("schema", .object([("type", .string("object")), ("required", .array([.string("type")]))]))])),
        ]))])
    }

    static func schema(_ type: AttributeType) -> JSONValue {
        switch type {
        case .integer: .object([("type", .string("integer"))])
        case .real: .object([("type", .string("number"))])
        case .text: .object([("type", .string("string"))])
        case .date: .object([("type", .string("string")), ("format", .string("date"))])
        }
    }

    static func parameter(_ name: String, _ description: String, _ schema: JSONValue, style: Bool = false) -> (String, JSONValue) {
        var fields: [(String, JSONValue)] = [("name", .string(name)), ("in", .string("query")), ("required", .bool(false)),
                                             ("description", .string(description)), ("schema", schema)]
        if style { fields += [("style", .string("form")), ("explode", .bool(false))] }
        return (name, .object(fields))
    }

    static func components(offered: [CRS]) -> JSONValue {
        let string: JSONValue = .object([("type", .string("string"))])
        let crsEnum: JSONValue = .object([("type", .string("string")), ("format", .string("uri")),
                                          ("enum", .array(offered.map { .string($0.uri) }))])
        return .object([("parameters", .object([
            parameter("limit", "Features per page (1–\(OGCFeaturesRoutes.maxLimit), default 100)",
                      .object([("type", .string("integer")), ("minimum", .number(1)), ("maximum", .number(Double(OGCFeaturesRoutes.maxLimit))), ("default", .number(100))])),
            parameter("offset", "Features to skip (paging; the next and prev links carry it)", .object([("type", .string("integer")), ("minimum", .number(0))])),
            parameter("bbox", "minx,miny,maxx,maxy in bbox-crs (axis order of that CRS)",
                      .object([("type", .string("array")), ("minItems", .number(4)), ("maxItems", .number(6)), ("items", .object([("type", .string("number"))]))]), style: true),
            parameter("bbox-crs", "CRS of bbox (default CRS84)", crsEnum),
            parameter("crs", "CRS of the returned coordinates (default CRS84); the response's Content-Crs names it", crsEnum),
            parameter("datetime", "An ISO 8601 instant or interval (start/end, '..' open) on the collection's date property", string),
            parameter("filter", "A CQL2 text expression", string),
            parameter("filter-lang", "cql2-text", .object([("type", .string("string")), ("enum", .array([.string("cql2-text")]))])),
            parameter("filter-crs", "CRS of geometry literals in filter (default CRS84)", crsEnum),
            parameter("sortby", "Properties to sort by, comma-separated, '-' for descending", string),
            parameter("properties", "Properties to return, comma-separated", string),
            parameter("skipGeometry", "Leave geometries out", .object([("type", .string("boolean"))])),
            parameter("f", "json (default), geojson or html", .object([("type", .string("string")), ("enum", .array([.string("json"), .string("geojson"), .string("html")]))])),
        ]))])
    }
}

extension OpenAPIDocument {
    /// OGC API – Processes: the list, each process's description and execution, and the jobs.
    static func processPaths(_ processes: [ProcessDescription]) -> [(String, JSONValue)] {
        let problem: JSONValue = .object([("description", .string("An RFC 7807 exception")),
                                          ("content", .object([("application/problem+json", .object([("schema", .object([("type", .string("object"))]))]))]))])
        let jobID: JSONValue = .object([("name", .string("jobId")), ("in", .string("path")), ("required", .bool(true)), ("schema", .object([("type", .string("string"))]))])
        var paths: [(String, JSONValue)] = [
            ("/processes", get("getProcesses", "The analyses offered as processes", tag: "Processes", response: ref("ProcessList"))),
            ("/jobs", get("getJobs", "The caller's jobs", tag: "Processes", response: ref("JobList"))),
            ("/jobs/{jobId}", .object([
                ("get", .object([("operationId", .string("getStatus")), ("summary", .string("A job's status")), ("tags", .array([.string("Processes")])),
                                 ("parameters", .array([jobID])), ("responses", .object([("200", ref("statusInfo")), ("404", problem)]))])),
                ("delete", .object([("operationId", .string("dismiss")), ("summary", .string("Dismiss a job")), ("tags", .array([.string("Processes")])),
                                    ("parameters", .array([jobID])), ("responses", .object([("200", ref("statusInfo")), ("404", problem)]))])),
            ])),
            ("/jobs/{jobId}/results", .object([("get", .object([
                ("operationId", .string("getResult")), ("summary", .string("A finished job's results")), ("tags", .array([.string("Processes")])),
                ("parameters", .array([jobID])), ("responses", .object([("200", ref("Results")), ("404", problem)])),
            ]))])),
        ]
        for p in processes {
            let prefer: JSONValue = .object([("name", .string("Prefer")), ("in", .string("header")), ("required", .bool(false)),
                                             ("description", .string("respond-async to run as a job (201 and Location)")),
                                             ("schema", .object([("type", .string("string"))]))])
            paths.append(("/processes/\(p.id)", get("describe_\(p.id)", "\(p.title): description", tag: "Processes", response: ref("Process"))))
            paths.append(("/processes/\(p.id)/execution", .object([("post", .object([
                ("operationId", .string("execute_\(p.id)")), ("summary", .string("\(p.title)")), ("description", .string(p.description)),
                ("tags", .array([.string("Processes")])), ("parameters", .array([prefer])),
                ("requestBody", .object([("required", .bool(true)), ("content", .object([("application/json", .object([("schema", .object([
                    ("type", .string("object")), ("required", .array([.string("inputs")])),
                    ("properties", .object([("inputs", .object([("type", .string("object")),
                                                                ("properties", .object(p.inputs.map { ($0.id, $0.schema) }))])),
                                            ("response", .object([("type", .string("string")), ("enum", .array([.string("raw"), .string("document")]))]))])),
                ]))]))]))])),
                ("responses", .object([("200", ref("Results")), ("201", ref("statusInfo")), ("400", problem), ("404", problem)])),
            ]))])))
        }
        return paths
    }

    /// 数字城管 and geocoding, outside `/ogc` (each path names its own server).
    static func casePaths(base: String) -> [(String, JSONValue)] {
        let server: JSONValue = .array([.object([("url", .string(base))])])
        func query(_ name: String, _ description: String, type: String = "string", required: Bool = false) -> JSONValue {
            .object([("name", .string(name)), ("in", .string("query")), ("required", .bool(required)), ("description", .string(description)),
                     ("schema", .object([("type", .string(type))]))])
        }
        let caseID: JSONValue = .object([("name", .string("id")), ("in", .string("path")), ("required", .bool(true)), ("schema", .object([("type", .string("integer"))]))])
        func op(_ id: String, _ summary: String, _ parameters: [JSONValue], body: String? = nil, created: Bool = false) -> JSONValue {
            var fields: [(String, JSONValue)] = [("operationId", .string(id)), ("summary", .string(summary)), ("tags", .array([.string("数字城管")])),
                                                 ("parameters", .array(parameters))]
            if let body {
                fields.append(("requestBody", .object([("required", .bool(true)), ("content", .object([(body, .object([("schema", .object([("type", .string(body.hasPrefix("image") ? "string" : "object"))]))]))]))])))
            }
            fields.append(("responses", .object([(created ? "201" : "200", ref("JSON")), ("400", ref("Error")), ("403", ref("Error")), ("404", ref("Error")),
                                                 ("409", ref("Error"))])))
            return .object(fields)
        }
        let period = [query("from", "Start (YYYY-MM-DD or ISO 8601 time)"), query("to", "End, exclusive (default: the end of today)")]
        return [
            ("/geocode", .object([("servers", server), ("get", op("geocode", "Addresses, roads, places and communities matching a Chinese address",
                                                                  [query("q", "The address, e.g. 运河区解放东路12号", required: true), query("limit", "1–50", type: "integer")]))])),
            ("/geocode/reverse", .object([("servers", server), ("get", op("reverseGeocode", "The unit grid, community, street and nearest address at a point",
                                                                          [query("lon", "Longitude (or x with crs)", type: "number"), query("lat", "Latitude (or y with crs)", type: "number"),
                                                                           query("crs", "CRS of x/y, e.g. EPSG:4547")]))])),
            ("/cases", .object([("servers", server),
                                ("get", op("listCases", "Cases, newest first", [query("state", "States, comma separated"), query("class", "Class code"),
                                                                                query("street", "Street code"), query("community", "Community code"),
                                                                                query("grid", "Unit grid code"), query("department", "Department code"),
                                                                                query("overdue", "true or false", type: "boolean"), query("q", "Text in the number, description or address"),
                                                                                query("limit", "1–1000", type: "integer"), query("offset", "Skip", type: "integer")] + period)),
                                ("post", op("reportCase", "Report a case (上报)", [], body: "application/json", created: true))])),
            ("/cases/rules", .object([("servers", server), ("get", op("caseRules", "Sources, classes with their time limits, departments, states and actions", []))])),
            ("/cases/stats", .object([("servers", server), ("get", op("caseStatistics", "综合评价: counts and rates per group, ranked",
                                                                      [query("by", "street, community, grid, department or supervisor"), query("f", "json or csv")] + period))])),
            ("/cases/density", .object([("servers", server), ("get", op("caseDensity", "Cases per unit grid (GeoJSON)", period))])),
            ("/cases/{id}", .object([("servers", server), ("get", op("getCase", "A case with its history and attachments", [caseID]))])),
            ("/cases/{id}/actions", .object([("servers", server), ("post", op("actOnCase", "Take a workflow action (受理, 立案, 派遣, 处置反馈, 核查, 结案, 延期, 挂账 …)",
                                                                             [caseID], body: "application/json"))])),
            ("/cases/{id}/attachments", .object([("servers", server), ("post", op("attachToCase", "Attach a JPEG or PNG photo",
                                                                                 [caseID, query("name", "File name")], body: "image/jpeg", created: true))])),
        ]
    }
}
