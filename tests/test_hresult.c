/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tests of the HRESULT table, its formatting and the libvirt-error mapping. */
#include <config.h>

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/virterror.h>

#include "core/virt_hr.h"
#include "tests/testutil.h"

START_TEST(test_contract_codes)
{
    /* DESIGN.md section 1: names and unsigned values. */
    static const struct { gos_hr hr; const char *name; unsigned long long dec; } rows[] = {
        { GOS_S_OK, "S_OK", 0ull },
        { GOS_DISP_E_EXCEPTION, "DISP_E_EXCEPTION", 2147614729ull },
        { GOS_E_POINTER, "E_POINTER", 2147500035ull },
        { GOS_E_ACCESSDENIED, "HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED)", 2147942405ull },
        { GOS_VM_E_TIMED_OUT, "VM_E_TIMED_OUT", 2684617218ull },
        { GOS_VM_E_ADDITIONS_FEATURE_NOT_AVAIL, "VM_E_ADDITIONS_FEATURE_NOT_AVAIL", 2684617989ull },
        { GOS_VM_E_VM_NOT_RUNNING, "VM_E_VM_NOT_RUNNING", 2684617222ull },
        { GOS_VM_E_VM_UNKNOWN, "VM_E_VM_UNKNOWN", 2684617223ull },
        { GOS_E_NO_SUCH_LOGON_SESSION, "HRESULT_FROM_WIN32(ERROR_NO_SUCH_LOGON_SESSION)", 2147943712ull },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        ck_assert_uint_eq(rows[i].hr, rows[i].dec);
        ck_assert_str_eq(gos_hr_name(rows[i].hr), rows[i].name);
        ck_assert_ptr_nonnull(gos_hr_describe(rows[i].hr));
        ck_assert_int_gt(strlen(gos_hr_describe(rows[i].hr)), 10);
    }
}
END_TEST

START_TEST(test_format_and_parse)
{
    char buf[GOS_HR_FORMAT_LEN];
    ck_assert_str_eq(gos_hr_format(GOS_VM_E_ADDITIONS_FEATURE_NOT_AVAIL, buf, sizeof buf),
                     "0xA0040505 VM_E_ADDITIONS_FEATURE_NOT_AVAIL");
    ck_assert_str_eq(gos_hr_format(0x12345678u, buf, sizeof buf), "0x12345678");
    gos_hr hr = 0;
    ck_assert_int_eq(gos_hr_parse("0xA0040202", &hr), 0);
    ck_assert_uint_eq(hr, GOS_VM_E_TIMED_OUT);
    ck_assert_int_eq(gos_hr_parse("2684617222", &hr), 0);
    ck_assert_uint_eq(hr, GOS_VM_E_VM_NOT_RUNNING);
    ck_assert_int_eq(gos_hr_parse("vm_e_vm_unknown", &hr), 0);
    ck_assert_uint_eq(hr, GOS_VM_E_VM_UNKNOWN);
    ck_assert_int_eq(gos_hr_parse("0x1FFFFFFFF", &hr), -1);
    ck_assert_int_eq(gos_hr_parse("-1", &hr), -1);
    ck_assert_int_eq(gos_hr_parse("bogus", &hr), -1);
    ck_assert_int_eq(gos_hr_parse("", &hr), -1);
    ck_assert(gos_hr_failed(GOS_VM_E_TIMED_OUT));
    ck_assert(!gos_hr_failed(GOS_S_OK));
}
END_TEST

START_TEST(test_virt_mapping)
{
    /* A failed call that left no code behind is a failure all the same. */
    ck_assert_uint_eq(gos_hr_from_virt(VIR_ERR_OK, GOS_AGENT_LINK_UNKNOWN), GOS_DISP_E_EXCEPTION);
    ck_assert_uint_eq(gos_hr_from_virt(VIR_ERR_NO_DOMAIN, GOS_AGENT_LINK_UNKNOWN), GOS_VM_E_VM_UNKNOWN);
    ck_assert_uint_eq(gos_hr_from_virt(VIR_ERR_OPERATION_DENIED, GOS_AGENT_LINK_UNKNOWN), GOS_E_ACCESSDENIED);
    ck_assert_uint_eq(gos_hr_from_virt(VIR_ERR_AUTH_FAILED, GOS_AGENT_LINK_UNKNOWN), GOS_E_ACCESSDENIED);
    ck_assert_uint_eq(gos_hr_from_virt(VIR_ERR_ACCESS_DENIED, GOS_AGENT_LINK_UNKNOWN), GOS_E_ACCESSDENIED);
    ck_assert_uint_eq(gos_hr_from_virt(VIR_ERR_OPERATION_TIMEOUT, GOS_AGENT_LINK_UNKNOWN), GOS_VM_E_TIMED_OUT);
    ck_assert_uint_eq(gos_hr_from_virt(VIR_ERR_NO_SUPPORT, GOS_AGENT_LINK_UNKNOWN), GOS_VM_E_ADDITIONS_FEATURE_NOT_AVAIL);
    ck_assert_uint_eq(gos_hr_from_virt(VIR_ERR_OPERATION_INVALID, GOS_AGENT_LINK_UNKNOWN), GOS_VM_E_VM_NOT_RUNNING);
    /* the same libvirt error, told apart by the agent's state */
    ck_assert_uint_eq(gos_hr_from_virt(VIR_ERR_AGENT_UNRESPONSIVE, GOS_AGENT_LINK_CONNECTED), GOS_VM_E_TIMED_OUT);
    ck_assert_uint_eq(gos_hr_from_virt(VIR_ERR_AGENT_UNRESPONSIVE, GOS_AGENT_LINK_DISCONNECTED),
                      GOS_VM_E_ADDITIONS_FEATURE_NOT_AVAIL);
    ck_assert_uint_eq(gos_hr_from_virt(VIR_ERR_AGENT_UNRESPONSIVE, GOS_AGENT_LINK_UNKNOWN),
                      GOS_VM_E_ADDITIONS_FEATURE_NOT_AVAIL);
    ck_assert_uint_eq(gos_hr_from_virt(VIR_ERR_INTERNAL_ERROR, GOS_AGENT_LINK_UNKNOWN), GOS_DISP_E_EXCEPTION);
}
END_TEST

START_TEST(test_table_unique)
{
    for (size_t i = 0; i < gos_hr_count(); i++)
        for (size_t j = i + 1; j < gos_hr_count(); j++)
            ck_assert_uint_ne(gos_hr_at(i), gos_hr_at(j));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hresult");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_contract_codes);
    tcase_add_test(tc, test_format_and_parse);
    tcase_add_test(tc, test_virt_mapping);
    tcase_add_test(tc, test_table_unique);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
