# kctx shell integration for fish. Load it with:  kctx init fish | source
# Safe to load twice: PATH, event handlers, the prompt wrapper and completions are only added once.
# Prompt settings (read at every prompt): KCTX_PROMPT=on|off, KCTX_PROMPT_FORMAT, KCTX_PROMPT_SYMBOL,
# KCTX_PROMPT_COLOR, KCTX_PROMPT_COLOR_PROTECTED, KCTX_PROMPT_COLORS, KCTX_PROMPT_OVERRIDE_MARK,
# KCTX_PROMPT_EXPIRED_MARK, NO_COLOR.
# KCTX_PROMPT_AUTO=0 keeps fish_prompt alone; KCTX_ALIASES=1 (or "k kubectx kubens") adds the short names.
set -g __kctx_bin @KCTX_BIN@
set -g __kctx_shim_dir @KCTX_SHIM_DIR@

if not contains -- $__kctx_shim_dir $PATH
    set -gx PATH $__kctx_shim_dir $PATH
end

# --- session state --------------------------------------------------------------------------------
# An unchanged prompt only compares file times with built-ins (test -nt compares nanoseconds): every
# file the state depends on against a stamp file touched, by a redirection, before the state was read.
set -q __kctx_stale; or set -g __kctx_stale 0

# Read the session's .env (KUBECONFIG and the prompt values) with built-ins only.
function __kctx_sync
    test -n "$KCTX_SESSION"; or return 0
    set -l envf (string replace -r '\.json$' '.env' -- $KCTX_SESSION)
    test -r $envf; or return 0
    set -g __kctx_deps
    set -g __kctx_expired 0
    while read -l line
        set -l kv (string split -m 1 '=' -- $line)
        switch $kv[1]
            case KUBECONFIG
                set -gx KUBECONFIG $kv[2]
                set -a __kctx_deps (string split ':' -- $kv[2])
            case KCTX_CONTEXT
                set -gx KCTX_PROMPT_CONTEXT $kv[2]
            case KCTX_NAMESPACE
                set -gx KCTX_PROMPT_NAMESPACE $kv[2]
            case KCTX_PROTECTED
                set -gx KCTX_PROMPT_PROTECTED $kv[2]
            case KCTX_EXPIRED
                # fish has no clock without a fork: expired as of the last time kctx wrote the state
                set -g __kctx_expired $kv[2]
            case KCTX_CONTEXT_FILE
                test -n "$kv[2]"; and not contains -- $kv[2] $__kctx_deps; and set -a __kctx_deps $kv[2]
        end
    end <$envf
    set -g __kctx_deps (string match -v -- '' $__kctx_deps)
    # The protection rules can change what the prompt shows, too.
    if test -n "$KCTX_CONFIG"
        set -a __kctx_deps (string replace -r '^~' -- $HOME $KCTX_CONFIG)
    else if string match -q -- '/*' "$XDG_CONFIG_HOME"
        set -a __kctx_deps $XDG_CONFIG_HOME/kctx/config.yaml
    else
        set -a __kctx_deps $HOME/.config/kctx/config.yaml
    end
end

# True when a file the state depends on may have changed since the stamp was touched (a tie counts).
function __kctx_changed
    for f in $__kctx_deps
        test $__kctx_stamp -nt $f; or return 0
    end
    return 1
end

# Forks only when a file changed behind kctx's back (kubectl wrote the session, a kubeconfig or the
# config was edited); when kctx itself wrote the .env, reading it is enough.
function __kctx_refresh
    test -n "$KCTX_SESSION"; or return 0
    __kctx_changed; or return 0
    if not test -e $KCTX_SESSION
        # Removed under us (e.g. $XDG_RUNTIME_DIR goes at logout while tmux lives on): never show a
        # context kubectl no longer uses; start over from the kubeconfig, and say so.
        echo "kctx: this shell's session $KCTX_SESSION is gone; starting a new one" >&2
        if not __kctx_start
            set -e KCTX_SESSION
            set -g KCTX_PROMPT_CONTEXT ''
            return 0
        end
        __kctx_sync
    end
    set -l envf (string replace -r '\.json$' '.env' -- $KCTX_SESSION)
    set -l sync 0
    true >$__kctx_stamp 2>/dev/null # before reading: a change made while we read is seen next time
    for f in $__kctx_deps
        if test $f -nt $__kctx_stamp
            # Dated in the future (clock skew): it cannot be ordered; its next write resets its time.
            if not contains -- $f $__kctx_future
                set -ga __kctx_future $f
                echo "kctx: $f has a modification time in the future;" \
                    "the prompt follows it again once it is rewritten" >&2
            end
        else if test $f -nt $envf
            set sync 1
        end
    end
    if test $sync = 1
        if $__kctx_bin session sync
            set -g __kctx_stale 0
        else
            set -g __kctx_stale 1
        end
    end
    __kctx_sync
end

# --- prompt segment ---------------------------------------------------------------------------------
# Colour name or 0-255 -> SGR parameters; unknown names give no colour.
function __kctx_sgr
    switch $argv[1]
        case black
            echo 30
        case red
            echo 31
        case green
            echo 32
        case yellow
            echo 33
        case blue
            echo 34
        case magenta
            echo 35
        case cyan
            echo 36
        case white
            echo 37
        case '*'
            string match -qr '^[0-9]+$' -- $argv[1]; and echo "38;5;$argv[1]"
    end
end

# KCTX_PROMPT_SEGMENT: the segment with its colour.
function __kctx_render
    # Every input in one string: an unchanged prompt costs one comparison, not a re-render.
    set -l key "$__kctx_expired|$KCTX_PROMPT_EXPIRED_MARK|$KCTX_PROMPT_CONTEXT|$KCTX_PROMPT_NAMESPACE|$KCTX_PROMPT_PROTECTED|$KCTX_PROMPT|$KCTX_PROMPT_FORMAT|$KCTX_PROMPT_SYMBOL|$KCTX_PROMPT_COLOR|$KCTX_PROMPT_COLOR_PROTECTED|$KCTX_PROMPT_COLORS|$KCTX_PROMPT_OVERRIDE_MARK|$NO_COLOR|$KCTX_CONFIRM|$KCTX_KUBECTL_VERSION|$__kctx_stale|$__kctx_unlock|$__kctx_unlock_ctx"
    test "$key" = "$__kctx_rendered"; and return 0
    set -g __kctx_rendered $key
    set -l ctx "$KCTX_PROMPT_CONTEXT"
    if test -z "$ctx"; or test "$KCTX_PROMPT" = off
        set -g KCTX_PROMPT_SEGMENT ''
        return 0
    end
    set -l mark ''
    # Something in this shell overrides kctx's usual decision: a guard bypass or a kubectl version pin.
    if test "$KCTX_CONFIRM" = "$ctx"; or test -n "$KCTX_KUBECTL_VERSION"
        set mark '!'
        set -q KCTX_PROMPT_OVERRIDE_MARK; and set mark "$KCTX_PROMPT_OVERRIDE_MARK"
    end
    test "$__kctx_stale" = 1; and set mark "$mark?"
    if test "$__kctx_expired" = 1
        set -q KCTX_PROMPT_EXPIRED_MARK; and set mark "$mark$KCTX_PROMPT_EXPIRED_MARK"; or set mark "$mark✗"
    end
    # An unlock in this shell (kctx unlock), with the time left; its context named when it is another one.
    set -l unlock ''
    if test -n "$__kctx_unlock"
        set unlock " unlocked $__kctx_unlock"
        test "$__kctx_unlock_ctx" = "$ctx"; or set unlock " $__kctx_unlock_ctx$unlock"
        set unlock (string replace -ra '[[:cntrl:]]' '?' -- $unlock)
    end
    set -l color cyan
    set -q KCTX_PROMPT_COLOR; and set color $KCTX_PROMPT_COLOR
    for pair in (string split ' ' -- "$KCTX_PROMPT_COLORS")
        set -l kv (string split -r -m 1 '=' -- $pair)
        if test (count $kv) = 2; and string match -q -- $kv[1] $ctx
            set color $kv[2]
            break
        end
    end
    # Names come from kubeconfig files: no control character may reach the terminal.
    set ctx (string replace -ra '[[:cntrl:]]' '?' -- $ctx)
    set -l ns (string replace -ra '[[:cntrl:]]' '?' -- "$KCTX_PROMPT_NAMESPACE")
    set -l symbol ⎈
    set -q KCTX_PROMPT_SYMBOL; and set symbol "$KCTX_PROMPT_SYMBOL"
    set -l seg '{symbol} {context}:{namespace}{override}{unlock}'
    test -n "$KCTX_PROMPT_FORMAT"; and set seg "$KCTX_PROMPT_FORMAT"
    set seg (string replace -a -- '{symbol}' "$symbol" "$seg")
    set seg (string replace -a -- '{override}' "$mark" "$seg")
    set seg (string replace -a -- '{unlock}' "$unlock" "$seg")
    set seg (string replace -a -- '{namespace}' "$ns" "$seg")
    set seg (string replace -a -- '{context}' "$ctx" "$seg")
    if test -z "$NO_COLOR"
        set -l sgr
        if test "$KCTX_PROMPT_PROTECTED" = 1
            set -l protected red
            set -q KCTX_PROMPT_COLOR_PROTECTED; and set protected $KCTX_PROMPT_COLOR_PROTECTED
            set sgr (__kctx_sgr $protected)
            test -n "$sgr"; and set sgr "1;$sgr"
        else
            set sgr (__kctx_sgr $color)
        end
        test -n "$sgr"; and set seg \e\[$sgr"m$seg"\e\[0m
    end
    set -g KCTX_PROMPT_SEGMENT "$seg"
end

# __kctx_unlock (time left) and __kctx_unlock_ctx while this shell has an unlock (__kctx_unlock_file is set by
# the kctx function after `kctx unlock`); fish has no clock built-in, so `date` runs only while one exists.
function __kctx_unlock_read
    set -g __kctx_unlock ''
    set -g __kctx_unlock_ctx ''
    test -n "$__kctx_unlock_file" -a -f "$__kctx_unlock_file"; or return 0
    set -l ctx ''
    set -l ends ''
    while read -l line
        set -l kv (string split -m 1 '=' -- $line)
        switch $kv[1]
            case context
                set ctx $kv[2]
            case ends
                set ends $kv[2]
        end
    end <$__kctx_unlock_file
    string match -qr '^[0-9]+$' -- "$ends"; or return 0
    set -l left (math $ends - (date +%s))
    if test $left -le 0
        return 0
    else if test $left -ge 3600
        set left (math --scale=0 $left / 3600)h(string pad -w 2 -c 0 (math --scale=0 $left % 3600 / 60))m
    else if test $left -ge 60
        set left (math --scale=0 $left / 60)m
    else
        set left {$left}s
    end
    set -g __kctx_unlock $left
    set -g __kctx_unlock_ctx $ctx
end

function __kctx_prompt --on-event fish_prompt
    test -n "$KCTX_SESSION"; or return 0
    __kctx_refresh
    __kctx_unlock_read
    __kctx_render
end

# The segment goes before the user's prompt: fish_prompt is wrapped once (a theme loaded later replaces it).
# The user's prompt runs first, its output kept, so it sees the command's $status and $pipestatus (which
# any command run before it, even a `test`, would replace).
function __kctx_wrap_prompt
    test "$KCTX_PROMPT_AUTO" = 0; and return 0
    functions -q fish_prompt; or return 0
    string match -q '*__kctx_prompt_segment*' -- (functions fish_prompt); and return 0
    functions -e __kctx_user_prompt
    functions -c fish_prompt __kctx_user_prompt
    function fish_prompt
        set -l user (__kctx_user_prompt | string collect -N)
        __kctx_prompt_segment
        printf '%s' $user
    end
end

# Keeps $status for a prompt that calls it first ($pipestatus becomes that one status).
function __kctx_prompt_segment
    set -l rc $status
    test -n "$KCTX_PROMPT_SEGMENT"; and printf '%s ' $KCTX_PROMPT_SEGMENT
    return $rc
end

# `use`, `ns` and `ctx` change this shell's session: pick the change up right away.
# `prompt on|off|toggle` only changes this shell, so it never leaves the function.
function kctx --wraps kctx
    if test (count $argv) = 2; and test "$argv[1]" = prompt
        switch $argv[2]
            case on off
                set -gx KCTX_PROMPT $argv[2]
                __kctx_render
                return 0
            case toggle
                if test "$KCTX_PROMPT" = off
                    set -gx KCTX_PROMPT on
                else
                    set -gx KCTX_PROMPT off
                end
                __kctx_render
                return 0
        end
    end
    $__kctx_bin $argv
    set -l rc $status
    if contains -- "$argv[1]" unlock lock
        set -g __kctx_unlock_file ($__kctx_bin unlock --state-file 2>/dev/null)
    end
    __kctx_refresh
    __kctx_unlock_read
    # kctx may have rewritten only the .env (`kctx use` of the same context: the credential's state now).
    __kctx_sync
    __kctx_render
    return $rc
end

function __kctx_exit --on-event fish_exit
    test "$KCTX_SESSION_PID" = "$fish_pid"; or return 0
    command rm -f -- $KCTX_SESSION (string replace -r '\.json$' '.env' -- $KCTX_SESSION) $__kctx_stamp $KCTX_SESSION.lock
end

# A session inherits the parent shell's when that one still exists; otherwise it starts from the files
# this shell had before kctx narrowed KUBECONFIG (or kubectl's default when that is not known).
function __kctx_start
    set -l s
    if test -e "$KCTX_SESSION"
        set s ($__kctx_bin session start --pid $fish_pid)
        or return 1
    else
        set s (env KCTX_SESSION= KUBECONFIG="$__kctx_kubeconfig0" $__kctx_bin session start --pid $fish_pid)
        or return 1
    end
    set -gx KCTX_SESSION $s
    set -gx KCTX_SESSION_PID $fish_pid
    set -g __kctx_stamp (string replace -r '\.json$' '.seen' -- "$KCTX_SESSION")
end

test -n "$KCTX_SESSION"; or set -g __kctx_kubeconfig0 "$KUBECONFIG"
if test -z "$KCTX_SESSION"; or test "$KCTX_SESSION_PID" != "$fish_pid"; or not test -e "$KCTX_SESSION"
    __kctx_start
end
set -g __kctx_stamp (string replace -r '\.json$' '.seen' -- "$KCTX_SESSION")
# Stamps of shells that ended without their exit handler (kill -9) go with their sessions.
if test -n "$KCTX_SESSION"
    for stamp in (string replace -r '/[^/]*$' '' -- $KCTX_SESSION)/*.seen
        test -e (string replace -r '\.seen$' '.json' -- $stamp); or command rm -f -- $stamp
    end
end
__kctx_sync
__kctx_refresh
__kctx_render
__kctx_wrap_prompt

# --- short names (opt-in) -------------------------------------------------------------------------
function __kctx_alias_wanted
    set -l wanted (string split -n ' ' -- (string replace -a ',' ' ' -- "$KCTX_ALIASES"))
    contains -- 1 $wanted; or contains -- all $wanted; or contains -- $argv[1] $wanted
end
if __kctx_alias_wanted k
    function k --wraps kubectl --description 'kubectl (kctx)'
        kubectl $argv
    end
end
if __kctx_alias_wanted kubectx
    function kubectx --wraps 'kctx ctx' --description 'kctx ctx'
        kctx ctx $argv
    end
end
if __kctx_alias_wanted kubens
    function kubens --wraps 'kctx ns' --description 'kctx ns'
        kctx ns $argv
    end
end

# --- completions ------------------------------------------------------------------------------------
# kctx's own: fish loads them from our folder at the first <Tab>; else kctx prints them.
set -l __kctx_comp_dir (string replace -r '/launch\.py$' '/data/completions' -- $__kctx_bin[-1])
if test "$__kctx_comp_dir" != "$__kctx_bin[-1]"; and test -r $__kctx_comp_dir/kctx.fish
    contains -- $__kctx_comp_dir $fish_complete_path; or set -g fish_complete_path $__kctx_comp_dir $fish_complete_path
else
    $__kctx_bin completion fish 2>/dev/null | source
end

# kubectl's own, through the shim: its script is generated once per kubectl binary (kctx caches it) and
# loaded at the first <Tab> after `kubectl`, so shell start-up pays nothing.
function __kctx_kubectl_lazy
    set -l f ($__kctx_bin completion kubectl-script fish 2>/dev/null)
    or return
    complete -c kubectl -e
    source $f
    complete -C (commandline -cp)
end
set -l __kctx_has_kubectl (complete -c kubectl)
for dir in $fish_complete_path
    test -e $dir/kubectl.fish; and set __kctx_has_kubectl 1
end
test -n "$__kctx_has_kubectl"; or complete -c kubectl -f -a '(__kctx_kubectl_lazy)'
