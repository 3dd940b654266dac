/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VMs and task outcomes as JSON objects (json-c), for every command that prints JSON. */
#ifndef GOS_REPORT_H
#define GOS_REPORT_H

#include <json-c/json.h>

#include "base/hresult.h"
#include "core/task.h"
#include "core/vm.h"

/* A JSON string of untrusted text made safe, or NULL (JSON null) for NULL. */
json_object *gos_json_text(const char *text);
/* "0xA0040505". */
json_object *gos_json_hr(gos_hr hr);
/* NULL-terminated names as ["alice", "bob"]; NULL (JSON null) for NULL. */
json_object *gos_json_users(const char *const *users);

/* One VM with the fields DESIGN.md section 6 lists; type, when not NULL,
 * adds "type": TYPE (the JSON lines of batch). */
json_object *gos_report_vm(const gos_vm *vm, const char *type);

/* One ended task, with the names of `guestos audit --format json`; line > 0
 * adds the batch line that submitted it. */
json_object *gos_report_task(const gos_task_info *i, int line);

#endif
