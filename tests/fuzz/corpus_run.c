/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Runs a fuzz target over the files of its corpus, without libFuzzer: make check does this with any compiler. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    gchar *data = NULL;
    gsize len = 0;
    GError *err = NULL;
    if (!g_file_get_contents(path, &data, &len, &err)) {
        fprintf(stderr, "%s: %s\n", path, err->message);
        g_error_free(err);
        return 1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)data, len);
    /* Every prefix too: cut replies are what a dying agent sends. */
    for (gsize cut = 0; cut < len; cut += len / 16 + 1)
        LLVMFuzzerTestOneInput((const uint8_t *)data, cut);
    g_free(data);
    return 0;
}

int main(int argc, char **argv)
{
    int bad = 0, files = 0;
    for (int i = 1; i < argc; i++) {
        GDir *dir = g_dir_open(argv[i], 0, NULL);
        if (!dir) {
            bad |= run_file(argv[i]);
            files++;
            continue;
        }
        const char *name;
        while ((name = g_dir_read_name(dir))) {
            char *path = g_build_filename(argv[i], name, NULL);
            bad |= run_file(path);
            files++;
            g_free(path);
        }
        g_dir_close(dir);
    }
    printf("%d inputs ran\n", files);
    return bad || files == 0;
}
