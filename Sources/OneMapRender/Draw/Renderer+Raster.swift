import Foundation
import OneMapGeometry
import OneMapStore

extension TileRenderer {
    /// Draws a raster, hillshade or color-relief layer; returns whether anything was drawn.
    func drawRaster(_ layer: StyleLayer, _ stored: Layer, _ ctx: inout DrawContext) throws -> Bool {
        let toStorage = try transform(from: ctx.crs, to: stored.storageCRS)
        let e = ctx.evaluation
        switch layer.type {
        case .raster:
            var sampler = try RasterSampler(store: store, layer: stored, ctx: ctx, toStorage: toStorage, border: 0)
            return drawImagery(layer, &sampler, &ctx, e)
        case .hillshade:
            var sampler = try RasterSampler(store: store, layer: stored, ctx: ctx, toStorage: toStorage, border: 1)
            return drawHillshade(layer, &sampler, &ctx, e)
        case .colorRelief:
            var sampler = try RasterSampler(store: store, layer: stored, ctx: ctx, toStorage: toStorage, border: 0)
            return drawColorRelief(layer, &sampler, &ctx, e)
        default:
            return false
        }
    }

    func drawImagery(_ layer: StyleLayer, _ sampler: inout RasterSampler, _ ctx: inout DrawContext, _ e: EvaluationContext) -> Bool {
        let w = Int(ctx.width), h = Int(ctx.height)
        let nearest = layer.paint("raster-resampling").string(e) == "nearest"
        let brightnessMin = layer.paint("raster-brightness-min").number(e), brightnessMax = layer.paint("raster-brightness-max").number(e)
        let saturation = layer.paint("raster-saturation").number(e), contrast = layer.paint("raster-contrast").number(e)
        let adjust = brightnessMin != 0 || brightnessMax != 1 || saturation != 0 || contrast != 0
        var out = [UInt8](repeating: 0, count: w * h * 4)
        var any = false
        for y in 0..<h {
            for x in 0..<w {
                var (r, g, b, a) = sampler.color(at: sampler.position(x, y), nearest: nearest)
                guard a > 0.5 else { continue }
                any = true
                if adjust {
                    // Adjustments work on straight colour.
                    var c = [r / a, g / a, b / a]
                    if saturation != 0 {
                        let mean = (c[0] + c[1] + c[2]) / 3
                        let s = saturation > 0 ? 1 - 1 / (1.001 - saturation) : -saturation
                        c = c.map { saturation > 0 ? $0 + ($0 - mean) * -s : $0 + (mean - $0) * s }
                    }
                    if contrast != 0 {
                        let k = contrast > 0 ? 1 / (1 - contrast) : 1 + contrast
                        c = c.map { ($0 - 0.5) * k + 0.5 }
                    }
                    c = c.map { brightnessMin + min(max($0, 0), 1) * (brightnessMax - brightnessMin) }
                    (r, g, b) = (c[0] * a, c[1] * a, c[2] * a)
                }
                let i = (y * w + x) * 4
                out[i] = UInt8(clamping: Int(b.rounded()))
                out[i + 1] = UInt8(clamping: Int(g.rounded()))
                out[i + 2] = UInt8(clamping: Int(r.rounded()))
                out[i + 3] = UInt8(clamping: Int(a.rounded()))
            }
        }
        guard any else { return false }
        ctx.canvas.composite(premultiplied: out, opacity: layer.paint("raster-opacity").number(e))
        return true
    }

    /// Elevations for every output pixel plus a one-pixel border, so slopes at tile edges see
    /// their true neighbours and adjacent tiles shade seamlessly.
    func elevationGrid(_ sampler: inout RasterSampler) -> [Double] {
        var grid = [Double](repeating: .nan, count: sampler.width * sampler.height)
        for y in 0..<sampler.height {
            for x in 0..<sampler.width { grid[y * sampler.width + x] = sampler.elevation(at: sampler.position(x, y)) }
        }
        return grid
    }

    /// Ground metres per output pixel at a row (east–west and north–south).
    func groundSpacing(_ ctx: DrawContext, row: Int) -> (Double, Double) {
        let y = ctx.bbox.maxY - (Double(row) + 0.5) * ctx.resolutionY
        if ctx.crs.isGeographic {
            let lat = y * .pi / 180
            return (ctx.resolutionX * 111_320 * cos(lat), ctx.resolutionY * 110_574)
        }
        if ctx.crs == .webMercator {
            // Web Mercator: the map scale grows by 1/cos(latitude).
            let lat = WebMercator.unproject(Coordinate(0, y)).y * .pi / 180
            return (ctx.resolutionX * cos(lat), ctx.resolutionY * cos(lat))
        }
        return (ctx.resolutionX, ctx.resolutionY)
    }

    func drawHillshade(_ layer: StyleLayer, _ sampler: inout RasterSampler, _ ctx: inout DrawContext, _ e: EvaluationContext) -> Bool {
        let w = Int(ctx.width), h = Int(ctx.height)
        let grid = elevationGrid(&sampler)
        let gw = sampler.width
        let intensity = min(max(layer.paint("hillshade-exaggeration").number(e), 0), 1)
        let azimuth = layer.paint("hillshade-illumination-direction").number(e) * .pi / 180
        let shadow = layer.paint("hillshade-shadow-color").color(e) ?? .black
        let highlight = layer.paint("hillshade-highlight-color").color(e) ?? .white
        let accentColor = layer.paint("hillshade-accent-color").color(e) ?? .black
        // Relief that is invisible at small scales is exaggerated as the map zooms out.
        let vertical = pow(2, max(0, 14 - ctx.zoom) * 0.6)
        let light = (x: sin(azimuth), y: cos(azimuth))
        let strength = min(intensity * 2, 1)
        let base = 1.875 - intensity * 1.75
        let maxSlope = Double.pi / 2
        var out = [UInt8](repeating: 0, count: w * h * 4)
        var any = false
        for y in 0..<h {
            let (dx, dy) = groundSpacing(ctx, row: y)
            for x in 0..<w {
                // Horn's 3×3 gradient; rows grow southwards, so north is −y.
                func z(_ i: Int, _ j: Int) -> Double { grid[(y + 1 + j) * gw + x + 1 + i] }
                let c = z(0, 0)
                guard !c.isNaN else { continue }
                func v(_ i: Int, _ j: Int) -> Double { let t = z(i, j); return t.isNaN ? c : t }
                let gx = ((v(1, -1) + 2 * v(1, 0) + v(1, 1)) - (v(-1, -1) + 2 * v(-1, 0) + v(-1, 1))) / (8 * dx)
                let gy = ((v(-1, -1) + 2 * v(0, -1) + v(1, -1)) - (v(-1, 1) + 2 * v(0, 1) + v(1, 1))) / (8 * dy)
                let magnitude = (gx * gx + gy * gy).squareRoot() * vertical
                let slope = atan(magnitude)
                let scaled = intensity != 0.5 ? (pow(base, slope) - 1) / (pow(base, maxSlope) - 1) * maxSlope : slope
                // Facing the light: the downhill direction (−gradient) points towards it.
                let facing = magnitude > 0 ? (-(gx * light.x + gy * light.y) * vertical / magnitude) : 0
                let shade = (1 + facing) / 2
                let sc = shadow.mix(highlight, shade)
                let alpha = sc.a * sin(scaled) * strength
                let accentAlpha = (1 - cos(scaled)) * accentColor.a * strength
                // Accent under the shade, both premultiplied.
                let a = alpha + accentAlpha * (1 - alpha)
                guard a > 0.002 else { continue }
                any = true
                let r = sc.r * alpha + accentColor.r * accentAlpha * (1 - alpha)
                let g = sc.g * alpha + accentColor.g * accentAlpha * (1 - alpha)
                let b = sc.b * alpha + accentColor.b * accentAlpha * (1 - alpha)
                let i = (y * w + x) * 4
                out[i] = UInt8(clamping: Int((b * 255).rounded()))
                out[i + 1] = UInt8(clamping: Int((g * 255).rounded()))
                out[i + 2] = UInt8(clamping: Int((r * 255).rounded()))
                out[i + 3] = UInt8(clamping: Int((a * 255).rounded()))
            }
        }
        guard any else { return false }
        ctx.canvas.composite(premultiplied: out, opacity: 1)
        return true
    }

    func drawColorRelief(_ layer: StyleLayer, _ sampler: inout RasterSampler, _ ctx: inout DrawContext, _ e: EvaluationContext) -> Bool {
        let w = Int(ctx.width), h = Int(ctx.height)
        let property = layer.paint("color-relief-color")
        // The colour ramp, tabulated once over the layer's elevation range.
        let lo = (sampler.info.minValue ?? 0) - 1, hi = (sampler.info.maxValue ?? 1000) + 1
        let steps = 1024
        var table: [(Double, Double, Double, Double)] = []
        var ramp = e
        for k in 0...steps {
            ramp.elevation = lo + (hi - lo) * Double(k) / Double(steps)
            let c = property.color(ramp) ?? .transparent
            table.append((c.r * c.a, c.g * c.a, c.b * c.a, c.a))
        }
        var out = [UInt8](repeating: 0, count: w * h * 4)
        var any = false
        for y in 0..<h {
            for x in 0..<w {
                let z = sampler.elevation(at: sampler.position(x, y))
                guard !z.isNaN else { continue }
                let t = min(max((z - lo) / (hi - lo), 0), 1) * Double(steps)
                let k = Int(t)
                let f = t - Double(k)
                let a = table[k], b = table[min(k + 1, steps)]
                let alpha = a.3 + (b.3 - a.3) * f
                guard alpha > 0.002 else { continue }
                any = true
                let i = (y * w + x) * 4
                out[i] = UInt8(clamping: Int(((a.2 + (b.2 - a.2) * f) * 255).rounded()))
                out[i + 1] = UInt8(clamping: Int(((a.1 + (b.1 - a.1) * f) * 255).rounded()))
                out[i + 2] = UInt8(clamping: Int(((a.0 + (b.0 - a.0) * f) * 255).rounded()))
                out[i + 3] = UInt8(clamping: Int((alpha * 255).rounded()))
            }
        }
        guard any else { return false }
        ctx.canvas.composite(premultiplied: out, opacity: layer.paint("color-relief-opacity").number(e))
        return true
    }
}
