/// The OSM tags GDAL's OSM driver turns into columns for each layer (its `CONFIG_FILE` format);
/// every other tag stays in `other_tags`. Chosen for city base maps: roads, rail, water, land
/// cover, buildings, places and points of interest.
enum OSMConfig {
    static let text = """
        closed_ways_are_polygons=aeroway,amenity,boundary,building,building:part,craft,geological,historic,landuse,leisure,military,natural,office,place,shop,sport,tourism,water,waterway=riverbank,highway=platform,public_transport=platform,railway=platform
        attribute_name_laundering=yes
        report_all_nodes=no
        report_all_ways=no
        tags_format=hstore

        [points]
        osm_id=yes
        osm_version=no
        osm_timestamp=no
        osm_uid=no
        osm_user=no
        osm_changeset=no
        attributes=name,name:zh,ref,place,amenity,shop,tourism,leisure,historic,office,railway,public_transport,highway,man_made,natural,emergency,healthcare
        other_tags=yes
        all_tags=no

        [lines]
        osm_id=yes
        osm_version=no
        osm_timestamp=no
        osm_uid=no
        osm_user=no
        osm_changeset=no
        attributes=name,name:zh,ref,highway,railway,waterway,service,bridge,tunnel,layer,natural,oneway,barrier,man_made,aerialway
        # Drawing order of roads and rails: class rank, plus 10 per bridge or layer level, minus 10 for tunnels.
        computed_attributes=z_order
        z_order_type=Integer
        z_order_sql="SELECT (CASE [highway] WHEN 'motorway' THEN 9 WHEN 'motorway_link' THEN 8 WHEN 'trunk' THEN 8 WHEN 'trunk_link' THEN 7 WHEN 'primary' THEN 7 WHEN 'primary_link' THEN 6 WHEN 'secondary' THEN 6 WHEN 'secondary_link' THEN 5 WHEN 'tertiary' THEN 5 WHEN 'tertiary_link' THEN 4 WHEN 'residential' THEN 3 WHEN 'unclassified' THEN 3 WHEN 'living_street' THEN 3 WHEN 'road' THEN 3 WHEN 'service' THEN 2 ELSE 1 END) + (CASE WHEN [railway] IS NOT NULL THEN 5 ELSE 0 END) + (CASE WHEN [bridge] IN ('yes','true','1','viaduct') THEN 10 ELSE 0 END) - (CASE WHEN [tunnel] IN ('yes','true','1') THEN 10 ELSE 0 END) + 10 * CAST(COALESCE([layer], '0') AS INTEGER)"
        other_tags=yes
        all_tags=no

        [multipolygons]
        osm_id=yes
        osm_way_id=yes
        osm_version=no
        osm_timestamp=no
        osm_uid=no
        osm_user=no
        osm_changeset=no
        attributes=name,name:zh,type,building,landuse,natural,leisure,amenity,water,waterway,place,tourism,shop,man_made,highway,railway,boundary,admin_level,aeroway,military
        other_tags=yes
        all_tags=no

        [multilinestrings]
        osm_id=yes
        osm_version=no
        osm_timestamp=no
        osm_uid=no
        osm_user=no
        osm_changeset=no
        attributes=name,type,route,ref
        other_tags=yes
        all_tags=no

        [other_relations]
        osm_id=yes
        osm_version=no
        osm_timestamp=no
        osm_uid=no
        osm_user=no
        osm_changeset=no
        attributes=name,type
        other_tags=yes
        all_tags=no
        """
}
