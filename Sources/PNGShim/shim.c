#include "PNGShim.h"

#include <png.h>
#include <zlib.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void PNGShim_bufferFree(PNGShim_Buffer *buffer) {
    free(buffer->data);
    buffer->data = NULL;
    buffer->size = 0;
    buffer->capacity = 0;
}

void PNGShim_free(void *pointer) { free(pointer); }

static int buffer_append(PNGShim_Buffer *buffer, const uint8_t *bytes, size_t length) {
    if (buffer->size + length > buffer->capacity) {
        size_t capacity = buffer->capacity ? buffer->capacity : 4096;
        while (capacity < buffer->size + length) capacity *= 2;
        uint8_t *grown = realloc(buffer->data, capacity);
        if (!grown) return -1;
        buffer->data = grown;
        buffer->capacity = capacity;
    }
    memcpy(buffer->data + buffer->size, bytes, length);
    buffer->size += length;
    return 0;
}

// Error state shared by the callbacks of one encode or decode call.
typedef struct {
    jmp_buf jump;
    char *error;
    size_t errorLength;
    PNGShim_Buffer *out;
    const uint8_t *input;
    size_t inputSize;
    size_t inputOffset;
} shim_state;

static void on_error(png_structp png, png_const_charp message) {
    shim_state *state = png_get_error_ptr(png);
    if (state->error && state->errorLength) snprintf(state->error, state->errorLength, "%s", message);
    longjmp(state->jump, 1);
}

static void on_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

static void on_write(png_structp png, png_bytep data, png_size_t length) {
    shim_state *state = png_get_io_ptr(png);
    if (buffer_append(state->out, data, length) != 0) png_error(png, "out of memory");
}

static void on_flush(png_structp png) { (void)png; }

static void on_read(png_structp png, png_bytep data, png_size_t length) {
    shim_state *state = png_get_io_ptr(png);
    if (state->inputOffset + length > state->inputSize) png_error(png, "truncated PNG data");
    memcpy(data, state->input + state->inputOffset, length);
    state->inputOffset += length;
}

static int encode(const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride, int colorType,
                  const uint8_t *palette, int count, int zlibLevel, PNGShim_Buffer *out, char *error,
                  size_t errorLength) {
    shim_state state = {.error = error, .errorLength = errorLength, .out = out};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
    if (!png) return -1;
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return -1;
    }
    if (setjmp(state.jump)) {
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    png_set_write_fn(png, &state, on_write, on_flush);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_set_compression_level(png, zlibLevel);
    png_set_IHDR(png, info, width, height, 8, colorType, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (colorType == PNG_COLOR_TYPE_PALETTE) {
        png_color colors[256];
        png_byte alphas[256];
        int lastTranslucent = -1;
        for (int i = 0; i < count; i++) {
            colors[i].red = palette[i * 4];
            colors[i].green = palette[i * 4 + 1];
            colors[i].blue = palette[i * 4 + 2];
            alphas[i] = palette[i * 4 + 3];
            if (alphas[i] != 255) lastTranslucent = i;
        }
        png_set_PLTE(png, info, colors, count);
        if (lastTranslucent >= 0) png_set_tRNS(png, info, alphas, lastTranslucent + 1, NULL);
    }
    png_write_info(png, info);
    for (uint32_t y = 0; y < height; y++) png_write_row(png, (png_const_bytep)(pixels + (size_t)y * stride));
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return 0;
}

int PNGShim_encode(const uint8_t *pixels, uint32_t width, uint32_t height, size_t stride, int channels,
                   int zlibLevel, PNGShim_Buffer *out, char *error, size_t errorLength) {
    int colorType;
    switch (channels) {
    case 1: colorType = PNG_COLOR_TYPE_GRAY; break;
    case 2: colorType = PNG_COLOR_TYPE_GRAY_ALPHA; break;
    case 3: colorType = PNG_COLOR_TYPE_RGB; break;
    case 4: colorType = PNG_COLOR_TYPE_RGB_ALPHA; break;
    default:
        if (error && errorLength) snprintf(error, errorLength, "unsupported channel count %d", channels);
        return -1;
    }
    return encode(pixels, width, height, stride, colorType, NULL, 0, zlibLevel, out, error, errorLength);
}

int PNGShim_encodePalette(const uint8_t *indices, uint32_t width, uint32_t height, size_t stride,
                          const uint8_t *palette, int count, int zlibLevel, PNGShim_Buffer *out,
                          char *error, size_t errorLength) {
    if (count < 1 || count > 256) {
        if (error && errorLength) snprintf(error, errorLength, "palette size %d out of range", count);
        return -1;
    }
    return encode(indices, width, height, stride, PNG_COLOR_TYPE_PALETTE, palette, count, zlibLevel, out,
                  error, errorLength);
}

int PNGShim_decodeRGBA(const uint8_t *data, size_t size, uint8_t **pixels, uint32_t *width,
                       uint32_t *height, char *error, size_t errorLength) {
    *pixels = NULL;
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        if (error && errorLength) snprintf(error, errorLength, "not a PNG");
        return -1;
    }
    shim_state state = {.error = error, .errorLength = errorLength, .input = data, .inputSize = size};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
    if (!png) return -1;
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return -1;
    }
    // volatile: assigned between setjmp and a possible longjmp.
    uint8_t *volatile result = NULL;
    if (setjmp(state.jump)) {
        free(result);
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    png_set_read_fn(png, &state, on_read);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info);
    png_uint_32 h = png_get_image_height(png, info);
    int colorType = png_get_color_type(png, info);
    int bitDepth = png_get_bit_depth(png, info);
    if (bitDepth == 16) png_set_strip_16(png);
    if (colorType == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (colorType == PNG_COLOR_TYPE_GRAY && bitDepth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (colorType == PNG_COLOR_TYPE_GRAY || colorType == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    if (!(colorType & PNG_COLOR_MASK_ALPHA) && !png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_filler(png, 0xFF, PNG_FILLER_AFTER);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)w * 4) png_error(png, "unexpected row layout");
    result = malloc((size_t)w * h * 4);
    if (!result) png_error(png, "out of memory");
    png_bytep *rows = png_malloc(png, sizeof(png_bytep) * h);
    for (png_uint_32 y = 0; y < h; y++) rows[y] = result + (size_t)y * w * 4;
    png_read_image(png, rows);
    png_free(png, rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    *pixels = result;
    *width = w;
    *height = h;
    return 0;
}

int PNGShim_deflate(const uint8_t *source, size_t length, int level, PNGShim_Buffer *out) {
    uLongf bound = compressBound(length);
    out->data = malloc(bound);
    if (!out->data) return -1;
    out->capacity = bound;
    int rc = compress2(out->data, &bound, source, length, level);
    if (rc != Z_OK) {
        PNGShim_bufferFree(out);
        return -1;
    }
    out->size = bound;
    return 0;
}

int PNGShim_inflate(const uint8_t *source, size_t length, uint8_t *destination, size_t destinationLength) {
    uLongf produced = destinationLength;
    int rc = uncompress(destination, &produced, source, length);
    return (rc == Z_OK && produced == destinationLength) ? 0 : -1;
}

struct PNGShim_Gzip {
    z_stream z;
};

PNGShim_Gzip *PNGShim_gzipOpen(int level) {
    PNGShim_Gzip *stream = calloc(1, sizeof(PNGShim_Gzip));
    if (!stream) return NULL;
    // windowBits 15 + 16: a gzip header and trailer instead of zlib's; memLevel 8 is zlib's default.
    if (deflateInit2(&stream->z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(stream);
        return NULL;
    }
    return stream;
}

int PNGShim_gzipWrite(PNGShim_Gzip *stream, const uint8_t *source, size_t length, int finish, PNGShim_Buffer *out) {
    uint8_t chunk[16384];
    stream->z.next_in = (Bytef *)source;
    stream->z.avail_in = (uInt)length;
    int flush = finish ? Z_FINISH : Z_NO_FLUSH;
    for (;;) {
        stream->z.next_out = chunk;
        stream->z.avail_out = sizeof chunk;
        int rc = deflate(&stream->z, flush);
        if (rc == Z_STREAM_ERROR) return -1;
        size_t produced = sizeof chunk - stream->z.avail_out;
        if (produced && buffer_append(out, chunk, produced) != 0) return -1;
        if (finish ? rc == Z_STREAM_END : (stream->z.avail_in == 0 && stream->z.avail_out != 0)) return 0;
    }
}

void PNGShim_gzipClose(PNGShim_Gzip *stream) {
    if (!stream) return;
    deflateEnd(&stream->z);
    free(stream);
}
