#ifndef ROSTER_CTHREADLOCAL_H
#define ROSTER_CTHREADLOCAL_H

/// The script strand of the calling thread, in a C thread-local variable: Swift has no
/// thread-local storage of its own, and pthread_getspecific is a call and an index per read,
/// paid by every function call of a script. The functions are inline, so a read is one load.
extern __thread void *roster_current_strand;

static inline void *roster_strand_get(void) { return roster_current_strand; }
static inline void roster_strand_set(void *strand) { roster_current_strand = strand; }

/// How many releases of a list's or record's values are under way on the calling thread, one
/// inside another (Teardown.swift): past a few, they go one after another instead.
extern __thread long roster_release_depth;

static inline long roster_release_enter(void) { return ++roster_release_depth; }
static inline void roster_release_leave(void) { --roster_release_depth; }

#endif
