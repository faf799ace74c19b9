/*
 * dctjpeg: a thin shim over libjpeg-turbo that returns a JPEG's quantized DCT
 * coefficients (entropy decoding only) or its full RGB decode.
 *
 * Why a custom coefficient controller: jpeg_read_coefficients() decodes into
 * whole-image virtual block arrays owned by libjpeg, which then have to be
 * copied into the layout we hand to JavaScript. Allocating, zeroing and copying
 * those arrays costs more than the Huffman decoding of a small image. Instead we
 * plug our own jpeg_d_coef_controller into libjpeg's input side, so the entropy
 * decoder writes every block straight into one contiguous buffer laid out as
 * [component][blocksY][blocksX][64] (natural order), which JS copies out once.
 *
 * Every call owns its own jpeg_decompress_struct ("session"); errors longjmp back
 * to the entry point, which destroys the session, so nothing outlives a failure.
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>

#define JPEG_INTERNALS
#include "jinclude.h"
#include "jpeglib.h"
#include "jerror.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#define EXPORT EMSCRIPTEN_KEEPALIVE
#else
#define EXPORT
#endif

/* Failure kinds, limits, unsupported features and flags: one table shared with
 * TypeScript (src/decode/codes.json), so errors are told apart by code, never by text.
 * DCT_FLAG_LENIENT accepts libjpeg's corrupt-data warnings. */
#include "dct_codes.h"

#define MAX_COMP 4

/* Layout of the int32 info block read by JS (indices are part of the ABI). */
enum {
  I_WIDTH = 0, I_HEIGHT, I_NCOMP, I_PROGRESSIVE, I_ARITH, I_ORIENTATION,
  I_COLOR_SPACE, I_ADOBE_TRANSFORM, I_MAX_H, I_MAX_V, I_COEF_COUNT, I_COEF_PTR,
  I_SCANS, I_RESTART_INTERVAL, I_WARNINGS, I_JFIF,
  I_COMP0 = 16, /* per component: id, h, v, blocksX, blocksY, offset, qtableOffset, quantTblNo */
  I_COMP_STRIDE = 8,
  I_RGB_PTR = 48, I_RGB_WIDTH, I_RGB_HEIGHT,
  I_KEEP0 = 52, /* per component: frequencies kept per block axis (8, 4, 2 or 1) */
  I_SKIPPED = 56, /* scans whose entropy-coded data was skipped (DCT_FLAG_SKIP_SCANS) */
  I_BYTES = 57,   /* stream: bytes consumed when the info was filled */
  I_CUT = 58,     /* stream: it ended without an EOI (one was supplied where a scan ended) */
  I_SIZE = 64
};

typedef struct {
  struct jpeg_error_mgr pub;
  jmp_buf jump;
  int lenient;
  int kind;      /* DCT_KIND_* of the failure */
  int reason;    /* DCT_LIMIT_* (kind limit) or DCT_UNSUPPORTED_* (kind unsupported) */
  int detail;    /* bits for DCT_UNSUPPORTED_PRECISION, count for DCT_UNSUPPORTED_COMPONENTS */
  char message[JMSG_LENGTH_MAX + 64];
} dct_error_mgr;

typedef struct {
  struct jpeg_progress_mgr pub;
  int max_scans;
} dct_progress_mgr;

/* Our coefficient controller: the entropy decoder writes into `planes`. */
typedef struct {
  struct jpeg_d_coef_controller pub;
  JDIMENSION MCU_ctr;
  int MCU_vert_offset;
  int MCU_rows_per_iMCU_row;
  JBLOCKROW MCU_buffer[D_MAX_BLOCKS_IN_MCU];
  JBLOCKROW plane[MAX_COMP];      /* padded plane of each component */
  JDIMENSION stride[MAX_COMP];    /* blocks per padded row */
  /* Sequential strict decoding visits every kept block exactly once, so a row of
   * blocks is zeroed just before the entropy decoder fills it (in cache) instead
   * of zeroing the whole buffer up front; progressive scans revisit blocks and
   * lenient decoding may stop early, so those start from a zeroed buffer. */
  boolean zero_per_block;
  boolean scanned[MAX_COMP];
  /* Compact mode (some component keeps n < 8 frequencies per axis): the entropy decoder
   * fills scratch blocks (zeroed per MCU, in cache) and only each block's n×n lowest
   * frequencies are stored, n² coefficients per block. */
  boolean compact;
  int keep[MAX_COMP];
  /* Frequencies per axis the caller asked for; progressive files store all 8 while their
   * scans refine them and are cut down to `want` when the planes are packed. */
  int want[MAX_COMP];
  JBLOCK scratch[D_MAX_BLOCKS_IN_MCU];
  /* Progressive files with DCT_FLAG_SKIP_SCANS: a scan that adds nothing to the kept
   * frequencies is skipped (its entropy-coded data stepped over to the next marker, never
   * Huffman-decoded). A refinement scan's bit stream depends on which coefficients of its
   * whole band are already non-zero, so it is decoded only if every scan before it on that
   * band was decoded and stored (`valid`); otherwise it is skipped too and the kept
   * coefficients miss its bits. `bits` says what each stored coefficient holds. */
  boolean select;
  boolean skip;        /* the current scan is being skipped */
  boolean suspending;  /* the source may suspend (a stream): never treat it as truncated */
  int skipped;
  boolean valid[MAX_COMP][DCTSIZE2];   /* zig-zag order */
  signed char bits[MAX_COMP][DCTSIZE2]; /* zig-zag order: -1 absent, else low bits missing */
} dct_sink;

/* A source fed as bytes arrive (streams): suspends when it runs dry until more are pushed. */
typedef struct {
  struct jpeg_source_mgr pub;
  JOCTET *buf;
  size_t cap;
  size_t owed;     /* bytes skip_input_data still has to drop from data not yet pushed */
  size_t pushed;   /* bytes pushed in all */
  int ended;       /* no more bytes will come */
  int eoi_added;   /* the stream ended without an EOI: one was supplied */
} dct_stream_src;

typedef struct {
  struct jpeg_decompress_struct cinfo;
  dct_error_mgr err;
  dct_progress_mgr progress;
  int32_t info[I_SIZE];
  uint16_t qtables[MAX_COMP][DCTSIZE2];
  JCOEF *coefs;
  JSAMPLE *rgb;
  /* streams only */
  dct_stream_src src;
  dct_sink *sink;
  JCOEF *snap;     /* the planes packed after the last completed scan */
  int flags;
  int stage;       /* STAGE_* */
  int keep;
  int dead;        /* failed: every later call reports the same failure */
  int32_t fail_kind, fail_reason, fail_detail;
  char fail_message[JMSG_LENGTH_MAX + 64];
} dct_session;

enum { STAGE_HEADER = 0, STAGE_PLANES, STAGE_SCANS, STAGE_DONE };

/* What an entry point was asked to do. */
typedef struct {
  const JOCTET *data;
  unsigned long len;
  int flags;
  double max_pixels;
  int scale_denom; /* RGB decode only */
  int keep;        /* coefficients only: 4 bits per component, frequencies kept per axis (0 = 8) */
} dct_request;

/* Last failure, read by JS after an entry point returns NULL. */
static int32_t last_kind;
static int32_t last_reason;
static int32_t last_detail;
static char last_message[JMSG_LENGTH_MAX + 64];

static void fail(j_common_ptr cinfo, int kind, int reason, int detail, const char *msg)
{
  dct_error_mgr *err = (dct_error_mgr *)cinfo->err;
  err->kind = kind;
  err->reason = reason;
  err->detail = detail;
  snprintf(err->message, sizeof(err->message), "%s", msg);
  longjmp(err->jump, 1);
}

static void on_error_exit(j_common_ptr cinfo)
{
  char buf[JMSG_LENGTH_MAX];
  int code = cinfo->err->msg_code;
  int parm = cinfo->err->msg_parm.i[0];
  (*cinfo->err->format_message)(cinfo, buf);
  switch (code) {
  case JERR_NO_SOI:
  case JERR_INPUT_EMPTY:
    fail(cinfo, DCT_KIND_NOT_A_JPEG, 0, 0, buf);
  case JERR_BAD_PRECISION: {
    char m[JMSG_LENGTH_MAX + 64];
    snprintf(m, sizeof(m), "%d-bit sample precision is not supported (%s)", parm, buf);
    fail(cinfo, DCT_KIND_UNSUPPORTED, DCT_UNSUPPORTED_PRECISION, parm, m);
  }
  case JERR_SOF_UNSUPPORTED: /* parm: the SOF marker; 0xc3/c7/cb/cf are lossless, the rest hierarchical */
    fail(cinfo, DCT_KIND_UNSUPPORTED,
         (parm & 0xf3) == 0xc3 ? DCT_UNSUPPORTED_LOSSLESS : DCT_UNSUPPORTED_HIERARCHICAL, parm, buf);
  case JERR_ARITH_NOTIMPL:
    fail(cinfo, DCT_KIND_UNSUPPORTED, DCT_UNSUPPORTED_ARITHMETIC, 0, buf);
  case JERR_NOT_COMPILED:
    fail(cinfo, DCT_KIND_UNSUPPORTED, DCT_UNSUPPORTED_NOT_COMPILED, 0, buf);
  case JERR_OUT_OF_MEMORY:
    fail(cinfo, DCT_KIND_LIMIT, DCT_LIMIT_MEMORY, 0, buf);
  default:
    fail(cinfo, DCT_KIND_CORRUPT, 0, 0, buf);
  }
}

static void stream_ended_early(dct_session *s);
/* The stream being run (stream_guarded), so its warnings can say the stream ended. */
static dct_session *streaming_session;

static void on_emit_message(j_common_ptr cinfo, int msg_level)
{
  dct_error_mgr *err = (dct_error_mgr *)cinfo->err;
  if (msg_level >= 0)
    return; /* trace messages */
  err->pub.num_warnings++;
  if (streaming_session && streaming_session->src.eoi_added && !err->lenient) stream_ended_early(streaming_session);
  if (!err->lenient) {
    char buf[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, buf);
    fail(cinfo, DCT_KIND_CORRUPT, 0, 0, buf);
  }
}

static void on_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void on_progress(j_common_ptr cinfo)
{
  dct_progress_mgr *p = (dct_progress_mgr *)cinfo->progress;
  j_decompress_ptr d = (j_decompress_ptr)cinfo;
  if (p->max_scans > 0 && d->input_scan_number > p->max_scans) {
    char m[128];
    snprintf(m, sizeof(m), "JPEG has more than %d scans (maxScans)", p->max_scans);
    fail(cinfo, DCT_KIND_LIMIT, DCT_LIMIT_MAX_SCANS, 0, m);
  }
}

/* ---- coefficient sink -------------------------------------------------- */

static void sink_start_iMCU_row(j_decompress_ptr cinfo)
{
  dct_sink *s = (dct_sink *)cinfo->coef;
  if (cinfo->comps_in_scan > 1) {
    s->MCU_rows_per_iMCU_row = 1;
  } else if (cinfo->input_iMCU_row < cinfo->total_iMCU_rows - 1) {
    s->MCU_rows_per_iMCU_row = cinfo->cur_comp_info[0]->v_samp_factor;
  } else {
    s->MCU_rows_per_iMCU_row = cinfo->cur_comp_info[0]->last_row_height;
  }
  s->MCU_ctr = 0;
  s->MCU_vert_offset = 0;
}

static boolean kept_freq(const dct_sink *s, int c, int zz)
{
  int nat = jpeg_natural_order[zz];
  return (nat >> 3) < s->keep[c] && (nat & 7) < s->keep[c];
}

static void sink_start_input_pass(j_decompress_ptr cinfo)
{
  dct_sink *s = (dct_sink *)cinfo->coef;
  int ci, k, ss = cinfo->Ss, se = cinfo->progressive_mode ? cinfo->Se : DCTSIZE2 - 1;
  int al = cinfo->progressive_mode ? cinfo->Al : 0;
  boolean needed = FALSE, history = TRUE;
  for (ci = 0; ci < cinfo->comps_in_scan; ci++) {
    int c = cinfo->cur_comp_info[ci]->component_index;
    s->scanned[c] = TRUE;
    for (k = ss; k <= se; k++) {
      if (kept_freq(s, c, k)) needed = TRUE;
      if (cinfo->Ah && !s->valid[c][k]) history = FALSE;
    }
  }
  s->skip = s->select && (!needed || !history);
  if (s->skip) s->skipped++;
  for (ci = 0; ci < cinfo->comps_in_scan; ci++) {
    int c = cinfo->cur_comp_info[ci]->component_index;
    for (k = ss; k <= se; k++) {
      s->valid[c][k] = !s->skip && kept_freq(s, c, k);
      if (!s->skip) s->bits[c][k] = (signed char)al;
    }
  }
  cinfo->input_iMCU_row = 0;
  sink_start_iMCU_row(cinfo);
}

/* A skipped scan: step over its entropy-coded data to the next marker (stuffed zeros and
 * RSTn belong to the data; FF fill bytes before a marker are left to libjpeg). */
static int skip_scan_data(j_decompress_ptr cinfo)
{
  struct jpeg_source_mgr *src = cinfo->src;
  for (;;) {
    const JOCTET *p = src->next_input_byte;
    size_t n = src->bytes_in_buffer;
    while (n >= 2) {
      const JOCTET *ff = (const JOCTET *)memchr(p, 0xFF, n - 1);
      JOCTET b;
      if (!ff) {
        p += n - 1;
        n = 1;
        break;
      }
      n -= (size_t)(ff - p);
      p = ff;
      b = p[1];
      if (b == 0x00 || (b >= 0xD0 && b <= 0xD7)) {
        p += 2;
        n -= 2;
      } else if (b == 0xFF) {
        p++;
        n--;
      } else {
        src->next_input_byte = p;
        src->bytes_in_buffer = n;
        (*cinfo->inputctl->finish_input_pass)(cinfo);
        return JPEG_SCAN_COMPLETED;
      }
    }
    if (n == 1 && *p != 0xFF) { /* a lone FF may be half of a marker: keep it */
      p++;
      n = 0;
    }
    src->next_input_byte = p;
    src->bytes_in_buffer = n;
    if (!(*src->fill_input_buffer)(cinfo)) return JPEG_SUSPENDED;
  }
}

/* One MCU row in compact mode: each MCU decoded into zeroed scratch blocks, then each
 * block's n×n lowest frequencies copied to its place in the compact plane. */
static boolean consume_row_compact(j_decompress_ptr cinfo, dct_sink *s, int yoffset, JDIMENSION first)
{
  JCOEF *dst[D_MAX_BLOCKS_IN_MCU];
  int adv[D_MAX_BLOCKS_IN_MCU], keep[D_MAX_BLOCKS_IN_MCU];
  int blkn = 0, ci, b, v, u;
  JDIMENSION col;
  for (ci = 0; ci < cinfo->comps_in_scan; ci++) {
    jpeg_component_info *comp = cinfo->cur_comp_info[ci];
    int c = comp->component_index, n = s->keep[c], y, x;
    JDIMENSION row0 = cinfo->input_iMCU_row * comp->v_samp_factor + yoffset;
    JDIMENSION col0 = first * comp->MCU_width;
    for (y = 0; y < comp->MCU_height; y++) {
      JCOEF *p = (JCOEF *)s->plane[c] + ((size_t)(row0 + y) * s->stride[c] + col0) * n * n;
      for (x = 0; x < comp->MCU_width; x++) {
        dst[blkn] = p + (size_t)x * n * n;
        adv[blkn] = comp->MCU_width * n * n;
        keep[blkn] = n;
        s->MCU_buffer[blkn] = s->scratch + blkn;
        blkn++;
      }
    }
  }
  for (col = first; col < cinfo->MCUs_per_row; col++) {
    memset(s->scratch, 0, (size_t)blkn * sizeof(JBLOCK));
    if (cinfo->progressive_mode) /* later scans refine what earlier ones stored */
      for (b = 0; b < blkn; b++)
        for (v = 0; v < keep[b]; v++)
          for (u = 0; u < keep[b]; u++) s->scratch[b][v * DCTSIZE + u] = dst[b][v * keep[b] + u];
    if (!(*cinfo->entropy->decode_mcu)(cinfo, s->MCU_buffer)) {
      if (!s->suspending) ERREXIT(cinfo, JERR_INPUT_EOF);
      s->MCU_ctr = col; /* decode_mcu restored its state: this MCU starts again */
      return FALSE;
    }
    for (b = 0; b < blkn; b++) {
      const JCOEF *src = s->scratch[b];
      int n = keep[b];
      for (v = 0; v < n; v++)
        for (u = 0; u < n; u++) dst[b][v * n + u] = src[v * DCTSIZE + u];
      dst[b] += adv[b];
    }
  }
  return TRUE;
}

/* Same MCU walk as libjpeg's jdcoefct.c consume_data(), with block pointers
 * into our planes instead of into virtual arrays. Pointers are set up once per
 * MCU row and advanced by each component's MCU width; the row's blocks are
 * zeroed in one pass per component row (see zero_per_block). */
static int sink_consume_data(j_decompress_ptr cinfo)
{
  dct_sink *s = (dct_sink *)cinfo->coef;
  int yoffset;
  if (s->skip) return skip_scan_data(cinfo);
  for (yoffset = s->MCU_vert_offset; yoffset < s->MCU_rows_per_iMCU_row; yoffset++) {
    JDIMENSION col, first = s->MCU_ctr, ncols = cinfo->MCUs_per_row - first;
    int blkn = 0, ci, b;
    int adv[D_MAX_BLOCKS_IN_MCU];
    if (s->compact) {
      if (!consume_row_compact(cinfo, s, yoffset, first)) {
        s->MCU_vert_offset = yoffset;
        return JPEG_SUSPENDED;
      }
      s->MCU_ctr = 0;
      continue;
    }
    for (ci = 0; ci < cinfo->comps_in_scan; ci++) {
      jpeg_component_info *comp = cinfo->cur_comp_info[ci];
      int c = comp->component_index;
      JDIMENSION row0 = cinfo->input_iMCU_row * comp->v_samp_factor + yoffset;
      JDIMENSION col0 = first * comp->MCU_width;
      int y, x;
      for (y = 0; y < comp->MCU_height; y++) {
        JBLOCKROW p = s->plane[c] + (size_t)(row0 + y) * s->stride[c] + col0;
        if (s->zero_per_block)
          memset(p, 0, (size_t)ncols * comp->MCU_width * sizeof(JBLOCK));
        for (x = 0; x < comp->MCU_width; x++) {
          adv[blkn] = comp->MCU_width;
          s->MCU_buffer[blkn++] = p + x;
        }
      }
    }
    for (col = first; col < cinfo->MCUs_per_row; col++) {
      if (!(*cinfo->entropy->decode_mcu)(cinfo, s->MCU_buffer)) {
        /* A memory source never suspends; treat it as truncated data. */
        if (!s->suspending) ERREXIT(cinfo, JERR_INPUT_EOF);
        s->MCU_ctr = col; /* a stream: this MCU starts again when more bytes arrive */
        s->MCU_vert_offset = yoffset;
        return JPEG_SUSPENDED;
      }
      for (b = 0; b < blkn; b++) s->MCU_buffer[b] += adv[b];
    }
    s->MCU_ctr = 0;
  }
  s->MCU_vert_offset = 0;
  if (++(cinfo->input_iMCU_row) < cinfo->total_iMCU_rows) {
    sink_start_iMCU_row(cinfo);
    return JPEG_ROW_COMPLETED;
  }
  (*cinfo->inputctl->finish_input_pass)(cinfo);
  return JPEG_SCAN_COMPLETED;
}

static void sink_start_output_pass(j_decompress_ptr cinfo) { (void)cinfo; }
static int sink_decompress_data(j_decompress_ptr cinfo, JSAMPIMAGE out)
{
  (void)out;
  ERREXIT(cinfo, JERR_NOT_COMPILED);
  return 0;
}

/* ---- EXIF orientation -------------------------------------------------- */

static unsigned rd16(const JOCTET *p, int le) { return le ? p[0] | p[1] << 8 : p[0] << 8 | p[1]; }
static unsigned long rd32(const JOCTET *p, int le)
{
  return le ? (unsigned long)p[0] | (unsigned long)p[1] << 8 | (unsigned long)p[2] << 16 | (unsigned long)p[3] << 24
            : (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | (unsigned long)p[3];
}

/* Orientation tag (0x0112) of IFD0 of the first Exif APP1; 1 when absent or
 * malformed (a broken Exif block is not a broken image). */
static int exif_orientation(j_decompress_ptr cinfo)
{
  jpeg_saved_marker_ptr m;
  for (m = cinfo->marker_list; m; m = m->next) {
    const JOCTET *d = m->data;
    unsigned long n = m->data_length, ifd, i, count;
    int le;
    if (m->marker != JPEG_APP0 + 1 || n < 14 || memcmp(d, "Exif\0\0", 6) != 0)
      continue;
    d += 6;
    n -= 6;
    if (d[0] == 'I' && d[1] == 'I') le = 1;
    else if (d[0] == 'M' && d[1] == 'M') le = 0;
    else return 1;
    if (rd16(d + 2, le) != 42) return 1;
    ifd = rd32(d + 4, le);
    if (ifd > n - 2) return 1;
    count = rd16(d + ifd, le);
    for (i = 0; i < count; i++) {
      unsigned long e = ifd + 2 + i * 12;
      if (e > n - 12) return 1;
      if (rd16(d + e, le) == 0x0112 && rd16(d + e + 2, le) == 3) {
        unsigned v = rd16(d + e + 8, le);
        return v >= 1 && v <= 8 ? (int)v : 1;
      }
    }
    return 1;
  }
  return 1;
}

/* ---- sessions ----------------------------------------------------------- */

static dct_session *session_open(int flags, int max_scans)
{
  dct_session *s = (dct_session *)calloc(1, sizeof(dct_session));
  if (!s) return NULL;
  s->cinfo.err = jpeg_std_error(&s->err.pub);
  s->err.pub.error_exit = on_error_exit;
  s->err.pub.emit_message = on_emit_message;
  s->err.pub.output_message = on_output_message;
  s->err.lenient = (flags & DCT_FLAG_LENIENT) != 0;
  s->progress.pub.progress_monitor = on_progress;
  s->progress.max_scans = max_scans;
  return s;
}

static void session_record_failure(dct_session *s)
{
  last_kind = s->err.kind ? s->err.kind : DCT_KIND_CORRUPT;
  last_reason = s->err.reason;
  last_detail = s->err.detail;
  memcpy(last_message, s->err.message, sizeof(last_message));
}

EXPORT void dct_release(dct_session *s)
{
  if (!s) return;
  jpeg_destroy_decompress(&s->cinfo);
  free(s->coefs);
  free(s->rgb);
  free(s->snap);
  free(s->src.buf);
  free(s);
}

/* Input buffers from dct_alloc_input carry an FF D9 sentinel after the data
 * (outside the length given to jpeg_mem_src): see
 * patches/0003-jdhuff-fast-path-to-sentinel.patch. */
extern const JOCTET *jdhuff_sentinel_at;
static const JOCTET *sentinel_input;
static unsigned long sentinel_len;

static void check_header(dct_session *s, double max_pixels);

static void read_header_checked(dct_session *s, const JOCTET *data, unsigned long len,
                                double max_pixels)
{
  j_decompress_ptr cinfo = &s->cinfo;
  if (len < 2 || data[0] != 0xFF || data[1] != 0xD8) {
    char m[96];
    if (len >= 2) snprintf(m, sizeof(m), "Not a JPEG file: starts with 0x%02x 0x%02x", data[0], data[1]);
    else snprintf(m, sizeof(m), "Not a JPEG file: %lu byte(s)", len);
    fail((j_common_ptr)cinfo, DCT_KIND_NOT_A_JPEG, 0, 0, m);
  }
  jpeg_mem_src(cinfo, data, len);
  jdhuff_sentinel_at = (data == sentinel_input && len == sentinel_len) ? data + len : NULL;
  jpeg_save_markers(cinfo, JPEG_APP0 + 1, 0xFFFF);
  cinfo->progress = &s->progress.pub;
  jpeg_read_header(cinfo, TRUE);
  check_header(s, max_pixels);
}

/* What every decode refuses once the frame header is known. */
static void check_header(dct_session *s, double max_pixels)
{
  j_decompress_ptr cinfo = &s->cinfo;
  if (cinfo->num_components == 4 || cinfo->jpeg_color_space == JCS_CMYK ||
      cinfo->jpeg_color_space == JCS_YCCK) {
    fail((j_common_ptr)cinfo, DCT_KIND_UNSUPPORTED, DCT_UNSUPPORTED_CMYK, cinfo->num_components,
         cinfo->jpeg_color_space == JCS_YCCK ? "CMYK JPEG (4 components, stored as YCCK) is not supported"
                                            : "CMYK JPEG (4 components) is not supported");
  }
  if (cinfo->num_components != 1 && cinfo->num_components != 3) {
    char m[96];
    snprintf(m, sizeof(m), "%d-component JPEG is not supported", cinfo->num_components);
    fail((j_common_ptr)cinfo, DCT_KIND_UNSUPPORTED, DCT_UNSUPPORTED_COMPONENTS, cinfo->num_components, m);
  }
  if ((double)cinfo->image_width * (double)cinfo->image_height > max_pixels) {
    char m[160];
    snprintf(m, sizeof(m), "image is %ux%u = %.0f pixels, more than maxPixels (%.0f)",
             cinfo->image_width, cinfo->image_height,
             (double)cinfo->image_width * (double)cinfo->image_height, max_pixels);
    fail((j_common_ptr)cinfo, DCT_KIND_LIMIT, DCT_LIMIT_MAX_PIXELS, 0, m);
  }
}

static void fill_common_info(dct_session *s)
{
  j_decompress_ptr cinfo = &s->cinfo;
  int32_t *info = s->info;
  int ci;
  info[I_WIDTH] = (int32_t)cinfo->image_width;
  info[I_HEIGHT] = (int32_t)cinfo->image_height;
  info[I_NCOMP] = cinfo->num_components;
  info[I_PROGRESSIVE] = cinfo->progressive_mode;
  info[I_ARITH] = cinfo->arith_code;
  info[I_ORIENTATION] = exif_orientation(cinfo);
  info[I_COLOR_SPACE] = cinfo->jpeg_color_space;
  info[I_ADOBE_TRANSFORM] = cinfo->saw_Adobe_marker ? cinfo->Adobe_transform : -1;
  info[I_MAX_H] = cinfo->max_h_samp_factor;
  info[I_MAX_V] = cinfo->max_v_samp_factor;
  info[I_RESTART_INTERVAL] = (int32_t)cinfo->restart_interval;
  info[I_JFIF] = cinfo->saw_JFIF_marker;
  for (ci = 0; ci < cinfo->num_components && ci < MAX_COMP; ci++) {
    jpeg_component_info *comp = cinfo->comp_info + ci;
    int32_t *ic = info + I_COMP0 + ci * I_COMP_STRIDE;
    ic[0] = comp->component_id;
    ic[1] = comp->h_samp_factor;
    ic[2] = comp->v_samp_factor;
    ic[3] = (int32_t)comp->width_in_blocks;
    ic[4] = (int32_t)comp->height_in_blocks;
  }
}

/* coefficient × quantization entry, saturated to int16 (only a malicious file
 * gets there), for blocks of n×n kept frequencies. Written so the compiler
 * vectorizes it (wasm SIMD). */
static void dequantize(JCOEF *coef, size_t blocks, const JQUANT_TBL *qt, int n)
{
  int32_t q[DCTSIZE2];
  size_t b;
  int k, nn = n * n;
  for (k = 0; k < nn; k++) q[k] = qt->quantval[(k / n) * DCTSIZE + k % n];
  for (b = 0; b < blocks; b++, coef += nn) {
    for (k = 0; k < nn; k++) {
      int32_t v = (int32_t)coef[k] * q[k];
      v = v > 32767 ? 32767 : v;
      v = v < -32768 ? -32768 : v;
      coef[k] = (JCOEF)v;
    }
  }
}

/* Module selection as in jdtrans.c, with our sink as coefficient controller, and the
 * planes it writes into. `keep`: 4 bits per component, frequencies kept per axis. */
static dct_sink *setup_planes(dct_session *s, int keep, int flags, boolean suspending)
{
  j_decompress_ptr cinfo = &s->cinfo;
  dct_sink *sink;
  size_t padded_total = 0, off = 0;
  int ci, k;

  cinfo->buffered_image = TRUE;
  if (cinfo->arith_code) jinit_arith_decoder(cinfo);
  else if (cinfo->progressive_mode) jinit_phuff_decoder(cinfo);
  else jinit_huff_decoder(cinfo);

  sink = (dct_sink *)(*cinfo->mem->alloc_small)((j_common_ptr)cinfo, JPOOL_IMAGE, sizeof(dct_sink));
  memset(sink, 0, sizeof(*sink));
  sink->pub.start_input_pass = sink_start_input_pass;
  sink->pub.consume_data = sink_consume_data;
  sink->pub.start_output_pass = sink_start_output_pass;
  sink->pub.decompress_data = sink_decompress_data;
  cinfo->coef = &sink->pub;
  sink->suspending = suspending;
  sink->select = cinfo->progressive_mode && (flags & DCT_FLAG_SKIP_SCANS) != 0;
  memset(sink->bits, -1, sizeof(sink->bits));

  /* Frequencies kept per component. Progressive files store whole blocks while later scans
   * refine them, unless scans are selected: then no decoded scan touches a coefficient that
   * is not kept, and only the kept ones are stored. */
  for (ci = 0; ci < cinfo->num_components; ci++) {
    int n = (keep >> (4 * ci)) & 15;
    sink->want[ci] = (ci >= MAX_COMP || (n != 1 && n != 2 && n != 4)) ? DCTSIZE : n;
    sink->keep[ci] = cinfo->progressive_mode && !sink->select ? DCTSIZE : sink->want[ci];
    if (sink->keep[ci] != DCTSIZE) sink->compact = TRUE;
  }
  /* Planes are padded to whole MCUs, where dummy blocks of interleaved scans land. */
  for (ci = 0; ci < cinfo->num_components; ci++) {
    jpeg_component_info *comp = cinfo->comp_info + ci;
    JDIMENSION w = (JDIMENSION)jround_up((long)comp->width_in_blocks, (long)comp->h_samp_factor);
    JDIMENSION h = (JDIMENSION)jround_up((long)comp->height_in_blocks, (long)comp->v_samp_factor);
    sink->stride[ci] = w;
    padded_total += (size_t)w * h * sink->keep[ci] * sink->keep[ci];
  }
  /* (compact planes start zeroed: a lenient decode may stop before every block) */
  sink->zero_per_block = !s->err.lenient && !cinfo->progressive_mode && !sink->compact && !suspending;
  /* + room for the quantization tables after the planes: JS copies one range. */
  padded_total += (size_t)cinfo->num_components * DCTSIZE2;
  s->coefs = sink->zero_per_block ? (JCOEF *)malloc(padded_total * sizeof(JCOEF))
                                  : (JCOEF *)calloc(padded_total, sizeof(JCOEF));
  if (!s->coefs) fail((j_common_ptr)cinfo, DCT_KIND_LIMIT, DCT_LIMIT_MEMORY, 0, "out of memory for coefficient planes");
  for (ci = 0; ci < cinfo->num_components; ci++) {
    jpeg_component_info *comp = cinfo->comp_info + ci;
    JDIMENSION h = (JDIMENSION)jround_up((long)comp->height_in_blocks, (long)comp->v_samp_factor);
    sink->plane[ci] = (JBLOCKROW)(s->coefs + off);
    off += (size_t)sink->stride[ci] * h * sink->keep[ci] * sink->keep[ci];
  }
  (void)k;
  (*cinfo->inputctl->start_input_pass)(cinfo);
  cinfo->global_state = DSTATE_RDCOEFS;
  return sink;
}

/* Consume input until the end of the image, the end of a scan (stop_at_scan) or, for a
 * stream, until the bytes pushed so far run out. */
static int consume_scans(dct_session *s, boolean stop_at_scan)
{
  j_decompress_ptr cinfo = &s->cinfo;
  for (;;) {
    int rc;
    on_progress((j_common_ptr)cinfo);
    rc = (*cinfo->inputctl->consume_input)(cinfo);
    if (rc == JPEG_SUSPENDED || rc == JPEG_REACHED_EOI) return rc;
    if (rc == JPEG_SCAN_COMPLETED && stop_at_scan) return rc;
  }
}

/* Pack the planes without their padding, components back to back, [c][by][bx][n·n], then
 * the quantization tables, into `out` (which may be s->coefs itself: every write lands at
 * or before what is still to be read). Fills the info block. */
static void pack_planes(dct_session *s, dct_sink *sink, JCOEF *out, int flags)
{
  j_decompress_ptr cinfo = &s->cinfo;
  size_t off = 0, dst = 0;
  int ci, k;
  for (ci = 0; ci < cinfo->num_components; ci++) {
    jpeg_component_info *comp = cinfo->comp_info + ci;
    JDIMENSION bw = comp->width_in_blocks, bh = comp->height_in_blocks, y;
    size_t nn = (size_t)sink->keep[ci] * sink->keep[ci];
    size_t stored = nn;
    int want = ci < MAX_COMP ? sink->want[ci] : DCTSIZE;
    JDIMENSION ph = (JDIMENSION)jround_up((long)bh, (long)comp->v_samp_factor);
    JQUANT_TBL *qt = comp->quant_table ? comp->quant_table : cinfo->quant_tbl_ptrs[comp->quant_tbl_no];
    int32_t *ic = s->info + I_COMP0 + ci * I_COMP_STRIDE;
    JCOEF *base = out + dst;
    if (!qt) fail((j_common_ptr)cinfo, DCT_KIND_CORRUPT, 0, 0, "component has no quantization table");
    if (!sink->scanned[ci] && sink->zero_per_block) /* a component no scan carried */
      memset(s->coefs + off, 0, (size_t)sink->stride[ci] * ph * nn * sizeof(JCOEF));
    if (want < sink->keep[ci]) {
      /* Whole blocks stored (progressive): keep each one's want×want lowest frequencies. */
      JCOEF *to = out + dst;
      int v, u;
      for (y = 0; y < bh; y++) {
        const JCOEF *from = s->coefs + off + (size_t)y * sink->stride[ci] * DCTSIZE2;
        JDIMENSION x;
        for (x = 0; x < bw; x++, from += DCTSIZE2)
          for (v = 0; v < want; v++)
            for (u = 0; u < want; u++) *to++ = from[v * DCTSIZE + u];
      }
      nn = (size_t)want * want;
    } else if (sink->stride[ci] != bw || out != s->coefs) {
      for (y = 0; y < bh; y++)
        memmove(out + dst + (size_t)y * bw * nn,
                s->coefs + off + (size_t)y * sink->stride[ci] * nn,
                (size_t)bw * nn * sizeof(JCOEF));
    } else if (dst != off) {
      memmove(out + dst, s->coefs + off, (size_t)bw * bh * nn * sizeof(JCOEF));
    }
    for (k = 0; k < DCTSIZE2; k++) s->qtables[ci][k] = qt->quantval[k];
    if (flags & DCT_FLAG_DEQUANTIZE) dequantize(base, (size_t)bw * bh, qt, (int)want);
    ic[0] = comp->component_id;
    ic[1] = comp->h_samp_factor;
    ic[2] = comp->v_samp_factor;
    ic[3] = (int32_t)bw;
    ic[4] = (int32_t)bh;
    ic[5] = (int32_t)dst;
    /* ic[6]: offset of the quantization table, set below */
    ic[7] = comp->quant_tbl_no;
    s->info[I_KEEP0 + ci] = want;
    off += (size_t)sink->stride[ci] * ph * stored;
    dst += (size_t)bw * bh * nn;
  }
  /* Quantization tables (uint16, natural order) follow the packed planes. */
  for (ci = 0; ci < cinfo->num_components; ci++) {
    memcpy(out + dst, s->qtables[ci], sizeof(s->qtables[ci]));
    s->info[I_COMP0 + ci * I_COMP_STRIDE + 6] = (int32_t)dst;
    dst += DCTSIZE2;
  }
  s->info[I_COEF_COUNT] = (int32_t)dst;
  s->info[I_COEF_PTR] = (int32_t)(intptr_t)out;
  s->info[I_SCANS] = cinfo->input_scan_number;
  s->info[I_SKIPPED] = sink->skipped;
  s->info[I_WARNINGS] = (int32_t)s->err.pub.num_warnings;
}

/* Elements in the packed planes and tables (what pack_planes writes). */
static size_t packed_size(dct_session *s, dct_sink *sink)
{
  size_t n = 0;
  int ci;
  for (ci = 0; ci < s->cinfo.num_components; ci++) {
    jpeg_component_info *comp = s->cinfo.comp_info + ci;
    int want = ci < MAX_COMP ? sink->want[ci] : DCTSIZE;
    n += (size_t)comp->width_in_blocks * comp->height_in_blocks * want * want + DCTSIZE2;
  }
  return n;
}

/* Entropy-decode every scan into one buffer. Kept out of line: with emscripten's
 * setjmp emulation every call made from the function holding setjmp() goes
 * through a JS trampoline, so that function must make as few calls as possible. */
__attribute__((noinline)) static void decode_coefficients(dct_session *s, const dct_request *req)
{
  dct_sink *sink;
  read_header_checked(s, req->data, req->len, req->max_pixels);
  fill_common_info(s);
  sink = setup_planes(s, req->keep, req->flags, FALSE);
  if (consume_scans(s, FALSE) == JPEG_SUSPENDED) ERREXIT(&s->cinfo, JERR_INPUT_EOF);
  s->sink = sink;
  pack_planes(s, sink, s->coefs, req->flags);
}

/* Runs one request in a fresh session; libjpeg errors longjmp back here, where
 * the session is destroyed. Returns the session (free with dct_release) or NULL
 * with the failure in last_kind / last_reason / last_detail / last_message. */
static dct_session *run_guarded(const dct_request *req, int max_scans,
                                void (*body)(dct_session *, const dct_request *))
{
  dct_session *s = session_open(req->flags, max_scans);
  if (!s) {
    last_kind = DCT_KIND_LIMIT;
    last_reason = DCT_LIMIT_MEMORY;
    last_detail = 0;
    strcpy(last_message, "out of memory");
    return NULL;
  }
  if (setjmp(s->err.jump)) {
    session_record_failure(s);
    dct_release(s);
    return NULL;
  }
  jpeg_create_decompress(&s->cinfo);
  body(s, req);
  return s;
}

/* Entry point: coefficients. */
EXPORT dct_session *dct_decode(const JOCTET *data, unsigned long len, int flags,
                               double max_pixels, int max_scans, int keep)
{
  dct_request req = { data, len, flags, max_pixels, 1, keep };
  return run_guarded(&req, max_scans, decode_coefficients);
}

__attribute__((noinline)) static void decode_rgb(dct_session *s, const dct_request *req)
{
  j_decompress_ptr cinfo = &s->cinfo;
  size_t row_bytes;
  read_header_checked(s, req->data, req->len, req->max_pixels);
  fill_common_info(s);
  cinfo->out_color_space = JCS_RGB;
  cinfo->dct_method = JDCT_ISLOW;
  cinfo->scale_num = 1;
  cinfo->scale_denom = (unsigned)req->scale_denom;
  jpeg_start_decompress(cinfo);
  row_bytes = (size_t)cinfo->output_width * cinfo->output_components;
  s->rgb = (JSAMPLE *)malloc(row_bytes * cinfo->output_height + 1);
  if (!s->rgb) fail((j_common_ptr)cinfo, DCT_KIND_LIMIT, DCT_LIMIT_MEMORY, 0, "out of memory for RGB output");
  while (cinfo->output_scanline < cinfo->output_height) {
    JSAMPROW row = s->rgb + row_bytes * cinfo->output_scanline;
    jpeg_read_scanlines(cinfo, &row, 1);
  }
  jpeg_finish_decompress(cinfo);
  s->info[I_RGB_PTR] = (int32_t)(intptr_t)s->rgb;
  s->info[I_RGB_WIDTH] = (int32_t)cinfo->output_width;
  s->info[I_RGB_HEIGHT] = (int32_t)cinfo->output_height;
  s->info[I_SCANS] = cinfo->input_scan_number;
  s->info[I_WARNINGS] = (int32_t)s->err.pub.num_warnings;
}

/* Entry point: full decode to RGB with libjpeg's scaled IDCT (denominator 1, 2, 4 or 8). */
EXPORT dct_session *dct_decode_rgb(const JOCTET *data, unsigned long len, int flags,
                                   double max_pixels, int max_scans, int scale_denom)
{
  dct_request req = { data, len, flags, max_pixels, scale_denom, 0 };
  return run_guarded(&req, max_scans, decode_rgb);
}


/* ---- streams: bytes pushed as they arrive ------------------------------- */

/* Events of dct_stream_run. */
enum { EV_FAILED = -1, EV_NEED_BYTES = 0, EV_HEADER = 1, EV_SCAN = 2, EV_END = 3, EV_SKIPPED = 4 };

extern int jdhuff_private_tables;

static void stream_init_source(j_decompress_ptr cinfo) { (void)cinfo; }
static void stream_term_source(j_decompress_ptr cinfo) { (void)cinfo; }

static void stream_ended_early(dct_session *s)
{
  char m[160];
  snprintf(m, sizeof(m), "the stream ended after %lu bytes, %s", (unsigned long)s->src.pushed,
           s->stage == STAGE_HEADER ? "inside the headers" : "inside a scan");
  fail((j_common_ptr)&s->cinfo, DCT_KIND_CORRUPT, 0, 0, m);
}

/* A stream that ends without its EOI ends like the shorter file that has one: where a scan
 * has just ended (a progressive file cut at a scan boundary), that is a valid image. */
static boolean stream_fill_input_buffer(j_decompress_ptr cinfo)
{
  static const JOCTET eoi[2] = { 0xFF, JPEG_EOI };
  dct_session *s = (dct_session *)cinfo; /* cinfo is the session's first member */
  if (!s->src.ended) return FALSE; /* suspend: libjpeg resumes from its restart point */
  if (s->src.eoi_added || s->stage == STAGE_HEADER) stream_ended_early(s);
  s->src.eoi_added = 1;
  s->src.pub.next_input_byte = eoi;
  s->src.pub.bytes_in_buffer = 2;
  return TRUE;
}

static void stream_skip_input_data(j_decompress_ptr cinfo, long n)
{
  dct_session *s = (dct_session *)cinfo;
  struct jpeg_source_mgr *src = &s->src.pub;
  if (n <= 0) return;
  if ((size_t)n <= src->bytes_in_buffer) {
    src->next_input_byte += n;
    src->bytes_in_buffer -= (size_t)n;
  } else { /* the rest is dropped as it arrives */
    s->src.owed += (size_t)n - src->bytes_in_buffer;
    src->next_input_byte += src->bytes_in_buffer;
    src->bytes_in_buffer = 0;
  }
}

__attribute__((noinline)) static void stream_create(dct_session *s)
{
  j_decompress_ptr cinfo = &s->cinfo;
  jpeg_create_decompress(cinfo);
  s->src.pub.init_source = stream_init_source;
  s->src.pub.fill_input_buffer = stream_fill_input_buffer;
  s->src.pub.skip_input_data = stream_skip_input_data;
  s->src.pub.resync_to_restart = jpeg_resync_to_restart;
  s->src.pub.term_source = stream_term_source;
  cinfo->src = &s->src.pub;
  jpeg_save_markers(cinfo, JPEG_APP0 + 1, 0xFFFF);
  cinfo->progress = &s->progress.pub;
}

/* One step: read the headers (EV_HEADER, then dct_stream_keep may still be called), or
 * consume scans until one completes (EV_SCAN, or EV_SKIPPED when its data was stepped
 * over), the image ends (EV_END) or the bytes pushed so far run out (EV_NEED_BYTES). */
__attribute__((noinline)) static int stream_step(dct_session *s, double max_pixels)
{
  j_decompress_ptr cinfo = &s->cinfo;
  int rc;
  switch (s->stage) {
  case STAGE_HEADER:
    if (jpeg_read_header(cinfo, TRUE) == JPEG_SUSPENDED) return EV_NEED_BYTES;
    check_header(s, max_pixels);
    fill_common_info(s);
    s->stage = STAGE_PLANES;
    return EV_HEADER;
  case STAGE_PLANES:
    s->sink = setup_planes(s, s->keep, s->flags, TRUE);
    s->stage = STAGE_SCANS;
    /* fall through */
  case STAGE_SCANS:
    do {
      rc = consume_scans(s, TRUE);
      /* the last scan: no image of its own when the EOI is already here (EV_END has it) */
    } while (rc == JPEG_SCAN_COMPLETED &&
             (cinfo->unread_marker == JPEG_EOI ||
              (s->src.pub.bytes_in_buffer >= 2 && s->src.pub.next_input_byte[0] == 0xFF &&
               s->src.pub.next_input_byte[1] == JPEG_EOI)));
    if (rc == JPEG_SUSPENDED) return EV_NEED_BYTES;
    if (rc == JPEG_REACHED_EOI) {
      s->stage = STAGE_DONE;
      return EV_END;
    }
    return s->sink->skip ? EV_SKIPPED : EV_SCAN;
  default:
    return EV_END;
  }
}

/* The planes as they are now, packed into their own buffer (decoding goes on in s->coefs). */
__attribute__((noinline)) static int stream_pack(dct_session *s, double unused)
{
  (void)unused;
  if (!s->sink) fail((j_common_ptr)&s->cinfo, DCT_KIND_CORRUPT, 0, 0, "no scan has been read yet");
  free(s->snap);
  s->snap = (JCOEF *)malloc(packed_size(s, s->sink) * sizeof(JCOEF));
  if (!s->snap) fail((j_common_ptr)&s->cinfo, DCT_KIND_LIMIT, DCT_LIMIT_MEMORY, 0, "out of memory for a snapshot");
  pack_planes(s, s->sink, s->snap, s->flags);
  /* (a marker the entropy decoder has read but libjpeg not yet processed is not part of the scan) */
  s->info[I_BYTES] = (int32_t)(s->src.pushed - (s->src.eoi_added ? 0 : s->src.pub.bytes_in_buffer) -
                               (s->cinfo.unread_marker && !s->src.eoi_added ? 2 : 0));
  s->info[I_CUT] = s->src.eoi_added;
  return 0;
}

/* Runs a stream step with libjpeg's errors caught: a failure kills the stream for good
 * (each later call reports it again) but leaves the session for dct_release. */
static int stream_guarded(dct_session *s, double arg, int (*body)(dct_session *, double))
{
  int rc;
  if (!s->dead) {
    jdhuff_sentinel_at = NULL;
    jdhuff_private_tables = 1;
    streaming_session = s;
    if (setjmp(s->err.jump)) {
      jdhuff_private_tables = 0;
      streaming_session = NULL;
      s->dead = 1;
      s->fail_kind = s->err.kind ? s->err.kind : DCT_KIND_CORRUPT;
      s->fail_reason = s->err.reason;
      s->fail_detail = s->err.detail;
      memcpy(s->fail_message, s->err.message, sizeof(s->fail_message));
    } else {
      rc = body(s, arg);
      jdhuff_private_tables = 0;
      streaming_session = NULL;
      return rc;
    }
  }
  last_kind = s->fail_kind;
  last_reason = s->fail_reason;
  last_detail = s->fail_detail;
  memcpy(last_message, s->fail_message, sizeof(last_message));
  return EV_FAILED;
}

static int stream_create_body(dct_session *s, double unused)
{
  (void)unused;
  stream_create(s);
  return 0;
}

/* A decoder fed with dct_stream_buffer/dct_stream_push and driven by dct_stream_run. */
EXPORT dct_session *dct_stream_open(int flags, int max_scans)
{
  dct_session *s = session_open(flags, max_scans);
  if (!s) return NULL;
  s->flags = flags;
  if (stream_guarded(s, 0, stream_create_body) == EV_FAILED) {
    free(s);
    return NULL;
  }
  return s;
}

/* Where to write the next n bytes (before dct_stream_push(s, n, ...)); NULL when out of memory. */
EXPORT JOCTET *dct_stream_buffer(dct_session *s, unsigned long n)
{
  size_t have = s->src.pub.bytes_in_buffer;
  if (have && s->src.pub.next_input_byte != s->src.buf) memmove(s->src.buf, s->src.pub.next_input_byte, have);
  if (have + n > s->src.cap) {
    size_t cap = s->src.cap * 2 > have + n ? s->src.cap * 2 : have + n;
    JOCTET *b = (JOCTET *)realloc(s->src.buf, cap < 65536 ? 65536 : cap);
    if (!b) return NULL;
    s->src.buf = b;
    s->src.cap = cap < 65536 ? 65536 : cap;
  }
  s->src.pub.next_input_byte = s->src.buf;
  return s->src.buf + have;
}

/* n bytes written where dct_stream_buffer said; `ended`: they are the last. */
EXPORT void dct_stream_push(dct_session *s, unsigned long n, int ended)
{
  JOCTET *at = s->src.buf + s->src.pub.bytes_in_buffer;
  size_t drop = s->src.owed < n ? s->src.owed : n;
  if (drop) memmove(at, at + drop, n - drop);
  s->src.owed -= drop;
  s->src.pub.bytes_in_buffer += n - drop;
  s->src.pushed += n;
  s->src.ended = ended;
}

EXPORT int dct_stream_run(dct_session *s, double max_pixels) { return stream_guarded(s, max_pixels, stream_step); }

/* After EV_HEADER: frequencies to keep per component (4 bits each, as dct_decode's keep). */
EXPORT void dct_stream_keep(dct_session *s, int keep) { s->keep = keep; }

/* The coefficients as they stand (after EV_SCAN or EV_END): the info block (dct_info), or
 * NULL on failure. */
EXPORT int32_t *dct_stream_snapshot(dct_session *s)
{
  return stream_guarded(s, 0, stream_pack) == EV_FAILED ? NULL : s->info;
}

/* Per component (4) and zig-zag frequency (64): low bits still missing from the stored
 * coefficients, -1 when no decoded scan carried that frequency. */
EXPORT const signed char *dct_bands(dct_session *s)
{
  static const signed char none[MAX_COMP][DCTSIZE2] = { { 0 } };
  return s->sink ? &s->sink->bits[0][0] : &none[0][0];
}

/* Bytes pushed and not yet consumed by the decoder. */
EXPORT unsigned long dct_stream_pending(dct_session *s) { return (unsigned long)s->src.pub.bytes_in_buffer; }

EXPORT int32_t *dct_info(dct_session *s) { return s->info; }
EXPORT int32_t dct_last_kind(void) { return last_kind; }
EXPORT int32_t dct_last_reason(void) { return last_reason; }
EXPORT int32_t dct_last_detail(void) { return last_detail; }
EXPORT const char *dct_last_message(void) { return last_message; }
EXPORT JOCTET *dct_alloc_input(unsigned long n)
{
  JOCTET *p = (JOCTET *)malloc(n + 2);
  if (!p) return NULL;
  p[n] = 0xFF;
  p[n + 1] = 0xD9;
  sentinel_input = p;
  sentinel_len = n;
  return p;
}
EXPORT void dct_free(void *p)
{
  if (p == sentinel_input) sentinel_input = NULL;
  free(p);
}
/* Bytes currently allocated by malloc: lets tests prove that nothing leaks. */
EXPORT unsigned long dct_heap_in_use(void) { struct mallinfo mi = mallinfo(); return (unsigned long)mi.uordblks; }
