/*
 * kctx's native kubectl shim: replays the last decision of kctx's guard without starting Python.
 *
 * The Python shim (kctx/shim.py) writes a memo after a call whose decision holds for any command: every
 * file it looked at with its stat signature, every environment variable it read, the kubectl it chose
 * and the variables it set (kctx/shimmemo.py; kctx/shimfast.py is the same check in Python), and the
 * command lines it holds for: any without an argument that may choose another target, or a list of exact
 * lines (reads let through on a protected target). This program checks all of it again and execs that
 * kubectl. Anything else - no memo, a changed file or variable, another command line - runs the Python
 * shim, which decides in full (and, with $KCTX_DEBUG set, says why).
 * It never decides anything itself: a failed check only costs the Python start.
 *
 * `kctx shim install` compiles it with KCTX_PYTHON and KCTX_SCRIPT (the interpreter and the Python shim)
 * defined in a generated header; without a C compiler the Python shim is installed as kubectl instead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#if !defined(KCTX_PYTHON) || !defined(KCTX_SCRIPT)
#error "compile with -include of a header defining KCTX_PYTHON and KCTX_SCRIPT (kctx/shimnative.py)"
#endif

extern char **environ;

#define MAGIC "kctx-shim-native-3"
#define MAX_DEPTH 4
#define PRIME 4294967291ULL
#define MAX_MEMO (4 << 20)

/* Run the Python shim with the same arguments: it decides in full. */
static void python_shim(int argc, char **argv) {
    char **args = calloc((size_t)argc + 3, sizeof *args);
    if (args != NULL) {
        args[0] = (char *)KCTX_PYTHON;
        args[1] = (char *)"-S";
        args[2] = (char *)KCTX_SCRIPT;
        for (int i = 1; i < argc; i++) args[i + 2] = argv[i];
        execv(KCTX_PYTHON, args);
    }
    fprintf(stderr, "kctx: error: cannot run the kctx shim (%s %s): %s\n", KCTX_PYTHON, KCTX_SCRIPT,
            strerror(errno));
    exit(1);
}

/* Whether no argument can choose another target (kctx/shimfast.py: plain). */
static int plain(int argc, char **argv) {
    static const char *const target_flags[] = {"context", "cluster", "user", "server", "kubeconfig", "kuberc"};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] == '-' && arg[1] == '-') {
            char name[32];
            size_t n = strcspn(arg + 2, "=");
            if (n >= sizeof name) continue;
            for (size_t k = 0; k < n; k++) name[k] = arg[2 + k] == '_' ? '-' : arg[2 + k];
            name[n] = '\0';
            for (size_t k = 0; k < sizeof target_flags / sizeof *target_flags; k++)
                if (strcmp(name, target_flags[k]) == 0) return 0;
        } else if (arg[0] == '-') {
            if (memchr(arg, 's', strcspn(arg, "=")) != NULL) return 0;
        } else if (strcmp(arg, "config") == 0) {
            return 0;
        }
    }
    return 1;
}

/* The next NUL-terminated field of the memo, or NULL past its end. */
static const char *field(const char **cursor, const char *end) {
    const char *start = *cursor;
    if (start >= end) return NULL;
    const char *nul = memchr(start, '\0', (size_t)(end - start));
    if (nul == NULL) return NULL;
    *cursor = nul + 1;
    return start;
}

/* A decimal number field; -1 for anything else (a memo that does not parse is not used). */
static long long number(const char *text) {
    long long n = 0;
    if (text == NULL || *text == '\0') return -1;
    for (; *text; text++) {
        if (*text < '0' || *text > '9' || n > (1LL << 55)) return -1;
        n = n * 10 + (*text - '0');
    }
    return n;
}

static int same_env(const char *name, const char *present, const char *value) {
    const char *now = getenv(name);
    if (present[0] == '0') return now == NULL;
    return now != NULL && strcmp(now, value) == 0;
}

/* The stat signature kctx/shimfast.py's signature() gives, as "ino dev size mtime_ns ctime_ns mode". */
static int same_file(const char *path, const char *follow, const char *sig) {
    struct stat st;
    int rc = follow[0] == '1' ? stat(path, &st) : lstat(path, &st);
    if (rc != 0) return strcmp(sig, "-") == 0;
    char now[160];
    snprintf(now, sizeof now, "%llu %llu %lld %lld %lld %u", (unsigned long long)st.st_ino,
             (unsigned long long)st.st_dev, (long long)st.st_size,
             (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec,
             (long long)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec, (unsigned)st.st_mode);
    return strcmp(now, sig) == 0;
}

/* The memo file for this shell, KUBECONFIG and folder (kctx/shimfast.py: memo_key, memo_file). */
static int memo_path(char *out, size_t size, const char *session, const char *kubeconfig, const char *cwd) {
    char base[4096];
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (xdg != NULL && xdg[0] == '/') {
        snprintf(base, sizeof base, "%s", xdg);
    } else {
        const char *home = getenv("HOME");
        if (home == NULL || home[0] != '/') return 0;
        size_t n = strlen(home);
        while (n > 0 && home[n - 1] == '/') n--;
        snprintf(base, sizeof base, "%.*s/.cache", (int)n, home);
    }
    uint64_t r = 0;
    const char *parts[3] = {session, kubeconfig, cwd};
    for (int p = 0; p < 3; p++) {
        if (p > 0) r = (r * 256) % PRIME;  /* the NUL between parts */
        for (const unsigned char *c = (const unsigned char *)parts[p]; *c; c++) r = (r * 256 + *c) % PRIME;
    }
    unsigned slot = (unsigned)(((r * 2654435761ULL) & 0xFFFFFFFFULL) >> 25);  /* 0 .. 127: kctx/shimfast.py SLOTS */
    return snprintf(out, size, "%s/kctx/shim-memo-v1/%02x.n", base, slot) < (int)size;
}

static char *read_memo(const char *path, size_t *size) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct stat st;
    char *buf = NULL;
    if (fstat(fd, &st) == 0 && st.st_uid == getuid() && !(st.st_mode & 022) && st.st_size < MAX_MEMO &&
        (buf = malloc((size_t)st.st_size + 1)) != NULL) {
        ssize_t got = read(fd, buf, (size_t)st.st_size + 1);
        if (got != st.st_size) {
            free(buf);
            buf = NULL;
        } else {
            *size = (size_t)got;
        }
    }
    close(fd);
    return buf;
}

static void try_record(const char *cur, const char *end, int argc, char **argv, int depth, int is_plain,
                       const char *session, const char *kubeconfig, const char *cwd);

/* Exec the kubectl of the first memo record whose checks all hold; returns otherwise. */
static void replay(int argc, char **argv, int depth, int is_plain) {
    const char *session = getenv("KCTX_SESSION"), *kubeconfig = getenv("KUBECONFIG");
    char cwd[4096], path[4200];
    if (session == NULL) session = "";
    if (kubeconfig == NULL) kubeconfig = "";
    if (getcwd(cwd, sizeof cwd) == NULL || !memo_path(path, sizeof path, session, kubeconfig, cwd)) return;
    size_t size = 0;
    char *memo = read_memo(path, &size);
    if (memo == NULL) return;
    /* Records, newest first, each as its length and its fields: one per environment seen lately. */
    const char *cur = memo, *end = memo + size;
    while (cur < end) {
        long long len = number(field(&cur, end));
        if (len < 0 || len > end - cur) return;
        try_record(cur, cur + len, argc, argv, depth, is_plain, session, kubeconfig, cwd);
        cur += len;
    }
}

/* Whether the record's command lines (moved past) include this one: "*" for any plain line, else a count
 * of lines, each as its number of words and the words. */
static int line_listed(const char **cur, const char *end, int argc, char **argv, int is_plain) {
    const char *kind = field(cur, end);
    if (kind == NULL) return 0;
    if (strcmp(kind, "*") == 0) return is_plain;
    int listed = 0;
    for (long long n = number(kind); n > 0; n--) {
        long long words = number(field(cur, end));
        if (words < 0) return 0;
        int same = words == argc - 1;
        for (long long w = 0; w < words; w++) {
            const char *word = field(cur, end);
            if (word == NULL) return 0;
            same = same && strcmp(word, argv[w + 1]) == 0;
        }
        listed = listed || same;
    }
    return listed;
}

/* Exec the record's kubectl if every check holds; returns otherwise. */
static void try_record(const char *cur, const char *end, int argc, char **argv, int depth, int is_plain,
                       const char *session, const char *kubeconfig, const char *cwd) {
    const char *magic = field(&cur, end), *m_session = field(&cur, end), *m_kubeconfig = field(&cur, end),
               *m_cwd = field(&cur, end), *until = field(&cur, end), *binary = field(&cur, end);
    if (binary == NULL || strcmp(magic, MAGIC) != 0 || strcmp(m_session, session) != 0 ||
        strcmp(m_kubeconfig, kubeconfig) != 0 || strcmp(m_cwd, cwd) != 0 ||
        !((long long)time(NULL) < number(until)) || !line_listed(&cur, end, argc, argv, is_plain))
        return;
    long long n = number(field(&cur, end));
    if (n < 0) return;
    for (; n > 0; n--) {
        const char *name = field(&cur, end), *present = field(&cur, end), *value = field(&cur, end);
        if (value == NULL || !same_env(name, present, value)) return;
    }
    long long overrides = number(field(&cur, end));
    if (overrides < 0) return;
    const char *override_start = cur;
    for (n = overrides; n > 0; n--)
        if (field(&cur, end) == NULL || field(&cur, end) == NULL) return;
    n = number(field(&cur, end));
    if (n < 0) return;
    for (; n > 0; n--) {
        const char *file = field(&cur, end), *follow = field(&cur, end), *sig = field(&cur, end);
        if (sig == NULL || !same_file(file, follow, sig)) return;
    }
    const char *last = field(&cur, end);
    if (last == NULL || strcmp(last, "end") != 0 || cur != end) return;

    /* The environment kubectl gets: ours, with the memo's variables set and the depth counted. */
    size_t have = 0;
    while (environ[have] != NULL) have++;
    char **env = calloc(have + (size_t)overrides + 2, sizeof *env);
    char **args = calloc((size_t)argc + 1, sizeof *args);
    if (env == NULL || args == NULL) return;
    size_t out = 0;
    for (size_t i = 0; i < have; i++) {
        const char *entry = environ[i];
        size_t len = strcspn(entry, "=");
        int replaced = len == strlen("KCTX_SHIM_DEPTH") && strncmp(entry, "KCTX_SHIM_DEPTH", len) == 0;
        const char *o = override_start;
        for (long long k = overrides; k > 0 && !replaced; k--) {
            const char *name = field(&o, end);
            field(&o, end);
            replaced = strlen(name) == len && strncmp(entry, name, len) == 0;
        }
        if (!replaced) env[out++] = (char *)entry;
    }
    const char *o = override_start;
    for (long long k = overrides; k > 0; k--) {
        const char *name = field(&o, end), *value = field(&o, end);
        char *entry = malloc(strlen(name) + strlen(value) + 2);
        if (entry == NULL) return;
        sprintf(entry, "%s=%s", name, value);
        env[out++] = entry;
    }
    char depth_entry[32];
    snprintf(depth_entry, sizeof depth_entry, "KCTX_SHIM_DEPTH=%d", depth + 1);
    env[out++] = depth_entry;
    env[out] = NULL;
    args[0] = (char *)binary;
    for (int i = 1; i < argc; i++) args[i] = argv[i];
    if (getenv("KCTX_DEBUG") != NULL) fprintf(stderr, "kctx: debug: fast path (native launcher): %s\n", binary);
    execve(binary, args, env);  /* returns only on failure: the Python shim explains */
}

int main(int argc, char **argv) {
    const char *depth_text = getenv("KCTX_SHIM_DEPTH");
    int depth = 0;
    if (depth_text != NULL) {
        if (depth_text[0] == '\0') python_shim(argc, argv);  /* not a number: the Python shim refuses */
        for (const char *c = depth_text; *c; c++) {
            if (*c < '0' || *c > '9' || depth >= MAX_DEPTH) python_shim(argc, argv);
            depth = depth * 10 + (*c - '0');
        }
    }
    const char *off = getenv("KCTX_SHIM_MEMO");  /* "0": always the Python shim's full path */
    if (depth < MAX_DEPTH && !(off != NULL && strcmp(off, "0") == 0)) replay(argc, argv, depth, plain(argc, argv));
    python_shim(argc, argv);
    return 1;
}
