/*
 * kctx's native kubectl shim: replays a past decision of kctx's guard without starting Python.
 *
 * After a call whose decision will hold again, the Python shim's full path (kctx/shim/fullpath.py) writes a
 * memo record (kctx/shim/recorder.py, encoded by kctx/shim/memo.py): every file it looked at with its stat
 * signature, every environment variable it read, the kubectl it chose and the variables it set, and the
 * command lines it holds for: any without an argument that may choose another target or kuberc, or the
 * SHA-256 digests of exact lines (let through without a question on a protected target, or naming their
 * target). docs/architecture.md ("The memo format") defines the format. This program checks all of it
 * again and execs that kubectl. Anything else - no memo, a changed file or variable, another command line -
 * runs the Python shim, which decides in full. With $KCTX_DEBUG set it says on stderr which path runs and
 * why. It never decides anything itself: a failed check only costs the Python start.
 *
 * `kctx shim install` compiles it with KCTX_PYTHON and KCTX_SCRIPT (the interpreter and the Python shim)
 * defined in a generated header; without a C compiler the Python shim is installed as kubectl instead.
 * Compiled with -DKCTX_MEMO_DUMP instead, it is a test tool that prints what it parsed from a memo file
 * (tests/test_memoformat.py compares that with what the Python side wrote).
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

#if !defined(KCTX_MEMO_DUMP) && (!defined(KCTX_PYTHON) || !defined(KCTX_SCRIPT))
#error "compile with -include of a header defining KCTX_PYTHON and KCTX_SCRIPT (kctx/shim/native.py)"
#endif

extern char **environ;

#define MAGIC "kctx-shim-memo-6"
#define MAX_DEPTH 4
#define PRIME 4294967291ULL
#define MAX_MEMO (4 << 20)
#define MEMO_PATH 4160 /* $XDG_CACHE_HOME and the memo's name in it */
#define WHY 4400 /* room for a reason that names that path (longer ones are cut) */

/* ---- The memo format ---------------------------------------------------------------------------------- */

struct env_check {
    const char *name, *value;
    int present;
};

struct override {
    const char *name, *value;
};

struct file_check {
    const char *path, *sig;
    int follow;
};

/* One record, parsed: every string points into the memo's buffer, where it is NUL-terminated. */
struct record {
    const char *session, *kubeconfig, *cwd, *binary;
    const char *bind;  /* "": none; else kubectl gets --context=<bind> before the line (kctx/shim/bind.py) */
    const char *roots; /* with a bind and any line: the first words it holds for, space-separated */
    long long until;
    long long n_lines; /* -1: any plain command line; else that many hex SHA-256 digests in lines */
    const char **lines;
    long long n_env;
    struct env_check *env;
    long long n_overrides;
    struct override *overrides;
    long long n_files;
    struct file_check *files;
};

/* The next NUL-terminated field, or NULL past the end (and every field after that). */
static const char *field(const char **cursor, const char *end) {
    const char *start = *cursor;
    if (start >= end) return NULL;
    const char *nul = memchr(start, '\0', (size_t)(end - start));
    if (nul == NULL) return NULL;
    *cursor = nul + 1;
    return start;
}

/* A decimal number field of at most 17 digits; -1 for anything else (a record that does not parse is not used). */
static long long number(const char *text) {
    long long n = 0;
    if (text == NULL || *text == '\0' || strlen(text) > 17) return -1;
    for (; *text; text++) {
        if (*text < '0' || *text > '9') return -1;
        n = n * 10 + (*text - '0');
    }
    return n;
}

/* A variable name: not empty, no "=". */
static int is_name(const char *text) {
    return text != NULL && *text != '\0' && strchr(text, '=') == NULL;
}

/* A line's digest: 64 lowercase hex digits. */
static int is_digest(const char *text) {
    return text != NULL && strlen(text) == 64 && strspn(text, "0123456789abcdef") == 64;
}

/* A stat signature: "-" (absent), or six integers, one space between them (kctx/shim/memo.py: signature). */
static int is_signature(const char *text) {
    if (text == NULL) return 0;
    if (strcmp(text, "-") == 0) return 1;
    for (int i = 0; i < 6; i++) {
        if (i > 0 && *text++ != ' ') return 0;
        if (*text == '-') text++;
        size_t digits = strspn(text, "0123456789");
        if (digits == 0) return 0;
        text += digits;
    }
    return *text == '\0';
}

/* A count of items of ``per_item`` fields each: -1 unless the rest of the body [cur, end) can hold them. */
static long long count(const char *text, const char *cur, const char *end, int per_item) {
    long long n = number(text);
    return n < 0 || n > (end - cur) / per_item ? -1 : n;
}

/* A "0" or "1" field into *out; 0 for anything else. */
static int flag(const char *text, int *out) {
    if (text == NULL || (strcmp(text, "0") != 0 && strcmp(text, "1") != 0)) return 0;
    *out = text[0] == '1';
    return 1;
}

static void free_record(struct record *r) {
    free(r->lines);
    free(r->env);
    free(r->overrides);
    free(r->files);
}

static int parse_lines(const char **cur, const char *end, const char *kind, struct record *r) {
    if (strcmp(kind, "*") == 0) {
        r->n_lines = -1;
        return 1;
    }
    r->n_lines = count(kind, *cur, end, 1);
    if (r->n_lines < 0 || (r->lines = calloc((size_t)r->n_lines + 1, sizeof *r->lines)) == NULL) return 0;
    for (long long i = 0; i < r->n_lines; i++)
        if (!is_digest(r->lines[i] = field(cur, end))) return 0;
    return 1;
}

static int parse_checks(const char **cur, const char *end, struct record *r) {
    const char *n = field(cur, end);
    r->n_env = count(n, *cur, end, 3);
    if (r->n_env < 0 || (r->env = calloc((size_t)r->n_env + 1, sizeof *r->env)) == NULL) return 0;
    for (long long i = 0; i < r->n_env; i++) {
        struct env_check *e = &r->env[i];
        e->name = field(cur, end);
        if (!flag(field(cur, end), &e->present) || (e->value = field(cur, end)) == NULL || !is_name(e->name))
            return 0;
    }
    n = field(cur, end);
    r->n_overrides = count(n, *cur, end, 2);
    if (r->n_overrides < 0 || (r->overrides = calloc((size_t)r->n_overrides + 1, sizeof *r->overrides)) == NULL)
        return 0;
    for (long long i = 0; i < r->n_overrides; i++) {
        r->overrides[i].name = field(cur, end);
        if ((r->overrides[i].value = field(cur, end)) == NULL || !is_name(r->overrides[i].name)) return 0;
    }
    n = field(cur, end);
    r->n_files = count(n, *cur, end, 3);
    if (r->n_files < 0 || (r->files = calloc((size_t)r->n_files + 1, sizeof *r->files)) == NULL) return 0;
    for (long long i = 0; i < r->n_files; i++) {
        struct file_check *f = &r->files[i];
        f->path = field(cur, end);
        if (!flag(field(cur, end), &f->follow) || !is_signature(f->sig = field(cur, end))) return 0;
    }
    return 1;
}

/* Parse one record's body [cur, end): 1 when every field is there and well formed and "end" ends it. */
static int parse_record(const char *cur, const char *end, struct record *r) {
    memset(r, 0, sizeof *r);
    r->session = field(&cur, end);
    r->kubeconfig = field(&cur, end);
    r->cwd = field(&cur, end);
    r->until = number(field(&cur, end));
    r->binary = field(&cur, end);
    r->bind = field(&cur, end);
    r->roots = field(&cur, end);
    const char *kind = field(&cur, end);
    if (kind == NULL || r->binary == NULL || r->bind == NULL || r->roots == NULL || r->until < 0 || !parse_lines(&cur, end, kind, r) || !parse_checks(&cur, end, r)) return 0;
    const char *last = field(&cur, end);
    return last != NULL && strcmp(last, "end") == 0 && cur == end;
}

/* Whether the memo [*cur, end) starts with this format's magic field (moved past). */
static int is_memo(const char **cur, const char *end) {
    const char *magic = field(cur, end);
    return magic != NULL && strcmp(magic, MAGIC) == 0;
}

/* The next record's body, [*body, *body_end) with the cursor moved past it: 1, or 0 at the end of the memo,
 * -1 for a length that is not a number or runs past the end (nothing after it can be trusted). */
static int next_record(const char **cur, const char *end, const char **body, const char **body_end) {
    if (*cur >= end) return 0;
    long long len = number(field(cur, end));
    if (len < 0 || len > end - *cur) return -1;
    *body = *cur;
    *body_end = *cur += len;
    return 1;
}

/* The memo file's bytes if only this user could have written it; NULL (and the reason in why) otherwise. */
static char *read_memo(const char *path, size_t *size, char *why) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            snprintf(why, WHY, "no memo for this shell, KUBECONFIG and folder yet");
        else
            snprintf(why, WHY, "cannot read the memo %s: %.100s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    char *buf = NULL;
    if (fstat(fd, &st) != 0 || st.st_uid != getuid() || (st.st_mode & 022)) {
        snprintf(why, WHY, "the memo %s is not yours or others could write it: ignored", path);
    } else if (st.st_size >= MAX_MEMO || (buf = malloc((size_t)st.st_size + 1)) == NULL) {
        snprintf(why, WHY, "the memo %s is too big: ignored", path);
    } else {
        ssize_t got = read(fd, buf, (size_t)st.st_size + 1);
        if (got == st.st_size) {
            *size = (size_t)got;
        } else {
            snprintf(why, WHY, "cannot read the memo %s", path);
            free(buf);
            buf = NULL;
        }
    }
    close(fd);
    return buf;
}

#ifdef KCTX_MEMO_DUMP

/* One item per line, every string as hex (it may hold any byte but NUL). */
static void hex(const char *text) {
    putchar(' ');
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) printf("%02x", *c);
}

static void dump(const struct record *r) {
    printf("record\nsession");
    hex(r->session);
    printf("\nkubeconfig");
    hex(r->kubeconfig);
    printf("\ncwd");
    hex(r->cwd);
    printf("\nuntil %lld\nbinary", r->until);
    hex(r->binary);
    printf("\nbind");
    hex(r->bind);
    printf("\nroots");
    hex(r->roots);
    if (r->n_lines < 0) printf("\nlines *");
    else printf("\nlines %lld", r->n_lines);
    for (long long i = 0; i < r->n_lines; i++) {
        printf("\nline");
        hex(r->lines[i]);
    }
    for (long long i = 0; i < r->n_env; i++) {
        printf("\nenv");
        hex(r->env[i].name);
        printf(" %d", r->env[i].present);
        hex(r->env[i].value);
    }
    for (long long i = 0; i < r->n_overrides; i++) {
        printf("\noverride");
        hex(r->overrides[i].name);
        hex(r->overrides[i].value);
    }
    for (long long i = 0; i < r->n_files; i++) {
        printf("\nfile");
        hex(r->files[i].path);
        printf(" %d", r->files[i].follow);
        hex(r->files[i].sig);
    }
    printf("\nend\n");
}

int main(int argc, char **argv) {
    char why[WHY];
    size_t size = 0;
    if (argc != 2) {
        fprintf(stderr, "usage: %s MEMO-FILE\n", argv[0]);
        return 2;
    }
    char *memo = read_memo(argv[1], &size, why);
    if (memo == NULL) {
        printf("unread %s\n", why);
        return 0;
    }
    const char *cur = memo, *end = memo + size, *body, *body_end;
    if (!is_memo(&cur, end)) {
        printf("other-format\n");
        return 0;
    }
    int more;
    while ((more = next_record(&cur, end, &body, &body_end)) == 1) {
        struct record r;
        if (parse_record(body, body_end, &r)) dump(&r);
        else printf("damaged\n");
        free_record(&r);
    }
    if (more < 0) printf("bad-length\n");
    return 0;
}

#else /* the launcher */

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
    if (argc < 2) return 0; /* a bare `kubectl`: kubectl reads no kuberc, nor does the decision */
    static const char *const target_flags[] = {"context", "cluster", "user", "server", "kubeconfig", "kuberc"};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strstr(arg, "--kuberc") != NULL) return 0; /* kubectl finds --kuberc=F inside other words too */
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
        } else if (strcmp(arg, "config") == 0 || strcmp(arg, "kuberc") == 0) {
            return 0;
        }
    }
    return 1;
}

/* Whether a record of any line with a bind holds for this line (kctx/shim/memo.py: binds): its first word is a
 * flag or one of the record's roots (kubectl's built-in commands), so it is not a plugin's name. */
static int binds(int argc, char **argv, const char *roots) {
    if (argc < 2) return 0;
    const char *first = argv[1];
    if (first[0] == '-') return 1;
    size_t n = strlen(first);
    if (n == 0) return 0;
    for (const char *at = roots; (at = strstr(at, first)) != NULL; at += n)
        if ((at == roots || at[-1] == ' ') && (at[n] == ' ' || at[n] == '\0')) return 1;
    return 0;
}

/* SHA-256 (FIPS 180-4): the digest of the command line, for records of exact lines. */
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

/* This call: what a record must match. */
struct call {
    int argc;
    char **argv;
    int is_plain;
    char digest[65]; /* this line's SHA-256 (kctx/shim/memo.py: line_digest), once a record asks; "" until then */
    const char *session, *kubeconfig;
    char cwd[4096];
};

static int line_listed(const struct record *r, struct call *c) {
    if (c->digest[0] == '\0') {
        sha256_ctx h;
        sha256_init(&h);
        for (int i = 1; i < c->argc; i++) sha256_update(&h, c->argv[i], strlen(c->argv[i]) + 1);
        sha256_hex(&h, c->digest);
    }
    for (long long i = 0; i < r->n_lines; i++)
        if (strcmp(r->lines[i], c->digest) == 0) return 1;
    return 0;
}

static int same_env(const struct env_check *e) {
    const char *now = getenv(e->name);
    return e->present ? now != NULL && strcmp(now, e->value) == 0 : now == NULL;
}

/* The stat signature kctx/shim/memo.py's signature() gives, "ino dev size mtime_ns ctime_ns mode", or "-". */
static int same_file(const struct file_check *f) {
    struct stat st;
    if ((f->follow ? stat(f->path, &st) : lstat(f->path, &st)) != 0) return strcmp(f->sig, "-") == 0;
    char now[160];
    snprintf(now, sizeof now, "%llu %llu %lld %lld %lld %u", (unsigned long long)st.st_ino,
             (unsigned long long)st.st_dev, (long long)st.st_size,
             (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec,
             (long long)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec, (unsigned)st.st_mode);
    return strcmp(now, f->sig) == 0;
}

enum { HOLDS, OTHER_CALL, CHANGED }; /* what a record says about this call (OTHER_CALL: not meant for it) */

static int because(char *why, int kind, const char *text) {
    snprintf(why, WHY, "%s", text);
    return kind;
}

/* Whether the record holds for this call; if not, why (in ``why``) and whether it was meant for another. */
static int check(const struct record *r, struct call *c, char *why) {
    if (strcmp(r->session, c->session) != 0 || strcmp(r->kubeconfig, c->kubeconfig) != 0 ||
        strcmp(r->cwd, c->cwd) != 0)
        return because(why, OTHER_CALL, "the memo is for another shell, KUBECONFIG or folder");
    if (!((long long)time(NULL) < r->until)) return because(why, CHANGED, "the memo expired");
    if (r->n_lines < 0 ? !c->is_plain : !line_listed(r, c))
        return because(why, OTHER_CALL, r->n_lines < 0 ? "an argument may choose another target or kubeconfig"
                                                       : "the memo holds for other command lines only (the target "
                                                         "is protected or named on the line)");
    if (r->n_lines < 0 && r->bind[0] != '\0' && !binds(c->argc, c->argv, r->roots))
        return because(why, OTHER_CALL, "the line may run a plugin (the memo binds kubectl's own commands only)");
    for (long long i = 0; i < r->n_env; i++)
        if (!same_env(&r->env[i])) {
            snprintf(why, WHY, "$%s changed", r->env[i].name);
            return CHANGED;
        }
    for (long long i = 0; i < r->n_files; i++)
        if (!same_file(&r->files[i])) {
            snprintf(why, WHY, "%s changed", r->files[i].path);
            return CHANGED;
        }
    return HOLDS;
}

/* Exec the record's kubectl with our environment, its variables set and the depth counted; returns only if
 * that fails. */
static void exec_record(const struct record *r, const struct call *c, int depth) {
    size_t have = 0;
    while (environ[have] != NULL) have++;
    char **env = calloc(have + (size_t)r->n_overrides + 2, sizeof *env);
    char **args = calloc((size_t)c->argc + 2, sizeof *args);
    if (env == NULL || args == NULL) return;
    size_t out = 0;
    for (size_t i = 0; i < have; i++) {
        const char *entry = environ[i];
        size_t len = strcspn(entry, "=");
        int replaced = len == strlen("KCTX_SHIM_DEPTH") && strncmp(entry, "KCTX_SHIM_DEPTH", len) == 0;
        for (long long k = 0; k < r->n_overrides && !replaced; k++)
            replaced = strlen(r->overrides[k].name) == len && strncmp(entry, r->overrides[k].name, len) == 0;
        if (!replaced) env[out++] = (char *)entry;
    }
    for (long long k = 0; k < r->n_overrides; k++) {
        const struct override *o = &r->overrides[k];
        char *entry = malloc(strlen(o->name) + strlen(o->value) + 2);
        if (entry == NULL) return;
        sprintf(entry, "%s=%s", o->name, o->value);
        if (strcmp(o->name, "KCTX_SHIM_DEPTH") != 0) env[out++] = entry;
    }
    char depth_entry[32];
    snprintf(depth_entry, sizeof depth_entry, "KCTX_SHIM_DEPTH=%d", depth + 1);
    env[out++] = depth_entry;
    env[out] = NULL;
    args[0] = (char *)r->binary;
    int at = 1;
    if (r->bind[0] != '\0') { /* the judged context, first (kctx/shim/bind.py) */
        char *context = malloc(strlen("--context=") + strlen(r->bind) + 1);
        if (context == NULL) return;
        sprintf(context, "--context=%s", r->bind);
        args[at++] = context;
    }
    for (int i = 1; i < c->argc; i++) args[at++] = c->argv[i];
    if (getenv("KCTX_DEBUG") != NULL) fprintf(stderr, "kctx: debug: fast path (native launcher): %s\n", r->binary);
    execve(r->binary, args, env);
}

/* The memo file for this shell, KUBECONFIG and folder (kctx/shim/memo.py: memo_key, memo_file). */
static int memo_path(char *out, size_t size, const struct call *c) {
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int n;
    if (xdg != NULL && xdg[0] == '/') {
        n = snprintf(out, size, "%s", xdg);
    } else {
        if (home == NULL || home[0] != '/') return 0;
        size_t len = strlen(home);
        while (len > 0 && home[len - 1] == '/') len--;
        n = snprintf(out, size, "%.*s/.cache", (int)len, home);
    }
    if (n < 0 || (size_t)n >= size) return 0;
    uint64_t r = 0;
    const char *parts[3] = {c->session, c->kubeconfig, c->cwd};
    for (int p = 0; p < 3; p++) {
        if (p > 0) r = (r * 256) % PRIME; /* the NUL between parts */
        for (const unsigned char *b = (const unsigned char *)parts[p]; *b; b++) r = (r * 256 + *b) % PRIME;
    }
    unsigned slot = (unsigned)(((r * 2654435761ULL) & 0xFFFFFFFFULL) >> 25); /* 0 .. 127: memo.py SLOTS */
    int more = snprintf(out + n, size - (size_t)n, "/kctx/shim-memo-v2/%02x.memo", slot);
    return more > 0 && (size_t)more < size - (size_t)n;
}

/* Exec the kubectl of the first record that holds; otherwise return why not (in ``why``). The newest
 * record meant for this call says what changed; one for another key or command line says less. */
static void replay(struct call *c, int depth, char *why) {
    char path[MEMO_PATH];
    if (getcwd(c->cwd, sizeof c->cwd) == NULL) {
        because(why, CHANGED, "the working folder is gone (or its path is too long)");
        return;
    }
    if (!memo_path(path, sizeof path, c)) {
        because(why, CHANGED, "no cache folder ($HOME is not an absolute path)");
        return;
    }
    size_t size = 0;
    char *memo = read_memo(path, &size, why);
    if (memo == NULL) return;
    const char *cur = memo, *end = memo + size, *body, *body_end;
    if (!is_memo(&cur, end)) {
        because(why, CHANGED, "the memo was written by another kctx version");
        return;
    }
    int best = HOLDS, more;
    char reason[WHY];
    because(why, CHANGED, "the memo holds no record");
    while ((more = next_record(&cur, end, &body, &body_end)) == 1) {
        struct record r;
        int kind = parse_record(body, body_end, &r) ? check(&r, c, reason)
                                                    : because(reason, OTHER_CALL, "a memo record is damaged");
        if (kind == HOLDS) {
            exec_record(&r, c, depth);
            kind = CHANGED;
            snprintf(reason, sizeof reason, "cannot run %s: %s", r.binary, strerror(errno));
        }
        if (best == HOLDS || (best == OTHER_CALL && kind == CHANGED)) {
            best = kind;
            memcpy(why, reason, WHY);
        }
        free_record(&r);
    }
    if (more < 0 && best == HOLDS) because(why, CHANGED, "the memo is damaged");
}

int main(int argc, char **argv) {
    const char *depth_text = getenv("KCTX_SHIM_DEPTH");
    int depth = 0;
    if (depth_text != NULL) {
        if (depth_text[0] == '\0') python_shim(argc, argv); /* not a number: the Python shim refuses */
        for (const char *c = depth_text; *c; c++) {
            if (*c < '0' || *c > '9' || depth >= MAX_DEPTH) python_shim(argc, argv);
            depth = depth * 10 + (*c - '0');
        }
    }
    const char *off = getenv("KCTX_SHIM_MEMO"); /* "0": always the Python shim's full path */
    char why[WHY] = "KCTX_SHIM_MEMO=0";
    if (depth >= MAX_DEPTH) python_shim(argc, argv);
    if (!(off != NULL && strcmp(off, "0") == 0)) {
        struct call c = {.argc = argc, .argv = argv, .is_plain = plain(argc, argv), .digest = ""};
        c.session = getenv("KCTX_SESSION");
        c.kubeconfig = getenv("KUBECONFIG");
        if (c.session == NULL) c.session = "";
        if (c.kubeconfig == NULL) c.kubeconfig = "";
        replay(&c, depth, why);
    }
    if (getenv("KCTX_DEBUG") != NULL) fprintf(stderr, "kctx: debug: full path: %s\n", why);
    python_shim(argc, argv);
    return 1;
}

#endif
