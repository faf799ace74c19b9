/*
 * dctref: native libjpeg-turbo reference tool (Debian's libjpeg62-turbo), used
 * by the tests (bit-exact coefficient comparison) and by bench:decode.
 *
 *   dctref coef FILE OUT.bin     quantized coefficients via jpeg_read_coefficients:
 *                                components back to back, [blocksY][blocksX][64]
 *                                int16 natural order; prints JSON metadata on stdout
 *   dctref ycc FILE OUT.bin      full decode to Y, Cb, Cr planes (libjpeg's upsampling):
 *                                int32 width, height, ncomp, then ncomp uint8 planes
 *   dctref batch OUT.bin         file paths on stdin; for each file, appended to OUT.bin:
 *                                int32 status (0 ok), int32 ncomp, per component int32 h, v,
 *                                blocksX, blocksY, uint16 qtable[64], then each component's
 *                                int16 coefficients (used by training/evaluate.py)
 *   dctref bench MODE PASSES     MODE = full | coef; file paths on stdin, all read
 *                                into memory first; prints {"images":N,"ms_per_image":X}
 *                                where X is from the fastest of PASSES passes
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jpeglib.h>

struct err { struct jpeg_error_mgr pub; jmp_buf jump; };
static void on_error(j_common_ptr c) { longjmp(((struct err *)c->err)->jump, 1); }

static unsigned char *read_file(const char *path, unsigned long *len)
{
  FILE *f = fopen(path, "rb");
  unsigned char *buf;
  long n;
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  n = ftell(f);
  fseek(f, 0, SEEK_SET);
  buf = malloc(n ? n : 1);
  if (fread(buf, 1, n, f) != (size_t)n) { fclose(f); free(buf); return NULL; }
  fclose(f);
  *len = (unsigned long)n;
  return buf;
}

static int dump_coefficients(const char *in, const char *out)
{
  struct jpeg_decompress_struct cinfo;
  struct err jerr;
  unsigned long len;
  unsigned char *data = read_file(in, &len);
  jvirt_barray_ptr *arrays;
  FILE *f;
  int ci, k;
  if (!data) { fprintf(stderr, "cannot read %s\n", in); return 1; }
  cinfo.err = jpeg_std_error(&jerr.pub);
  jerr.pub.error_exit = on_error;
  if (setjmp(jerr.jump)) {
    char msg[JMSG_LENGTH_MAX];
    (*cinfo.err->format_message)((j_common_ptr)&cinfo, msg);
    fprintf(stderr, "%s\n", msg);
    return 1;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, len);
  jpeg_read_header(&cinfo, TRUE);
  arrays = jpeg_read_coefficients(&cinfo);
  f = fopen(out, "wb");
  printf("{\"width\":%u,\"height\":%u,\"progressive\":%d,\"arithmetic\":%d,\"components\":[",
         cinfo.image_width, cinfo.image_height, cinfo.progressive_mode, cinfo.arith_code);
  for (ci = 0; ci < cinfo.num_components; ci++) {
    jpeg_component_info *comp = cinfo.comp_info + ci;
    JDIMENSION y;
    for (y = 0; y < comp->height_in_blocks; y++) {
      JBLOCKARRAY rows = (*cinfo.mem->access_virt_barray)((j_common_ptr)&cinfo, arrays[ci], y, 1, FALSE);
      fwrite(rows[0], sizeof(JBLOCK), comp->width_in_blocks, f);
    }
    printf("%s{\"h\":%d,\"v\":%d,\"blocksX\":%u,\"blocksY\":%u,\"qtable\":[", ci ? "," : "",
           comp->h_samp_factor, comp->v_samp_factor, comp->width_in_blocks, comp->height_in_blocks);
    for (k = 0; k < DCTSIZE2; k++) printf("%s%u", k ? "," : "", comp->quant_table->quantval[k]);
    printf("]}");
  }
  printf("]}\n");
  fclose(f);
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  free(data);
  return 0;
}

static int batch(const char *out_path)
{
  char path[4096];
  FILE *out = fopen(out_path, "wb");
  if (!out) { fprintf(stderr, "cannot write %s\n", out_path); return 1; }
  while (fgets(path, sizeof(path), stdin)) {
    struct jpeg_decompress_struct cinfo;
    struct err jerr;
    unsigned long len;
    unsigned char *data;
    jvirt_barray_ptr *arrays;
    int ci, k, status = 1, n = 0;
    path[strcspn(path, "\r\n")] = 0;
    if (!*path) continue;
    data = read_file(path, &len);
    cinfo.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = on_error;
    if (!data || setjmp(jerr.jump)) {
      if (data) jpeg_destroy_decompress(&cinfo);
      fwrite(&status, 4, 1, out);
      fwrite(&n, 4, 1, out);
      free(data);
      continue;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, len);
    jpeg_read_header(&cinfo, TRUE);
    arrays = jpeg_read_coefficients(&cinfo);
    status = 0;
    n = cinfo.num_components;
    fwrite(&status, 4, 1, out);
    fwrite(&n, 4, 1, out);
    for (ci = 0; ci < n; ci++) {
      jpeg_component_info *comp = cinfo.comp_info + ci;
      int hdr[4] = { comp->h_samp_factor, comp->v_samp_factor, (int)comp->width_in_blocks, (int)comp->height_in_blocks };
      unsigned short q[64];
      for (k = 0; k < 64; k++) q[k] = comp->quant_table->quantval[k];
      fwrite(hdr, 4, 4, out);
      fwrite(q, 2, 64, out);
    }
    for (ci = 0; ci < n; ci++) {
      jpeg_component_info *comp = cinfo.comp_info + ci;
      JDIMENSION y;
      for (y = 0; y < comp->height_in_blocks; y++) {
        JBLOCKARRAY rows = (*cinfo.mem->access_virt_barray)((j_common_ptr)&cinfo, arrays[ci], y, 1, FALSE);
        fwrite(rows[0], sizeof(JBLOCK), comp->width_in_blocks, out);
      }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(data);
  }
  fclose(out);
  return 0;
}

static int decode_ycc(const char *in, const char *out_path)
{
  struct jpeg_decompress_struct cinfo;
  struct err jerr;
  unsigned long len;
  unsigned char *data = read_file(in, &len), *pix, *planes;
  FILE *out;
  int hdr[3], c;
  size_t n, i;
  if (!data) { fprintf(stderr, "cannot read %s\n", in); return 1; }
  cinfo.err = jpeg_std_error(&jerr.pub);
  jerr.pub.error_exit = on_error;
  if (setjmp(jerr.jump)) { fprintf(stderr, "libjpeg error\n"); return 1; }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, len);
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = cinfo.num_components == 1 ? JCS_GRAYSCALE : JCS_YCbCr;
  jpeg_start_decompress(&cinfo);
  n = (size_t)cinfo.output_width * cinfo.output_height;
  pix = malloc(n * cinfo.output_components);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = pix + (size_t)cinfo.output_scanline * cinfo.output_width * cinfo.output_components;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  planes = malloc(n * cinfo.output_components);
  for (c = 0; c < cinfo.output_components; c++)
    for (i = 0; i < n; i++) planes[c * n + i] = pix[i * cinfo.output_components + c];
  hdr[0] = (int)cinfo.output_width;
  hdr[1] = (int)cinfo.output_height;
  hdr[2] = cinfo.output_components;
  out = fopen(out_path, "wb");
  fwrite(hdr, 4, 3, out);
  fwrite(planes, 1, n * cinfo.output_components, out);
  fclose(out);
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  free(pix);
  free(planes);
  free(data);
  return 0;
}

static double now_ms(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Decode one in-memory JPEG fully to RGB or to coefficients; returns 0 on success. */
static int decode_once(const unsigned char *data, unsigned long len, int full, unsigned char **rowbuf, size_t *rowcap)
{
  struct jpeg_decompress_struct cinfo;
  struct err jerr;
  cinfo.err = jpeg_std_error(&jerr.pub);
  jerr.pub.error_exit = on_error;
  if (setjmp(jerr.jump)) { jpeg_destroy_decompress(&cinfo); return 1; }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, len);
  jpeg_read_header(&cinfo, TRUE);
  if (full) {
    size_t need;
    cinfo.out_color_space = JCS_RGB;
    jpeg_start_decompress(&cinfo);
    /* Whole image in one buffer, many rows per call, as TurboJPEG does: the
     * fastest way to drive libjpeg, so the comparison is not flattering to us. */
    need = (size_t)cinfo.output_width * 3 * cinfo.output_height;
    if (need > *rowcap) { *rowbuf = realloc(*rowbuf, need); *rowcap = need; }
    {
      JSAMPROW rows[4096];
      JDIMENSION y, h = cinfo.output_height > 4096 ? 4096 : cinfo.output_height;
      for (y = 0; y < h; y++) rows[y] = *rowbuf + (size_t)y * cinfo.output_width * 3;
      while (cinfo.output_scanline < h)
        jpeg_read_scanlines(&cinfo, rows + cinfo.output_scanline, h - cinfo.output_scanline);
      while (cinfo.output_scanline < cinfo.output_height) { /* taller images: reuse rows */
        JSAMPROW row = *rowbuf;
        jpeg_read_scanlines(&cinfo, &row, 1);
      }
    }
    jpeg_finish_decompress(&cinfo);
  } else {
    jpeg_read_coefficients(&cinfo);
    jpeg_finish_decompress(&cinfo);
  }
  jpeg_destroy_decompress(&cinfo);
  return 0;
}

static int bench(const char *mode, int repeat)
{
  char path[4096];
  unsigned char **data = NULL;
  unsigned long *lens = NULL;
  size_t n = 0, cap = 0, i, rowcap = 0;
  unsigned char *rowbuf = NULL;
  int full = strcmp(mode, "full") == 0, r, failures = 0;
  double t0, t1, total, best = 0;
  while (fgets(path, sizeof(path), stdin)) {
    path[strcspn(path, "\r\n")] = 0;
    if (!*path) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 256;
      data = realloc(data, cap * sizeof(*data));
      lens = realloc(lens, cap * sizeof(*lens));
    }
    data[n] = read_file(path, &lens[n]);
    if (data[n]) n++;
  }
  for (i = 0; i < n && i < 20; i++) decode_once(data[i], lens[i], full, &rowbuf, &rowcap); /* warm-up */
  total = 0;
  for (r = 0; r < repeat; r++) {
    t0 = now_ms();
    for (i = 0; i < n; i++) failures += decode_once(data[i], lens[i], full, &rowbuf, &rowcap);
    t1 = now_ms();
    total += t1 - t0;
    if (r == 0 || t1 - t0 < best) best = t1 - t0;
  }
  /* ms_per_image: the fastest pass over all files (least disturbed by other load) */
  printf("{\"mode\":\"%s\",\"images\":%zu,\"repeat\":%d,\"failures\":%d,"
         "\"ms_per_image\":%.6f,\"mean_ms_per_image\":%.6f}\n",
         mode, n, repeat, failures, n ? best / n : 0.0, n ? total / ((double)n * repeat) : 0.0);
  return 0;
}

int main(int argc, char **argv)
{
  if (argc == 4 && strcmp(argv[1], "coef") == 0) return dump_coefficients(argv[2], argv[3]);
  if (argc == 4 && strcmp(argv[1], "bench") == 0) return bench(argv[2], atoi(argv[3]));
  if (argc == 3 && strcmp(argv[1], "batch") == 0) return batch(argv[2]);
  if (argc == 4 && strcmp(argv[1], "ycc") == 0) return decode_ycc(argv[2], argv[3]);
  fprintf(stderr, "usage: dctref coef FILE OUT.bin | dctref ycc FILE OUT.bin | dctref batch OUT.bin < paths | dctref bench full|coef PASSES < paths\n");
  return 2;
}
