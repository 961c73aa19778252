// Geodesy on the CGCS2000 ellipsoid for the web map: Gauss-Krüger (transverse Mercator, 3° zones)
// for the cursor read-out and area measurement, Vincenty's inverse formula for distances.
'use strict';
const Geodesy = (() => {
  const a = 6378137, f = 1 / 298.257222101, e2 = f * (2 - f), ep2 = e2 / (1 - e2);
  const rad = Math.PI / 180;

  // Meridian arc length from the equator to latitude phi (radians).
  function meridian(phi) {
    const e4 = e2 * e2, e6 = e4 * e2;
    return a * ((1 - e2 / 4 - 3 * e4 / 64 - 5 * e6 / 256) * phi
      - (3 * e2 / 8 + 3 * e4 / 32 + 45 * e6 / 1024) * Math.sin(2 * phi)
      + (15 * e4 / 256 + 45 * e6 / 1024) * Math.sin(4 * phi)
      - (35 * e6 / 3072) * Math.sin(6 * phi));
  }

  // Transverse Mercator (scale 1 on the central meridian): northing x and easting y in metres
  // from the central meridian (Snyder, Map Projections — A Working Manual, eqs. 8-9, 8-10).
  function tm(lon, lat, centralMeridian) {
    const phi = lat * rad, s = Math.sin(phi), c = Math.cos(phi), t = Math.tan(phi);
    const N = a / Math.sqrt(1 - e2 * s * s), T = t * t, C = ep2 * c * c, A = (lon - centralMeridian) * rad * c;
    const x = meridian(phi) + N * t * (A * A / 2 + (5 - T + 9 * C + 4 * C * C) * A ** 4 / 24
      + (61 - 58 * T + T * T + 600 * C - 330 * ep2) * A ** 6 / 720);
    const y = N * (A + (1 - T + C) * A ** 3 / 6 + (5 - 18 * T + T * T + 72 * C - 58 * ep2) * A ** 5 / 120);
    return { x, y };
  }

  // 3-degree Gauss-Krüger coordinates with the zone number before the false easting (as EPSG:4513–4533).
  function gaussKruger(lon, lat) {
    const zone = Math.round(lon / 3), p = tm(lon, lat, zone * 3);
    return { zone, centralMeridian: zone * 3, x: p.x, y: zone * 1e6 + 500000 + p.y };
  }

  // Geodesic distance in metres (Vincenty 1975, inverse); falls back to a sphere for near-antipodes.
  function distance(lon1, lat1, lon2, lat2) {
    const b = a * (1 - f), L = (lon2 - lon1) * rad;
    const U1 = Math.atan((1 - f) * Math.tan(lat1 * rad)), U2 = Math.atan((1 - f) * Math.tan(lat2 * rad));
    const sinU1 = Math.sin(U1), cosU1 = Math.cos(U1), sinU2 = Math.sin(U2), cosU2 = Math.cos(U2);
    let lambda = L, prev, sinSigma, cosSigma, sigma, cos2Alpha, cos2SigmaM, iterations = 0;
    do {
      const sinL = Math.sin(lambda), cosL = Math.cos(lambda);
      sinSigma = Math.sqrt((cosU2 * sinL) ** 2 + (cosU1 * sinU2 - sinU1 * cosU2 * cosL) ** 2);
      if (sinSigma === 0) return 0;
      cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosL;
      sigma = Math.atan2(sinSigma, cosSigma);
      const sinAlpha = cosU1 * cosU2 * sinL / sinSigma;
      cos2Alpha = 1 - sinAlpha * sinAlpha;
      cos2SigmaM = cos2Alpha !== 0 ? cosSigma - 2 * sinU1 * sinU2 / cos2Alpha : 0;
      const C = f / 16 * cos2Alpha * (4 + f * (4 - 3 * cos2Alpha));
      prev = lambda;
      lambda = L + (1 - C) * f * sinAlpha * (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM ** 2)));
    } while (Math.abs(lambda - prev) > 1e-12 && ++iterations < 200);
    if (iterations >= 200) return 6371008.8 * sigma;
    const u2 = cos2Alpha * (a * a - b * b) / (b * b);
    const A = 1 + u2 / 16384 * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
    const B = u2 / 1024 * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
    const dSigma = B * sinSigma * (cos2SigmaM + B / 4 * (cosSigma * (-1 + 2 * cos2SigmaM ** 2)
      - B / 6 * cos2SigmaM * (-3 + 4 * sinSigma ** 2) * (-3 + 4 * cos2SigmaM ** 2)));
    return b * A * (sigma - dSigma);
  }

  // Length of a path of [lon, lat] points, metres.
  function length(points) {
    let total = 0;
    for (let i = 1; i < points.length; i++) total += distance(points[i - 1][0], points[i - 1][1], points[i][0], points[i][1]);
    return total;
  }

  // Area of a ring of [lon, lat] points in square metres: the shoelace formula on a transverse
  // Mercator centred on the ring (scale error below 1e-4 for a city-sized ring).
  function area(points) {
    if (points.length < 3) return 0;
    const cm = points.reduce((s, p) => s + p[0], 0) / points.length;
    const xy = points.map(p => tm(p[0], p[1], cm));
    let twice = 0;
    for (let i = 0; i < xy.length; i++) {
      const p = xy[i], q = xy[(i + 1) % xy.length];
      twice += p.y * q.x - q.y * p.x;
    }
    return Math.abs(twice) / 2;
  }

  return { gaussKruger, distance, length, area, tm };
})();
if (typeof module !== 'undefined') module.exports = Geodesy;
