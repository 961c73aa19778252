#!/usr/bin/python3
"""Writes Styles/helsinki.json: the MapLibre equivalent of the Mapnik anchor style
(../shared/bench/mapnik/helsinki.style.json) over the Helsinki OSM layers that `onemap demo`
imports (helsinki_points, helsinki_lines, helsinki_polygons).

The anchor computes a `kind` per feature with SQL CASE expressions over OSM tags; here the same
conditions become a MapLibre `case` expression, and each anchor rule one layer filtered on it.
Widths and sizes keep the anchor's per-zoom steps; dash lengths (pixels in Mapnik) become
multiples of the line width per zoom, as MapLibre measures them. Fonts: Noto Sans CJK SC
(the product's font) stands in for DejaVu Sans.

    Tools/styles/helsinki.py [path/to/helsinki.style.json]
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..'))
ANCHOR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, '..', 'shared', 'bench', 'mapnik', 'helsinki.style.json')


def get(k):
    return ['get', k]


def isin(k, values):
    return ['in', get(k), ['literal', values]]


def eq(k, v):
    return ['==', get(k), v]


def notnull(k):
    return ['!=', get(k), None]


def kind_case(pairs):
    expr = ['case']
    for cond, name in pairs:
        expr += [cond, name]
    return expr + ['']


ROAD_KIND = kind_case([
    (isin('highway', ['motorway', 'motorway_link']), 'motorway'),
    (isin('highway', ['trunk', 'trunk_link']), 'trunk'),
    (isin('highway', ['primary', 'primary_link']), 'primary'),
    (isin('highway', ['secondary', 'secondary_link']), 'secondary'),
    (isin('highway', ['tertiary', 'tertiary_link']), 'tertiary'),
    (isin('highway', ['residential', 'unclassified', 'living_street', 'road']), 'residential'),
    (isin('highway', ['service', 'pedestrian']), 'service'),
    (isin('highway', ['footway', 'path', 'cycleway', 'steps', 'bridleway', 'track', 'trail']), 'footway'),
])
LAYERS = {
    'landcover': ('helsinki_polygons',
                  ['all', ['!', ['has', 'building']],
                   ['any', notnull('landuse'), notnull('natural'), notnull('leisure'), eq('amenity', 'parking')]],
                  kind_case([
                      (['any', eq('landuse', 'forest'), eq('natural', 'wood')], 'forest'),
                      (['any', isin('leisure', ['park', 'garden', 'dog_park']), isin('landuse', ['village_green', 'recreation_ground', 'cemetery'])], 'park'),
                      (['any', isin('landuse', ['grass', 'meadow']), eq('natural', 'grassland')], 'grass'),
                      (isin('natural', ['scrub', 'heath', 'wetland']), 'scrub'),
                      (isin('leisure', ['pitch', 'playground', 'sports_centre', 'track']), 'pitch'),
                      (eq('landuse', 'residential'), 'residential'),
                      (isin('landuse', ['commercial', 'retail']), 'commercial'),
                      (isin('landuse', ['industrial', 'railway', 'construction']), 'industrial'),
                      (eq('amenity', 'parking'), 'parking'),
                  ])),
    'water': ('helsinki_polygons',
              ['any', eq('natural', 'water'), notnull('water'), eq('waterway', 'riverbank'), isin('landuse', ['basin', 'reservoir', 'pond'])],
              'water'),
    'waterways': ('helsinki_lines', notnull('waterway'),
                  kind_case([(isin('waterway', ['river', 'canal']), 'river'), (isin('waterway', ['stream', 'drain', 'ditch']), 'stream')])),
    'buildings': ('helsinki_polygons', ['has', 'building'], 'building'),
    'roads_casing': ('helsinki_lines', notnull('highway'), ROAD_KIND),
    'roads_fill': ('helsinki_lines', notnull('highway'), ROAD_KIND),
    'railways': ('helsinki_lines', notnull('railway'),
                 kind_case([(isin('railway', ['rail', 'light_rail', 'narrow_gauge', 'preserved', 'funicular']), 'rail'),
                            (eq('railway', 'tram'), 'tram'), (eq('railway', 'subway'), 'subway')])),
    'place_labels': ('helsinki_points', ['all', notnull('name'), isin('place', ['city', 'town', 'suburb', 'neighbourhood', 'quarter'])], get('place')),
    'road_labels': ('helsinki_lines', ['all', notnull('highway'), notnull('name')], ROAD_KIND),
    'poi_labels': ('helsinki_points',
                   ['all', notnull('name'), ['!', ['has', 'place']],
                    ['any', eq('railway', 'station'), eq('public_transport', 'station'), notnull('amenity'), notnull('shop'),
                     notnull('tourism'), notnull('historic'), notnull('leisure'), notnull('office')]],
                   ['case', ['any', eq('railway', 'station'), eq('public_transport', 'station')], 'station', 'poi']),
}
# Drawing order inside a Mapnik layer comes from its SQL ORDER BY; here from sort keys.
SORT_KEYS = {
    'roads_casing': get('z_order'), 'roads_fill': get('z_order'), 'railways': get('z_order'),
    'road_labels': ['-', ['coalesce', get('z_order'), 0]],
    'place_labels': ['match', get('place'), 'city', 0, 'town', 1, 'suburb', 2, 3],
    'poi_labels': ['case', ['any', eq('railway', 'station'), eq('public_transport', 'station')], 0, 1],
}
# Big areas first (the anchor sorts by way_area): the large land-use kinds, then the smaller ones.
LANDCOVER_ORDER = ['residential', 'commercial', 'industrial', 'forest', 'grass', 'scrub', 'park', 'pitch', 'parking']
FONTS = {'DejaVu Sans Book': ['Noto Sans CJK SC Regular'], 'DejaVu Sans Bold': ['Noto Sans CJK SC Bold', 'Noto Sans CJK SC Regular']}


def steps(d):
    """A {zoom: value} table (a step function in the anchor) as a MapLibre value."""
    if not isinstance(d, dict):
        return d
    items = sorted((int(z), v) for z, v in d.items())
    if len(items) == 1:
        return items[0][1]
    expr = ['step', ['zoom'], items[0][1]]
    for z, v in items[1:]:
        expr += [z, v]
    return expr


def dashes(dash, width):
    if not isinstance(width, dict):
        return [d / width for d in dash]
    items = sorted((int(z), w) for z, w in width.items())
    expr = ['step', ['zoom'], ['literal', [round(d / items[0][1], 4) for d in dash]]]
    for z, w in items[1:]:
        expr += [z, ['literal', [round(d / w, 4) for d in dash]]]
    return expr


def main():
    anchor = json.load(open(ANCHOR))
    out = {
        'version': 8,
        'name': 'Helsinki (OpenStreetMap)',
        'metadata': {'onemap:attribution': '© OpenStreetMap contributors (ODbL)', 'onemap:format': 'rgba',
                     'onemap:comment': 'Generated by Tools/styles/helsinki.py from the Mapnik anchor style; edit that script, not this file.'},
        'center': [24.9414, 60.1710], 'zoom': 15,
        'sources': {'osm': {'type': 'vector', 'url': 'onemap:'}},
        'layers': [{'id': 'background', 'type': 'background', 'paint': {'background-color': anchor['background']}}],
    }
    for layer in anchor['layers']:
        name = layer['name']
        source, base, kind = LAYERS[name]
        rules = layer['rules']
        if name == 'landcover':
            rules = sorted(rules, key=lambda r: LANDCOVER_ORDER.index(r['kind']))
        for rule in rules:
            for n, sym in enumerate(rule['symbolizers']):
                lid = f"{name}-{rule['kind']}" + (f'-{n}' if len(rule['symbolizers']) > 1 else '') + (f"-z{rule['minzoom']}" if name == 'railways' else '')
                flt = ['all', base, ['==', kind, rule['kind']]] if kind != rule['kind'] else base
                ml = {'id': lid, 'source': 'osm', 'source-layer': source, 'filter': flt, 'minzoom': rule.get('minzoom', 0)}
                if rule.get('maxzoom') is not None:
                    ml['maxzoom'] = rule['maxzoom'] + 1
                if sym['type'] == 'polygon':
                    ml['type'] = 'fill'
                    ml['paint'] = {'fill-color': sym['fill']}
                elif sym['type'] == 'line':
                    ml['type'] = 'line'
                    ml['paint'] = {'line-color': sym['stroke'], 'line-width': steps(sym['width'])}
                    if 'dash' in sym:
                        ml['paint']['line-dasharray'] = dashes(sym['dash'], sym['width'])
                    ml['layout'] = {'line-cap': sym.get('cap', 'butt'), 'line-join': sym.get('join', 'miter')}
                    if name in SORT_KEYS:
                        ml['layout']['line-sort-key'] = SORT_KEYS[name]
                else:
                    ml['type'] = 'symbol'
                    size = sym['size']
                    smallest = min(size.values()) if isinstance(size, dict) else size
                    ml['layout'] = {'text-field': get(sym['field']), 'text-font': FONTS[sym['face']], 'text-size': steps(size),
                                    'symbol-placement': sym['placement']}
                    if sym['placement'] == 'line':
                        ml['layout']['symbol-spacing'] = sym.get('spacing', 250)
                        ml['layout']['text-max-angle'] = sym.get('max_char_angle_delta', 45)
                    elif sym.get('wrap_width'):
                        ml['layout']['text-max-width'] = round(sym['wrap_width'] / smallest, 2)
                    else:
                        ml['layout']['text-max-width'] = 0
                    if name in SORT_KEYS:
                        ml['layout']['symbol-sort-key'] = SORT_KEYS[name]
                    ml['paint'] = {'text-color': sym['fill'], 'text-halo-color': sym['halo_fill'], 'text-halo-width': sym['halo_radius']}
                out['layers'].append(ml)
    path = os.path.join(ROOT, 'Styles', 'helsinki.json')
    with open(path, 'w') as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write('\n')
    print(f'wrote {path}: {len(out["layers"])} layers')


if __name__ == '__main__':
    main()
