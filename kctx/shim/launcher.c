/*
 * kctx's native kubectl shim: replays the last decision of kctx's guard without starting Python.
 *
 * The Python shim (kctx/shim/fullpath.py) writes a memo after a call whose decision holds for any command: every
 * file it looked at with its stat signature, every environment variable it read, the kubectl it chose
 * and the variables it set (kctx/shim/recorder.py; kctx/shim/memo.py is the same check in Python), and the
 * command lines it holds for: any without an argument that may choose another target or kuberc, or the
 * SHA-256 digests of exact lines (let through without a question on a protected target, or naming their
 * target). This program checks all of it again and execs that kubectl. Anything else - no memo, a changed
 * file or variable, another command line - runs the Python shim, which decides in full (and, with
 * $KCTX_DEBUG set, says why).
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
#error "compile with -include of a header defining KCTX_PYTHON and KCTX_SCRIPT (kctx/shim/native.py)"
#endif

extern char **environ;

#define MAGIC "kctx-shim-native-4"
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

/* Whether no argument can choose another target or kuberc (kctx/shim/memo.py: plain). */
static int plain(int argc, char **argv) {
    if (argc < 2) return 0;  /* a bare `kubectl`: kubectl reads no kuberc, nor does the decision */
    static const char *const target_flags[] = {"context", "cluster", "user", "server", "kubeconfig", "kuberc"};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strstr(arg, "--kuberc") != NULL) return 0;  /* kubectl finds --kuberc=F inside other words too */
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

/* The stat signature kctx/shim/memo.py's signature() gives, as "ino dev size mtime_ns ctime_ns mode". */
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

/* The memo file for this shell, KUBECONFIG and folder (kctx/shim/memo.py: memo_key, memo_file). */
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
    unsigned slot = (unsigned)(((r * 2654435761ULL) & 0xFFFFFFFFULL) >> 25);  /* 0 .. 127: kctx/shim/memo.py SLOTS */
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
                       char *digest, const char *session, const char *kubeconfig, const char *cwd);

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
    char digest[65] = "";  /* this line's, worked out by the first record of exact lines */
    while (cur < end) {
        long long len = number(field(&cur, end));
        if (len < 0 || len > end - cur) return;
        try_record(cur, cur + len, argc, argv, depth, is_plain, digest, session, kubeconfig, cwd);
        cur += len;
    }
}

/* SHA-256 (FIPS 180-4): the digest of the memo's command lines. */
typedef struct {
    uint32_t h[8];
    uint64_t length;
    unsigned char block[64];
    size_t used;
} sha256_ctx;

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(sha256_ctx *c) {
    uint32_t w[64], s[8];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)c->block[4 * i] << 24 | (uint32_t)c->block[4 * i + 1] << 16 |
               (uint32_t)c->block[4 * i + 2] << 8 | c->block[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROTR(w[i - 15], 7) ^ ROTR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROTR(w[i - 2], 17) ^ ROTR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(s, c->h, sizeof s);
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = s[7] + (ROTR(s[4], 6) ^ ROTR(s[4], 11) ^ ROTR(s[4], 25)) + ((s[4] & s[5]) ^ (~s[4] & s[6])) +
                      sha256_k[i] + w[i];
        uint32_t t2 = (ROTR(s[0], 2) ^ ROTR(s[0], 13) ^ ROTR(s[0], 22)) +
                      ((s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]));
        memmove(s + 1, s, 7 * sizeof *s);
        s[4] += t1;
        s[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++) c->h[i] += s[i];
    c->used = 0;
}

static void sha256_init(sha256_ctx *c) {
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, h0, sizeof h0);
    c->length = 0;
    c->used = 0;
}

static void sha256_update(sha256_ctx *c, const void *data, size_t size) {
    const unsigned char *p = data;
    c->length += size;
    while (size-- > 0) {
        c->block[c->used++] = *p++;
        if (c->used == 64) sha256_block(c);
    }
}

/* The digest as 64 lowercase hex digits and a NUL. */
static void sha256_hex(sha256_ctx *c, char out[65]) {
    uint64_t bits = c->length * 8;
    unsigned char pad = 0x80;
    sha256_update(c, &pad, 1);
    pad = 0;
    while (c->used != 56) sha256_update(c, &pad, 1);
    for (int i = 7; i >= 0; i--) {
        unsigned char b = (unsigned char)(bits >> (8 * i));
        sha256_update(c, &b, 1);
    }
    for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", (unsigned)(c->h[i / 4] >> (24 - 8 * (i % 4))) & 0xff);
}

/* Whether the record's command lines (moved past) include this one: "*" for any plain line, else a count
 * of lines, each as the hex SHA-256 of its words, each NUL-terminated (kctx/shim/memo.py: line_digest).
 * ``digest``: this line's, computed here the first time it is needed ("" until then). */
static int line_listed(const char **cur, const char *end, int argc, char **argv, int is_plain, char digest[65]) {
    const char *kind = field(cur, end);
    if (kind == NULL) return 0;
    if (strcmp(kind, "*") == 0) return is_plain;
    if (digest[0] == '\0') {
        sha256_ctx c;
        sha256_init(&c);
        for (int i = 1; i < argc; i++) sha256_update(&c, argv[i], strlen(argv[i]) + 1);
        sha256_hex(&c, digest);
    }
    int listed = 0;
    for (long long n = number(kind); n > 0; n--) {
        const char *line = field(cur, end);
        if (line == NULL) return 0;
        listed = listed || strcmp(line, digest) == 0;
    }
    return listed;
}

/* Exec the record's kubectl if every check holds; returns otherwise. */
static void try_record(const char *cur, const char *end, int argc, char **argv, int depth, int is_plain,
                       char *digest, const char *session, const char *kubeconfig, const char *cwd) {
    const char *magic = field(&cur, end), *m_session = field(&cur, end), *m_kubeconfig = field(&cur, end),
               *m_cwd = field(&cur, end), *until = field(&cur, end), *binary = field(&cur, end);
    if (binary == NULL || strcmp(magic, MAGIC) != 0 || strcmp(m_session, session) != 0 ||
        strcmp(m_kubeconfig, kubeconfig) != 0 || strcmp(m_cwd, cwd) != 0 ||
        !((long long)time(NULL) < number(until)) || !line_listed(&cur, end, argc, argv, is_plain, digest))
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
