/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the keymaps, key names, [keys] bindings from guestos.conf, and macro files and their replay. */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/actions.h"
#include "core/macro.h"
#include "tests/testutil.h"
#include "tui/draw.h"
#include "tui/keymap.h"

/* Where this run's $XDG_CONFIG_HOME points: macros are written under it. */
static char *config_home;

static void write_macro(const char *name, const char *text)
{
    char *dir = gos_macro_dir();
    ck_assert_int_eq(g_mkdir_with_parents(dir, 0700), 0);
    char *path = gos_macro_path(name, NULL);
    ck_assert(g_file_set_contents(path, text, -1, NULL));
    g_free(path);
    g_free(dir);
}

/* --- the default tables ------------------------------------------------------------ */

static void assert_no_duplicates(void)
{
    for (int t = 0; t < GOS_CTX_N; t++) {
        size_t n;
        const gos_binding *b = gos_keymap_table((gos_key_context)t, &n);
        ck_assert_uint_gt(n, 0);
        for (size_t i = 0; i < n; i++) {
            ck_assert_int_eq(b[i].key, gos_key_canon(b[i].key));
            for (size_t j = i + 1; j < n; j++) {
                char name[32];
                ck_assert_msg(b[i].key != b[j].key, "context %d binds %s twice", t,
                              gos_key_format(b[i].key, name, sizeof name));
            }
        }
    }
}

START_TEST(test_no_duplicate_bindings)
{
    gos_keymap_reset();
    assert_no_duplicates();
}
END_TEST

START_TEST(test_bindings_parse_and_have_help)
{
    gos_keymap_reset();
    char *err = NULL;
    ck_assert_msg(gos_keymap_check(&err) == 0, "%s", err ? err : "");
    for (int t = 0; t < GOS_CTX_N; t++) {
        size_t n;
        const gos_binding *b = gos_keymap_table((gos_key_context)t, &n);
        for (size_t i = 0; i < n; i++) {
            ck_assert_msg(gos_binding_help(&b[i])[0] != '\0', "binding %zu of context %d has no help", i, t);
            if (b[i].kind == GOS_BIND_LINE) {
                gos_cmd cmd;
                ck_assert_msg(gos_cmd_parse(b[i].line, &cmd, &err) == 0, "%s: %s", b[i].line, err);
                gos_cmd_clear(&cmd);
            } else if (b[i].kind != GOS_BIND_COMMAND) {
                ck_assert_msg(gos_action_find(b[i].line) != NULL, "%s", b[i].line);
            }
            if (b[i].kind == GOS_BIND_PROMPT || b[i].kind == GOS_BIND_PROMPT_WORDS ||
                b[i].kind == GOS_BIND_COMMAND)
                ck_assert_ptr_nonnull(b[i].text);
        }
    }
    for (size_t i = 0; i < gos_action_count(); i++) {
        const gos_action *a = gos_action_at(i);
        ck_assert_msg(a->help && strlen(a->help) > 5, "%s has no help text", a->name);
        ck_assert_ptr_nonnull(a->args);
    }
    /* The macro actions are in the one table, so keys and batch can use them. */
    ck_assert_ptr_nonnull(gos_action_find("macro"));
    ck_assert(gos_action_find("record")->flags & GOS_ACT_NO_RECORD);
    ck_assert(!(gos_action_find("macro")->flags & GOS_ACT_NO_RECORD));
    /* Defaults stay htop- and nano-like. */
    ck_assert_str_eq(gos_keymap_lookup(GOS_CTX_VMS, GOS_KEY_FN(KEY_F(1)))->line, "help");
    ck_assert_str_eq(gos_keymap_lookup(GOS_CTX_VMS, GOS_KEY_FN(KEY_F(10)))->line, "quit");
    ck_assert_str_eq(gos_keymap_lookup(GOS_CTX_VMS, 'R')->line, "record");
    /* Enter arrives as CR, LF or KEY_ENTER: one binding answers all three. */
    ck_assert_ptr_eq(gos_keymap_lookup(GOS_CTX_VMS, '\n'), gos_keymap_lookup(GOS_CTX_VMS, '\r'));
    ck_assert_ptr_eq(gos_keymap_lookup(GOS_CTX_DETAIL, GOS_KEY_FN(KEY_ENTER)),
                     gos_keymap_lookup(GOS_CTX_DETAIL, '\r'));
}
END_TEST

/* --- key names ---------------------------------------------------------------------- */

START_TEST(test_key_names_round_trip)
{
    static const struct { const char *name; const char *canonical; } names[] = {
        { "F1", "F1" }, { "f5", "F5" }, { "F12", "F12" }, { "a", "a" }, { "R", "R" }, { "?", "?" },
        { "/", "/" }, { "C-x", "C-x" }, { "c-X", "C-x" }, { "^L", "C-l" }, { "Space", "Space" },
        { "space", "Space" }, { "Enter", "Enter" }, { "Return", "Enter" }, { "C-m", "Enter" },
        { "C-j", "Enter" }, { "Tab", "Tab" }, { "C-i", "Tab" }, { "Esc", "Esc" }, { "Escape", "Esc" },
        { "Up", "Up" }, { "down", "Down" }, { "Left", "Left" }, { "Right", "Right" }, { "PgUp", "PgUp" },
        { "PageUp", "PgUp" }, { "PgDn", "PgDn" }, { "PageDown", "PgDn" }, { "Home", "Home" },
        { "End", "End" }, { "Backspace", "Backspace" }, { "BSpace", "Backspace" }, { "Del", "Del" },
        { "Ins", "Ins" }, { "\xc3\xa4", "\xc3\xa4" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        int k = gos_key_parse(names[i].name);
        ck_assert_msg(k >= 0, "%s does not parse", names[i].name);
        char buf[32];
        ck_assert_str_eq(gos_key_format(k, buf, sizeof buf), names[i].canonical);
        ck_assert_int_eq(gos_key_parse(buf), k);
    }
    /* Every key a default table binds has a name that reads back. */
    gos_keymap_reset();
    for (int t = 0; t < GOS_CTX_N; t++) {
        size_t n;
        const gos_binding *b = gos_keymap_table((gos_key_context)t, &n);
        for (size_t i = 0; i < n; i++) {
            char buf[32];
            ck_assert_msg(gos_key_parse(gos_key_format(b[i].key, buf, sizeof buf)) == b[i].key, "%s", buf);
        }
    }
    for (int f = 1; f <= 12; f++) {
        char name[8], buf[32];
        snprintf(name, sizeof name, "F%d", f);
        ck_assert_int_eq(gos_key_parse(name), GOS_KEY_FN(KEY_F(f)));
        ck_assert_str_eq(gos_key_format(GOS_KEY_FN(KEY_F(f)), buf, sizeof buf), name);
    }
    for (int c = 'a'; c <= 'z'; c++) {
        char buf[32];
        ck_assert_int_eq(gos_key_parse(gos_key_format(c, buf, sizeof buf)), c);
        ck_assert_int_eq(gos_key_parse(gos_key_format(c - 'a' + 'A', buf, sizeof buf)), c - 'a' + 'A');
        ck_assert_int_eq(gos_key_parse(gos_key_format(GOS_KEY_CTRL(c), buf, sizeof buf)),
                         gos_key_canon(GOS_KEY_CTRL(c)));
    }
    static const char *const bad[] = { "", "F0", "F25", "F05", "Foo", "C-1", "C-", "M-x", "ab", " ", "\x01",
                                       "\xff", "Space2", "C-xy" };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
        ck_assert_msg(gos_key_parse(bad[i]) == -1, "'%s' parsed", bad[i]);
}
END_TEST

/* --- [keys] in guestos.conf ------------------------------------------------------- */

START_TEST(test_config_good)
{
    const char *conf = "# guestos.conf\n"
                       "[hosts]\n"
                       "uris = test:///default\n"
                       "F6 = not a key binding here\n"
                       "\n"
                       "[keys]\n"
                       "F5 = macro nightly\n"
                       "  x = logoff   \n"
                       "# a comment\n"
                       "Space =\n"
                       "C-e = select \"web #1\"\n"
                       "F9 = record evening\n"
                       "Enter = help\n"
                       "[audit]\n"
                       "path = /tmp/a.db\n";
    GArray *b = NULL;
    char *err = NULL;
    ck_assert_msg(gos_keyconf_parse(conf, "g.conf", &b, &err) == 0, "%s", err ? err : "");
    ck_assert_uint_eq(b->len, 6);
    gos_key_binding *x = &g_array_index(b, gos_key_binding, 1);
    ck_assert_int_eq(x->key, 'x');
    ck_assert_str_eq(x->line, "logoff");
    ck_assert_int_eq(x->lineno, 8);
    ck_assert_str_eq(g_array_index(b, gos_key_binding, 2).line, "");
    ck_assert_int_eq(g_array_index(b, gos_key_binding, 5).key, '\r');
    gos_key_bindings_free(b);

    ck_assert_int_eq(gos_keymap_configure(conf, "g.conf", &err), 0);
    assert_no_duplicates();
    ck_assert_int_eq(gos_keymap_check(&err), 0);
    const gos_binding *f5 = gos_keymap_lookup(GOS_CTX_VMS, GOS_KEY_FN(KEY_F(5)));
    ck_assert_str_eq(f5->line, "macro nightly");
    /* It takes the place of Refresh in the hint bar, under the macro's name. */
    ck_assert_str_eq(gos_binding_hint(f5), "nightly");
    ck_assert_str_eq(gos_keymap_lookup(GOS_CTX_TASKS, 'x')->line, "logoff");
    /* Unbound in every context, the VM list's own Space (mark) included. */
    ck_assert_ptr_null(gos_keymap_lookup(GOS_CTX_VMS, ' '));
    ck_assert_ptr_null(gos_keymap_lookup(GOS_CTX_DETAIL, ' '));
    /* Enter replaced everywhere, in all its spellings. */
    ck_assert_str_eq(gos_keymap_lookup(GOS_CTX_VMS, '\n')->line, "help");
    ck_assert_str_eq(gos_keymap_lookup(GOS_CTX_HELP, GOS_KEY_FN(KEY_ENTER))->line, "help");
    /* The help screen lists the live tables: no default F5 left. */
    size_t n;
    const gos_binding *g = gos_keymap_table(GOS_CTX_GLOBAL, &n);
    for (size_t i = 0; i < n; i++)
        ck_assert(g[i].key != GOS_KEY_FN(KEY_F(5)) || !strcmp(g[i].line, "macro nightly"));
    /* Untouched defaults stay. */
    ck_assert_str_eq(gos_keymap_lookup(GOS_CTX_VMS, 'q')->line, "quit");

    gos_keymap_reset();
    ck_assert_str_eq(gos_keymap_lookup(GOS_CTX_VMS, GOS_KEY_FN(KEY_F(5)))->line, "refresh");
    ck_assert_str_eq(gos_keymap_lookup(GOS_CTX_VMS, ' ')->line, "mark");

    /* No [keys] group: nothing changes. */
    ck_assert_int_eq(gos_keyconf_parse("[hosts]\nuris = a\n", "g.conf", &b, &err), 0);
    ck_assert_uint_eq(b->len, 0);
    gos_key_bindings_free(b);
}
END_TEST

START_TEST(test_config_bad)
{
    static const struct { const char *text; const char *where; const char *what; } bad[] = {
        { "[keys]\nF13x = help\n", "k.conf:2:", "F13x" },
        { "[keys]\n\nM-x = help\n", "k.conf:3:", "M-x" },
        { "[keys]\nF5 = frobnicate\n", "k.conf:2:", "frobnicate" },
        { "[keys]\nF5 = refresh now\n", "k.conf:2:", "refresh" },
        { "[keys]\nF5 = search \"open\n", "k.conf:2:", "quote" },
        { "[keys]\nF5 = macro ../etc/passwd\n", "k.conf:2:", "../etc/passwd" },
        { "[keys]\nF5 = macro\n", "k.conf:2:", "macro" },
        { "[keys]\nF5 = help\nf5 = quit\n", "k.conf:3:", "line 2" },
        { "[keys]\nEnter = help\nC-m = quit\n", "k.conf:3:", "Enter" },
        { "[keys]\njust words\n", "k.conf:2:", "KEY = ACTION" },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        GArray *b = NULL;
        char *err = NULL;
        ck_assert_int_eq(gos_keyconf_parse(bad[i].text, "k.conf", &b, &err), -1);
        ck_assert_ptr_null(b);
        ck_assert_msg(g_str_has_prefix(err, bad[i].where), "%zu: '%s' does not start with %s", i, err,
                      bad[i].where);
        ck_assert_msg(strstr(err, bad[i].what), "%zu: '%s' does not mention %s", i, err, bad[i].what);
        g_free(err);
    }
    /* A bad file applies nothing, not even its good lines. */
    gos_keymap_reset();
    char *err = NULL;
    ck_assert_int_eq(gos_keymap_configure("[keys]\nF5 = quit\nF6 = nope\n", "k.conf", &err), -1);
    g_free(err);
    ck_assert_str_eq(gos_keymap_lookup(GOS_CTX_VMS, GOS_KEY_FN(KEY_F(5)))->line, "refresh");
}
END_TEST

/* --- macro names and files ------------------------------------------------------------- */

START_TEST(test_macro_names)
{
    static const char *const good[] = { "nightly", "a", "web-tier_2", "v1.2", "A-Z.a_z-0", "-x" };
    static const char *const bad[] = { "", ".", "..", ".hidden", "a/b", "../x", "a b", "a\tb", "\xc3\xa4",
                                       "x;rm", "a*", "a\n" };
    for (size_t i = 0; i < G_N_ELEMENTS(good); i++)
        ck_assert_msg(gos_macro_name_valid(good[i]), "%s", good[i]);
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        ck_assert_msg(!gos_macro_name_valid(bad[i]), "%s", bad[i]);
        char *err = NULL;
        ck_assert_ptr_null(gos_macro_path(bad[i], &err));
        ck_assert_ptr_nonnull(err);
        g_free(err);
        ck_assert_ptr_null(gos_macro_rec_new(bad[i], NULL));
    }
    ck_assert(!gos_macro_name_valid(NULL));
    char *longest = g_strnfill(GOS_MACRO_NAME_MAX, 'a');
    ck_assert(gos_macro_name_valid(longest));
    char *too_long = g_strnfill(GOS_MACRO_NAME_MAX + 1, 'a');
    ck_assert(!gos_macro_name_valid(too_long));
    g_free(longest);
    g_free(too_long);
    char *path = gos_macro_path("nightly", NULL);
    char *want = g_build_filename(config_home, "guestos", "macros", "nightly.gos", NULL);
    ck_assert_str_eq(path, want);
    g_free(want);
    g_free(path);
}
END_TEST

START_TEST(test_macro_round_trip)
{
    static const char *const lines[] = {
        "select web*", "filter state=running users=yes", "search \"two words \\\"quoted\\\"\"",
        "view tasks", "logoff web1 web2", "help", "wait 120", "macro other", "sort name", "search \"#x\"",
    };
    gos_macro_rec *rec = gos_macro_rec_new("roundtrip", NULL);
    ck_assert_ptr_nonnull(rec);
    GPtrArray *want = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; i < G_N_ELEMENTS(lines); i++) {
        gos_cmd cmd;
        char *err = NULL;
        ck_assert_msg(gos_cmd_parse(lines[i], &cmd, &err) == 0, "%s", err);
        bool added = gos_macro_rec_add(rec, &cmd);
        /* view and help are GOS_ACT_NO_RECORD: not recorded. */
        ck_assert_int_eq(added, !(cmd.action->flags & GOS_ACT_NO_RECORD));
        if (added)
            g_ptr_array_add(want, gos_cmd_format(&cmd));
        gos_cmd_clear(&cmd);
    }
    ck_assert_uint_eq(gos_macro_rec_count(rec), G_N_ELEMENTS(lines) - 2);

    char *path = NULL, *err = NULL;
    ck_assert_msg(gos_macro_rec_save(rec, &path, &err) == 0, "%s", err ? err : "");
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    char *dir = gos_macro_dir();
    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    /* The temporary file went away with the rename. */
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name(d)))
        ck_assert_msg(name[0] != '.', "%s left behind", name);
    g_dir_close(d);

    /* Plain action lines under a comment header, readable and editable by hand. */
    char *text = NULL;
    ck_assert(g_file_get_contents(path, &text, NULL, NULL));
    ck_assert(g_str_has_prefix(text, "# "));
    ck_assert_ptr_nonnull(strstr(text, "roundtrip"));
    ck_assert_ptr_nonnull(strstr(text, "\nselect web*\nfilter state=running users=yes\n"));

    gos_script *sc = NULL;
    ck_assert_msg(gos_macro_load("roundtrip", &sc, &err) == 0, "%s", err ? err : "");
    ck_assert_uint_eq(sc->n, want->len);
    for (size_t i = 0; i < sc->n; i++) {
        char *again = gos_cmd_format(&sc->cmds[i]);
        ck_assert_str_eq(again, g_ptr_array_index(want, i));
        g_free(again);
    }
    ck_assert_str_eq(sc->cmds[2].argv[0], "two words \"quoted\"");
    gos_script_free(sc);

    /* Recording again replaces the file whole. */
    gos_macro_rec *again = gos_macro_rec_new("roundtrip", NULL);
    gos_cmd cmd;
    ck_assert_int_eq(gos_cmd_parse("refresh", &cmd, NULL), 0);
    gos_macro_rec_add(again, &cmd);
    gos_cmd_clear(&cmd);
    ck_assert_int_eq(gos_macro_rec_save(again, NULL, &err), 0);
    ck_assert_int_eq(gos_macro_load("roundtrip", &sc, &err), 0);
    ck_assert_uint_eq(sc->n, 1);
    gos_script_free(sc);
    gos_macro_rec_free(again);

    g_free(text);
    g_free(dir);
    g_free(path);
    g_ptr_array_free(want, TRUE);
    gos_macro_rec_free(rec);
}
END_TEST

START_TEST(test_macro_load_errors)
{
    gos_script *sc = NULL;
    char *err = NULL;
    ck_assert_int_eq(gos_macro_load("absent", &sc, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "absent.gos"));
    g_free(err);
    write_macro("broken", "# header\nselect web*\n  frobnicate now\n");
    ck_assert_int_eq(gos_macro_load("broken", &sc, &err), -1);
    ck_assert_ptr_null(sc);
    ck_assert_msg(g_str_has_suffix(err, "broken.gos:3:3: unknown action 'frobnicate'"), "%s", err);
    g_free(err);
}
END_TEST

/* --- replay ----------------------------------------------------------------------------- */

int main(void)
{
    /* Before anything asks GLib for it: the macros folder of this run. */
    config_home = g_dir_make_tmp("guestos-keymap-XXXXXX", NULL);
    g_assert(config_home);
    g_setenv("XDG_CONFIG_HOME", config_home, TRUE);

    Suite *s = suite_create("keymap");
    TCase *keys = tcase_create("keys");
    tcase_add_test(keys, test_no_duplicate_bindings);
    tcase_add_test(keys, test_bindings_parse_and_have_help);
    tcase_add_test(keys, test_key_names_round_trip);
    tcase_add_test(keys, test_config_good);
    tcase_add_test(keys, test_config_bad);
    suite_add_tcase(s, keys);
    TCase *macros = tcase_create("macros");
    tcase_set_timeout(macros, 60);
    tcase_add_test(macros, test_macro_names);
    tcase_add_test(macros, test_macro_round_trip);
    tcase_add_test(macros, test_macro_load_errors);
    suite_add_tcase(s, macros);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    rm_tree(config_home);
    g_free(config_home);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
