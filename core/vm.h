/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One virtual machine as guestos sees it: state, integration components, logged-on users. */
#ifndef GOS_VM_H
#define GOS_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* virDomainState, mirrored so that tui/ needs no libvirt header. */
typedef enum {
    GOS_VM_NOSTATE = 0,
    GOS_VM_RUNNING,
    GOS_VM_BLOCKED,
    GOS_VM_PAUSED,
    GOS_VM_SHUTDOWN,
    GOS_VM_SHUTOFF,
    GOS_VM_CRASHED,
    GOS_VM_PMSUSPENDED,
    GOS_VM_N_STATES
} gos_vm_state;

/* Integration-component heartbeat, with Hyper-V's four names, plus the cases
 * where no heartbeat can exist. */
typedef enum {
    GOS_HB_UNKNOWN = 0,    /* not probed yet */
    GOS_HB_NO_CHANNEL,     /* no org.qemu.guest_agent.0 channel configured */
    GOS_HB_UNSUPPORTED,    /* the libvirt driver cannot reach guest agents */
    GOS_HB_VM_DOWN,        /* the VM is not running */
    GOS_HB_OK,
    GOS_HB_DEGRADED,       /* answers, but commands logoff needs are disabled */
    GOS_HB_NO_CONTACT,     /* never answered since the VM started */
    GOS_HB_LOST,           /* answered before, not now */
    GOS_HB_N
} gos_heartbeat;

/* Agent features, from guest-info supported_commands[].enabled. */
enum {
    GOS_FEAT_USERS    = 1u << 0,   /* guest-get-users */
    GOS_FEAT_EXEC     = 1u << 1,   /* guest-exec + guest-exec-status */
    GOS_FEAT_OSINFO   = 1u << 2,   /* guest-get-osinfo */
    GOS_FEAT_SHUTDOWN = 1u << 3,   /* guest-shutdown */
    GOS_FEAT_TIMESYNC = 1u << 4,   /* guest-set-time */
    GOS_FEAT_FREEZE   = 1u << 5,   /* guest-fsfreeze-* */
    GOS_FEAT_LOGOFF   = GOS_FEAT_USERS | GOS_FEAT_EXEC,
};

typedef enum { GOS_CHAN_UNKNOWN = 0, GOS_CHAN_CONNECTED, GOS_CHAN_DISCONNECTED } gos_chan_state;

/* Where what guestos knows of a user comes from. */
enum {
    GOS_USER_LOGIND = 1u << 0,   /* systemd-logind's sessions, read through guest-exec */
    GOS_USER_UTMP   = 1u << 1,   /* utmp, as the agent's guest-get-users reads it */
};

typedef struct gos_user {
    char *name;            /* sanitised: no control characters */
    char *domain;          /* Windows domain, or NULL */
    int64_t login_ms;      /* UTC ms of the oldest logon, 0 unknown */
    unsigned sources;      /* GOS_USER_* that list this user */
    size_t sessions;       /* logind sessions of the user (0: utmp alone says so) */
    char *where;           /* ttys and remote hosts of those sessions ("tty2, 10.0.0.5"), or NULL */
} gos_user;

typedef struct gos_vm {
    char *host;            /* libvirt URI */
    char uuid[37];
    char *name;
    gos_vm_state state;
    int reason;            /* virDomain*Reason for the state */
    bool channel_known;    /* channel and channel_state come from the XML or an agent event; until then unknown */
    bool channel;          /* agent channel configured */
    gos_chan_state channel_state;
    gos_heartbeat heartbeat;
    char *agent_note;      /* translated sentence on why the agent status is what it is, or NULL */
    int64_t ping_us;       /* last guest-ping round trip, -1 unknown */
    char *agent_version;
    unsigned features;     /* enabled GOS_FEAT_* */
    unsigned features_known; /* which GOS_FEAT_* the agent listed at all */
    char *os_name, *os_id; /* guest OS pretty name and id */
    char *name_key, *os_key; /* gos_vm_sort_key of name and os_name, or NULL until set */
    uint32_t name_rank;    /* place in name order (name, host, UUID) in its inventory; the VM view sets it */
    bool users_known;      /* some source of who is logged on could be read */
    gos_user *users;
    size_t n_users;
    bool logind;           /* the guest runs systemd-logind and it answered */
    struct gos_logon *logons;  /* logind's sessions, every class (core/logons.h) */
    size_t n_logons;
    char **stale_utmp;     /* users utmp lists without a logind session (stale records), or NULL */
    char *users_note;      /* why who is logged on is not (fully) known, or NULL */
    int64_t probed_ms;     /* when the agent was last probed */
    bool agent_event;      /* an agent lifecycle event came since the last listing: probe afresh */
} gos_vm;

void gos_users_free(gos_user *users, size_t n);   /* accepts NULL */
gos_user *gos_users_dup(const gos_user *users, size_t n);

/* Forgets who is logged on to vm: unknown from now, note (copied, or NULL) says why. */
void gos_vm_clear_users(gos_vm *vm, const char *note);

gos_vm *gos_vm_new(void);
gos_vm *gos_vm_dup(const gos_vm *vm);
void gos_vm_free(gos_vm *vm);               /* accepts NULL */

/* The key whose strcmp order is the order people expect of names: case
 * aside, digit runs by value (web2 before web10), in the locale's collation
 * (g_utf8_collate_key_for_filename of the casefolded text). Newly allocated. */
char *gos_vm_sort_key(const char *text);
/* Sets name_key and os_key where they are missing (or out of date). */
void gos_vm_set_keys(gos_vm *vm);

/* Sets what the XML says of the agent channel (channel_known from now on),
 * and the heartbeat that follows from it alone: no channel, VM not
 * running, or (running with a channel) what the last probe said, if any. */
void gos_vm_set_channel(gos_vm *vm, bool configured, gos_chan_state state);

/* Copies the agent-derived fields (heartbeat..probed_ms) from src to dst. */
void gos_vm_merge_agent(gos_vm *dst, const gos_vm *src);

/* Stable English key ("running", "shut off") for JSON and batch filters. */
const char *gos_vm_state_key(gos_vm_state state);
/* The same without blanks ("shut-off"), for filter lines. */
const char *gos_vm_state_word(gos_vm_state state);
/* Translated label for the screen. */
const char *gos_vm_state_label(gos_vm_state state);
/* Parses a state key; -1 when unknown. */
int gos_vm_state_parse(const char *key);

const char *gos_heartbeat_key(gos_heartbeat hb);    /* "ok", "degraded", "no-contact", ... */
const char *gos_heartbeat_label(gos_heartbeat hb);  /* translated */
int gos_heartbeat_parse(const char *key);

/* Comma-separated user names ("alice,bob"), newly allocated; "" when none. */
char *gos_vm_users_joined(const gos_vm *vm);

#endif
