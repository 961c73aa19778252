// A tiny C layer over libpng and zlib. libpng reports errors with longjmp, which Swift cannot
// survive, so every libpng call sequence runs inside a setjmp frame here and comes back to
// Swift as a plain return code plus a message.
#ifndef PNGSHIM_H
#define PNGSHIM_H

#include <stddef.h>
#include <stdint.h>

/// A growable byte buffer owned by the caller; free it with PNGShim_bufferFree.
typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
} PNGShim_Buffer;

void PNGShim_bufferFree(PNGShim_Buffer *buffer);

/// Encodes 8-bit rows with `channels` 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA), straight alpha.
/// Filter NONE with a low zlib level: measured faster and smaller than libpng's defaults for map tiles.
/// Returns 0 on success; otherwise writes a message into `error`.
int PNGShim_encode(const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride, int channels,
                   int zlibLevel, PNGShim_Buffer *out, char *error, size_t errorLength);

/// Encodes an 8-bit palette image. `palette` holds `count` RGBA entries; entries with alpha < 255
/// go into a tRNS chunk, so put the translucent ones first to keep that chunk short.
int PNGShim_encodePalette(const uint8_t *indices, uint32_t width, uint32_t height, size_t stride,
                          const uint8_t *palette, int count, int zlibLevel, PNGShim_Buffer *out,
                          char *error, size_t errorLength);

/// Decodes any PNG into 8-bit straight RGBA (palette, gray and 16-bit are expanded).
/// On success `*pixels` is malloc'ed (free with PNGShim_free) and holds width*height*4 bytes.
int PNGShim_decodeRGBA(const uint8_t *data, size_t size, uint8_t **pixels, uint32_t *width,
                       uint32_t *height, char *error, size_t errorLength);

void PNGShim_free(void *pointer);

/// zlib deflate of a whole buffer (used for lossless DEM tiles). Returns 0 on success.
int PNGShim_deflate(const uint8_t *source, size_t length, int level, PNGShim_Buffer *out);

/// zlib inflate into a buffer of known size. Returns 0 when exactly `destinationLength` bytes came out.
int PNGShim_inflate(const uint8_t *source, size_t length, uint8_t *destination, size_t destinationLength);

/// A gzip stream (RFC 1952) for HTTP responses: deflate in pieces as they are written.
typedef struct PNGShim_Gzip PNGShim_Gzip;

/// A new stream at zlib `level` (1–9), or NULL when out of memory.
PNGShim_Gzip *PNGShim_gzipOpen(int level);

/// Compresses `length` bytes, appending what comes out to `out` (which grows); `finish` ends the
/// stream with the gzip trailer. Returns 0 on success.
int PNGShim_gzipWrite(PNGShim_Gzip *stream, const uint8_t *source, size_t length, int finish, PNGShim_Buffer *out);

void PNGShim_gzipClose(PNGShim_Gzip *stream);

#endif
