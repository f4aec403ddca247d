#ifndef ROSTER_CEDITLINE_SHIM_H
#define ROSTER_CEDITLINE_SHIM_H
#include <stdio.h>
#include <histedit.h>

// C globals (stdin, stdout, stderr) are not reachable from Swift 6; these hand them over.
static inline FILE *roster_stdin(void) { return stdin; }
static inline FILE *roster_stdout(void) { return stdout; }
static inline FILE *roster_stderr(void) { return stderr; }
static inline EditLine *roster_el_init(const char *name) { return el_init(name, stdin, stdout, stderr); }

// el_set, el_get and history are variadic: Swift cannot call them, so each use gets a wrapper.
static inline int roster_el_set_prompt(EditLine *el, char *(*fn)(EditLine *)) { return el_set(el, EL_PROMPT, fn); }
static inline int roster_el_set_editor(EditLine *el, const char *mode) { return el_set(el, EL_EDITOR, mode); }
static inline int roster_el_set_clientdata(EditLine *el, void *data) { return el_set(el, EL_CLIENTDATA, data); }
static inline void *roster_el_get_clientdata(EditLine *el) { void *d = NULL; el_get(el, EL_CLIENTDATA, &d); return d; }
static inline int roster_el_addfn(EditLine *el, const char *name, const char *help, unsigned char (*fn)(EditLine *, int)) {
    return el_set(el, EL_ADDFN, name, help, fn);
}
static inline int roster_el_bind(EditLine *el, const char *key, const char *fn) { return el_set(el, EL_BIND, key, fn, NULL); }
static inline int roster_el_set_signal(EditLine *el, int on) { return el_set(el, EL_SIGNAL, on); }
static inline int roster_el_set_hist(EditLine *el, History *h) { return el_set(el, EL_HIST, history, h); }

static inline History *roster_history_init(int size) {
    History *h = history_init();
    HistEvent ev;
    history(h, &ev, H_SETSIZE, size);
    history(h, &ev, H_SETUNIQUE, 1);
    return h;
}
static inline int roster_history_enter(History *h, const char *line) { HistEvent ev; return history(h, &ev, H_ENTER, line); }
static inline int roster_history_load(History *h, const char *path) { HistEvent ev; return history(h, &ev, H_LOAD, path); }
static inline int roster_history_save(History *h, const char *path) { HistEvent ev; return history(h, &ev, H_SAVE, path); }
#endif
