/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Counts for people: 10,000 VMs, with the separator of the language. */
#ifndef GOS_BASE_COUNT_H
#define GOS_BASE_COUNT_H

#include <stddef.h>

/* n with its digits grouped in threes by the catalog's thousands separator
 * ("10,000"; "10.000" in German) into buf; returns buf. A buffer of 32 bytes
 * holds any size_t. */
const char *gos_format_count(size_t n, char *buf, size_t len);

#endif
